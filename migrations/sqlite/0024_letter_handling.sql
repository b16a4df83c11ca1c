-- 互动交流 (issue 20): handling a letter. The form's once-only mark (core/form.rs) makes a second
-- POST of the same form find the first letter instead of making another; the reply is drafted
-- by one person and approved by another; every step is kept with its reason.
ALTER TABLE letters ADD COLUMN form_nonce TEXT;
ALTER TABLE letters ADD COLUMN reply_draft TEXT;
ALTER TABLE letters ADD COLUMN drafted_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL;
ALTER TABLE letters ADD COLUMN merged_into INTEGER REFERENCES letters (id) ON DELETE SET NULL;
ALTER TABLE letters ADD COLUMN rating INTEGER;
CREATE UNIQUE INDEX letters_form_once ON letters (site_id, form_nonce);
-- The site's published replies, newest first.
CREATE INDEX letters_public ON letters (site_id, replied_at) WHERE public AND state = 'replied';
-- A unit's letters, by deadline.
CREATE INDEX letters_unit ON letters (unit_id, due_at);

CREATE TABLE letter_events (
    id         INTEGER PRIMARY KEY,
    letter_id  INTEGER NOT NULL REFERENCES letters (id) ON DELETE CASCADE,
    at         TEXT    NOT NULL,
    account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    step       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    note       TEXT
);
CREATE INDEX letter_events_letter ON letter_events (letter_id, id);
