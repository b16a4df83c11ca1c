//! The two migration sets describe one schema: the same migrations, and — on the PostgreSQL run —
//! the same tables with the same columns and the same named indexes as SQLite, read back from the
//! migrated databases themselves (so a column added to one backend only fails here, not in
//! production).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use sqlx::Connection;

/// Table → its columns, and the named indexes, of a schema.
#[derive(Debug, PartialEq)]
struct Schema {
    tables: BTreeMap<String, Vec<String>>,
    indexes: Vec<String>,
}

fn migration_names(backend: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

async fn sqlite_schema() -> Schema {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("parity.db").display());
    let store = zhanqun_store::Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut tables = BTreeMap::new();
    for (t,) in names {
        let mut cols: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info($1)")
            .bind(&t)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        cols.sort();
        tables.insert(t, cols.into_iter().map(|c| c.0).collect());
    }
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    Schema {
        tables,
        indexes: indexes.into_iter().map(|i| i.0).collect(),
    }
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let cols: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%' \
         ORDER BY table_name, column_name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (t, c) in cols {
        tables.entry(t).or_default().push(c);
    }
    // Indexes made by CREATE INDEX (not those PostgreSQL makes for keys and constraints).
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT i.indexname::text FROM pg_indexes i WHERE i.schemaname = 'public' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) \
         AND i.tablename NOT LIKE '\\_sqlx%' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    Schema {
        tables,
        indexes: indexes.into_iter().map(|i| i.0).collect(),
    }
}

#[tokio::test]
async fn both_backends_have_the_same_migrations_tables_columns_and_indexes() {
    assert_eq!(
        migration_names("sqlite"),
        migration_names("postgres"),
        "each migration exists for both backends, under the same name"
    );
    let sqlite = sqlite_schema().await;
    assert!(sqlite.tables.contains_key("articles") && sqlite.tables.contains_key("media"));
    if zhanqun_tests::backend_name() != "postgres" {
        eprintln!("schema parity: migrations compared; tables and columns on the PostgreSQL run");
        return;
    }
    let pg = zhanqun_tests::fresh_store().await;
    let pg = postgres_schema(&pg.url).await;
    let only = |a: &Schema, b: &Schema| -> Vec<String> {
        a.tables
            .iter()
            .flat_map(|(t, cols)| {
                cols.iter()
                    .filter(move |c| !b.tables.get(t).is_some_and(|bc| bc.contains(c)))
                    .map(move |c| format!("{t}.{c}"))
            })
            .collect()
    };
    assert_none(only(&sqlite, &pg), "columns only in SQLite");
    assert_none(only(&pg, &sqlite), "columns only in PostgreSQL");
    let missing = |a: &Schema, b: &Schema| -> Vec<String> {
        a.indexes
            .iter()
            .filter(|i| !b.indexes.contains(i))
            .cloned()
            .collect()
    };
    assert_none(missing(&sqlite, &pg), "indexes only in SQLite");
    assert_none(missing(&pg, &sqlite), "indexes only in PostgreSQL");
}

/// Asserts that `found` is empty: `what` names what it would list.
fn assert_none(found: Vec<String>, what: &str) {
    assert_eq!(found, Vec::<String>::new(), "{what}");
}
