-- 互动交流 (issue 20): letters the public writes to a site. The writer's personal data is sealed
-- per field by the application (core/pii.rs) under a key that is not in the database; what is
-- stored here opens only with that key and only in its own field of its own letter.
CREATE TABLE letters (
    id               INTEGER PRIMARY KEY,
    site_id          INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL,
    query_code       TEXT    NOT NULL UNIQUE,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    -- The writer agrees that the letter and its reply (never their personal data) are published.
    public           BOOLEAN NOT NULL DEFAULT FALSE,
    state            TEXT    NOT NULL,
    name_sealed      TEXT    NOT NULL,
    phone_sealed     TEXT,
    email_sealed     TEXT,
    id_number_sealed TEXT,
    address_sealed   TEXT,
    received_at      TEXT    NOT NULL,
    due_at           TEXT    NOT NULL,
    unit_id          INTEGER REFERENCES units (id),
    reply_html       TEXT,
    replied_at       TEXT
);
CREATE INDEX letters_site ON letters (site_id, received_at);
CREATE INDEX letters_open ON letters (state, due_at);
