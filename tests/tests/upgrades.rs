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
    let rows: Vec<(i64, String, Vec<u8>)> = if url.starts_with("sqlite:") {
        let p = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query_as(
            "SELECT position, name_sealed, data_sealed FROM letter_attachments ORDER BY position",
        )
        .fetch_all(&p)
        .await
        .unwrap()
    } else {
        let p = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query_as(
            "SELECT position, name_sealed, data_sealed FROM letter_attachments ORDER BY position",
        )
        .fetch_all(&p)
        .await
        .unwrap()
    };
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
}
