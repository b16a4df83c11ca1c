-- Sealed files as bytes (issue 21): a letter's attachment and an application's material were
-- kept as `v1.<key id>.<hex>` text, twice their size. Now `v1.<key id>.` and the nonce ‖
-- ciphertext ‖ tag themselves (`Keyring::seal_blob`); the sealed names stay text. The column
-- keeps its name; every file is converted in place, so every file sealed before still opens.
-- Upgrade with every node of the old release stopped: it binds the files as text, which a
-- BYTEA column refuses (a letter with a file would not be taken). The ALTERs rewrite both
-- tables under an exclusive lock for as long as the conversion takes (it grows with the
-- tables), so they give up after 10 s waiting for the lock rather than queue behind a long
-- transaction.
SET LOCAL lock_timeout = '10s';

-- A value that is not `v1.<id>.<hex>` stops the migration, naming its row, rather than be
-- converted to bytes that no longer open.
DO $$
DECLARE
    bad TEXT;
BEGIN
    SELECT string_agg(what, ', ') INTO bad FROM (
        SELECT 'letter_attachments ' || letter_id || '/' || position AS what
        FROM letter_attachments
        WHERE data_sealed !~ '^v1\.[A-Za-z0-9-]{1,16}\.([0-9a-f]{2})+$'
        UNION ALL
        SELECT 'application_materials ' || application_id || '/' || position
        FROM application_materials
        WHERE data_sealed !~ '^v1\.[A-Za-z0-9-]{1,16}\.([0-9a-f]{2})+$'
    ) AS malformed;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'sealed files that are not v1.<key id>.<hex>: %', bad;
    END IF;
END $$;

ALTER TABLE letter_attachments ALTER COLUMN data_sealed TYPE BYTEA USING
    convert_to(split_part(data_sealed, '.', 1) || '.' || split_part(data_sealed, '.', 2) || '.', 'UTF8')
    || decode(split_part(data_sealed, '.', 3), 'hex');

ALTER TABLE application_materials ALTER COLUMN data_sealed TYPE BYTEA USING
    convert_to(split_part(data_sealed, '.', 1) || '.' || split_part(data_sealed, '.', 2) || '.', 'UTF8')
    || decode(split_part(data_sealed, '.', 3), 'hex');
