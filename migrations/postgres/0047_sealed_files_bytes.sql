-- Sealed files as bytes (issue 21): a letter's attachment and an application's material were
-- kept as `v1.<key id>.<hex>` text, twice their size. Now `v1.<key id>.` and the nonce ‖
-- ciphertext ‖ tag themselves (`Keyring::seal_blob`); the sealed names stay text. The column
-- keeps its name; each file is converted in place, so every file sealed before still opens.
ALTER TABLE letter_attachments ALTER COLUMN data_sealed TYPE BYTEA USING
    convert_to(split_part(data_sealed, '.', 1) || '.' || split_part(data_sealed, '.', 2) || '.', 'UTF8')
    || decode(split_part(data_sealed, '.', 3), 'hex');

ALTER TABLE application_materials ALTER COLUMN data_sealed TYPE BYTEA USING
    convert_to(split_part(data_sealed, '.', 1) || '.' || split_part(data_sealed, '.', 2) || '.', 'UTF8')
    || decode(split_part(data_sealed, '.', 3), 'hex');
