-- Every committed change that public pages can show, written in the same transaction as the
-- change itself. Other processes (the CLI, other nodes) read it to invalidate their caches.
CREATE TABLE change_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    origin  TEXT    NOT NULL,
    payload TEXT    NOT NULL,
    at      TEXT    NOT NULL
);
CREATE INDEX change_log_at ON change_log (at);
