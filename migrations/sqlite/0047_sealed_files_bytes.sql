-- Sealed files as bytes (issue 21): a letter's attachment and an application's material were
-- kept as `v1.<key id>.<hex>` text, twice their size. Now `v1.<key id>.` and the nonce ‖
-- ciphertext ‖ tag themselves (`Keyring::seal_blob`); the sealed names stay text. Each table is
-- rebuilt with the column as a BLOB (same name, no default) and every file converted, so every
-- file sealed before still opens. A value that is not `v1.<key id>.<hex>` (a key id of 1 to 16
-- letters, digits and -, then an even number of hex digits) stops the migration: the CASE or
-- unhex gives NULL, which NOT NULL refuses. ops/README.md ("Upgrading") gives the query that
-- finds such rows.
-- The file grows by the tables' size during the migration (VACUUM gives it back).
-- Upgrade with every node of the old release stopped: it binds the files as text.
CREATE TABLE letter_attachments_0047 (
    letter_id   INTEGER NOT NULL REFERENCES letters (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position BETWEEN 1 AND 3),
    mime        TEXT    NOT NULL,
    size        INTEGER NOT NULL CHECK (size > 0),
    name_sealed TEXT    NOT NULL,
    data_sealed BLOB    NOT NULL,
    PRIMARY KEY (letter_id, position)
);
INSERT INTO letter_attachments_0047 (letter_id, position, mime, size, name_sealed, data_sealed)
SELECT letter_id, position, mime, size, name_sealed,
       CASE WHEN data_sealed GLOB 'v1.?*.?*'
                 AND instr(substr(data_sealed, 4), '.') BETWEEN 2 AND 17
                 AND substr(data_sealed, 4, instr(substr(data_sealed, 4), '.') - 1)
                     NOT GLOB '*[^A-Za-z0-9-]*'
            THEN unhex(hex(substr(data_sealed, 1, 3 + instr(substr(data_sealed, 4), '.')))
                       || substr(data_sealed, 4 + instr(substr(data_sealed, 4), '.')))
       END
FROM letter_attachments;
DROP TABLE letter_attachments;
ALTER TABLE letter_attachments_0047 RENAME TO letter_attachments;

CREATE TABLE application_materials_0047 (
    application_id INTEGER NOT NULL REFERENCES service_applications (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL CHECK (position BETWEEN 1 AND 5),
    mime           TEXT    NOT NULL,
    size           INTEGER NOT NULL CHECK (size > 0),
    name_sealed    TEXT    NOT NULL,
    data_sealed    BLOB    NOT NULL,
    PRIMARY KEY (application_id, position)
);
INSERT INTO application_materials_0047 (application_id, position, mime, size, name_sealed, data_sealed)
SELECT application_id, position, mime, size, name_sealed,
       CASE WHEN data_sealed GLOB 'v1.?*.?*'
                 AND instr(substr(data_sealed, 4), '.') BETWEEN 2 AND 17
                 AND substr(data_sealed, 4, instr(substr(data_sealed, 4), '.') - 1)
                     NOT GLOB '*[^A-Za-z0-9-]*'
            THEN unhex(hex(substr(data_sealed, 1, 3 + instr(substr(data_sealed, 4), '.')))
                       || substr(data_sealed, 4 + instr(substr(data_sealed, 4), '.')))
       END
FROM application_materials;
DROP TABLE application_materials;
ALTER TABLE application_materials_0047 RENAME TO application_materials;
