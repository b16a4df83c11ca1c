//! Stores that an older release left behind: a migration that converts rows is run on a store
//! migrated only up to the version before it, holding rows as that release wrote them, and what
//! it leaves must still open with the current code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_core::pii::Keyring;
use zhanqun_tests::{fresh_database, migrate_to, raw_sql};

/// Migration 0047: a letter's attachments sealed as `v1.<key id>.<hex>` text before it open,
/// converted to bytes, with the key ring and the place they were sealed for.
#[tokio::test]
async fn files_sealed_as_hex_before_0047_open_as_bytes_after_it() {
    let (url, _dir) = fresh_database().await;
    migrate_to(&url, 46).await;
    let keys = Keyring::parse(&Keyring::new_key_line("k2026")).unwrap();
    let at = "letter:ABCDEFGH2345";
    // One file of every byte value, and one larger than a page.
    let files: Vec<Vec<u8>> = vec![
        (0..=255u8).collect(),
        (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect(),
    ];
    let mut sql = String::from(
        "INSERT INTO sites (id, code, name, kind, region_code, index_pattern, created_at, updated_at) \
         VALUES (1, '6108280001', '佳县人民政府', 'county', '610828', '<site code>/<YYYYMM>-<5-digit serial>', \
         '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');\n\
         INSERT INTO letters (id, site_id, kind, query_code, subject, body, state, name_sealed, received_at, due_at) \
         VALUES (1, 1, 'consultation', 'ABCDEFGH2345', '咨询', '正文', 'received', 'x', \
         '2026-01-01T00:00:00+00:00', '2026-01-08T00:00:00+00:00');\n",
    );
    // And an online application's material, in the other table 0047 converts.
    let app_at = "service_application:QRSTUVWX6789";
    sql.push_str(
        "INSERT INTO articles (id, site_id, index_number, title, body_html, status, publish_date, published_at, created_at, updated_at) \
         VALUES (1, 1, '6108280001/202601-00001', '居住证办理', '<p>指南</p>', 'published', '2026-01-01', \
         '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');\n\
         INSERT INTO service_applications (id, site_id, article_id, receipt_no, query_code, name_sealed, phone_sealed, note, state, submitted_at) \
         VALUES (1, 1, 1, '6108280001-20260101-0001', 'QRSTUVWX6789', 'x', 'x', '', 'submitted', '2026-01-01T00:00:00+00:00');\n",
    );
    let material = keys.seal_bytes("attachment1", app_at, &files[1]).unwrap();
    let material_name = keys.seal("attachment1_name", app_at, "户口簿.pdf").unwrap();
    sql.push_str(&format!(
        "INSERT INTO application_materials (application_id, position, mime, size, name_sealed, data_sealed) \
         VALUES (1, 1, 'application/pdf', {}, '{material_name}', '{material}');\n",
        files[1].len()
    ));
    for (i, bytes) in files.iter().enumerate() {
        let position = i + 1;
        let name = keys
            .seal(&format!("attachment{position}_name"), at, "情况说明.pdf")
            .unwrap();
        let data = keys
            .seal_bytes(&format!("attachment{position}"), at, bytes)
            .unwrap();
        sql.push_str(&format!(
            "INSERT INTO letter_attachments (letter_id, position, mime, size, name_sealed, data_sealed) \
             VALUES (1, {position}, 'application/pdf', {}, '{name}', '{data}');\n",
            bytes.len()
        ));
    }
    raw_sql(&url, &sql).await.unwrap();

    // The current release starts on it: migration 0047 runs.
    let store = zhanqun_store::Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let rows = files_of(&url, "letter_attachments").await;
    assert_eq!(rows.len(), files.len());
    for ((position, name, data), bytes) in rows.iter().zip(&files) {
        // Bytes now: the prefix, then nonce, ciphertext and tag (not twice their size in hex).
        assert!(data.starts_with(b"v1.k2026."), "{:?}", &data[..12]);
        assert_eq!(data.len(), "v1.k2026.".len() + 24 + bytes.len() + 16);
        assert_eq!(
            &keys
                .open_blob(&format!("attachment{position}"), at, data)
                .unwrap(),
            bytes
        );
        // The name is still text and still opens.
        assert_eq!(
            keys.open(&format!("attachment{position}_name"), at, name)
                .unwrap(),
            "情况说明.pdf"
        );
    }

    // The material opens too, and the rebuilt tables keep their rules: no file without data.
    let materials = files_of(&url, "application_materials").await;
    assert_eq!(materials.len(), 1);
    let (_, name, data) = &materials[0];
    assert_eq!(
        keys.open_blob("attachment1", app_at, data).unwrap(),
        files[1]
    );
    assert_eq!(
        keys.open("attachment1_name", app_at, name).unwrap(),
        "户口簿.pdf"
    );
    let no_data = raw_sql(
        &url,
        "INSERT INTO letter_attachments (letter_id, position, mime, size, name_sealed) \
         VALUES (1, 3, 'application/pdf', 10, 'x')",
    )
    .await;
    assert!(no_data.is_err(), "a file without its data is refused");
}

/// The files of `table`: position, sealed name, sealed bytes.
async fn files_of(url: &str, table: &str) -> Vec<(i64, String, Vec<u8>)> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT position, name_sealed, data_sealed FROM {table} ORDER BY position"
    ));
    if url.starts_with("sqlite:") {
        let p = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&p).await.unwrap()
    } else {
        let p = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&p).await.unwrap()
    }
}

/// Migration 0047 stops at a file that is not `v1.<key id>.<hex>` rather than turn it into bytes
/// that no longer open; the store is left as it was. On both backends, for each way a value can
/// be wrong.
#[tokio::test]
async fn a_malformed_sealed_file_stops_0047_and_changes_nothing() {
    for bad in [
        "v1.k2026.not-hex",
        "v1.k2026.abc",
        "v1.k2026.",
        "v1..ff00",
        "v2.k2026.ff00",
        "v1.k/2026.ff00",
        "v1.k20262026202620262026.ff00",
        "ff00",
    ] {
        malformed_stops_0047(bad).await;
    }
}

async fn malformed_stops_0047(bad: &str) {
    let (url, _dir) = fresh_database().await;
    migrate_to(&url, 46).await;
    raw_sql(
        &url,
        "INSERT INTO sites (id, code, name, kind, region_code, index_pattern, created_at, updated_at) \
         VALUES (1, '6108280001', '佳县人民政府', 'county', '610828', 'x', \
         '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');\n\
         INSERT INTO letters (id, site_id, kind, query_code, subject, body, state, name_sealed, received_at, due_at) \
         VALUES (7, 1, 'consultation', 'ABCDEFGH2345', '咨询', '正文', 'received', 'x', \
         '2026-01-01T00:00:00+00:00', '2026-01-08T00:00:00+00:00');\n\
         INSERT INTO letter_attachments (letter_id, position, mime, size, name_sealed, data_sealed) \
         VALUES (7, 2, 'application/pdf', 3, 'x', 'BAD');"
            .replace("BAD", bad)
            .as_str(),
    )
    .await
    .unwrap();
    let store = zhanqun_store::Store::connect(&url).await.unwrap();
    let e = match store.migrate().await {
        Ok(()) => panic!("{bad}: migrated"),
        Err(e) => format!("{e:?}"),
    };
    if !url.starts_with("sqlite:") {
        assert!(e.contains("letter_attachments 7/2"), "{bad}: {e}");
    }
    let rows: Vec<(i64, String)> = if url.starts_with("sqlite:") {
        let p = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query_as("SELECT position, data_sealed FROM letter_attachments")
            .fetch_all(&p)
            .await
            .unwrap()
    } else {
        let p = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query_as("SELECT position, data_sealed FROM letter_attachments")
            .fetch_all(&p)
            .await
            .unwrap()
    };
    assert_eq!(rows, vec![(2, bad.to_string())], "{bad}: {e}");
}
