-- Sealed files as bytes (issue 21): a letter's attachment and an application's material were
-- kept as `v1.<key id>.<hex>` text, twice their size. Now `v1.<key id>.` and the nonce ‖
-- ciphertext ‖ tag themselves (`Keyring::seal_blob`); the sealed names stay text. The column
-- keeps its name; each file is converted in place, so every file sealed before still opens.
ALTER TABLE letter_attachments ADD COLUMN data_bytes BLOB NOT NULL DEFAULT x'';
UPDATE letter_attachments SET data_bytes = CAST(
    substr(data_sealed, 1, 3 + instr(substr(data_sealed, 4), '.'))
    || unhex(substr(data_sealed, 4 + instr(substr(data_sealed, 4), '.'))) AS BLOB);
ALTER TABLE letter_attachments DROP COLUMN data_sealed;
ALTER TABLE letter_attachments RENAME COLUMN data_bytes TO data_sealed;

ALTER TABLE application_materials ADD COLUMN data_bytes BLOB NOT NULL DEFAULT x'';
UPDATE application_materials SET data_bytes = CAST(
    substr(data_sealed, 1, 3 + instr(substr(data_sealed, 4), '.'))
    || unhex(substr(data_sealed, 4 + instr(substr(data_sealed, 4), '.'))) AS BLOB);
ALTER TABLE application_materials DROP COLUMN data_sealed;
ALTER TABLE application_materials RENAME COLUMN data_bytes TO data_sealed;
