-- Files a writer sends with a letter (issue 20): at most three photos or documents, each sealed
-- like the writer's personal data (XChaCha20-Poly1305 under the key file, bound to the letter and
-- the file's position), its name too. Only the letter's handlers open them, each time audited.
CREATE TABLE letter_attachments (
    letter_id   BIGINT  NOT NULL REFERENCES letters (id) ON DELETE CASCADE,
    position    BIGINT  NOT NULL CHECK (position BETWEEN 1 AND 3),
    mime        TEXT    NOT NULL,
    size        BIGINT  NOT NULL CHECK (size > 0),
    name_sealed TEXT    NOT NULL,
    data_sealed TEXT    NOT NULL,
    PRIMARY KEY (letter_id, position)
);
