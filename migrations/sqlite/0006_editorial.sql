-- Editorial work: units and second factor on accounts, grants (site or column subtree),
-- the review workflow on articles, its events, revisions, and the media library.
ALTER TABLE accounts ADD COLUMN unit_id INTEGER REFERENCES units (id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_pending TEXT;
ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER;

ALTER TABLE sessions ADD COLUMN mfa_done BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE grants (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    column_id  INTEGER REFERENCES columns (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL
);
CREATE UNIQUE INDEX grants_unique ON grants (account_id, role, site_id, COALESCE(column_id, 0));
CREATE INDEX grants_site ON grants (site_id);

ALTER TABLE columns ADD COLUMN needs_signoff BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE articles ADD COLUMN home_column_id INTEGER REFERENCES columns (id);
ALTER TABLE articles ADD COLUMN created_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL;
ALTER TABLE articles ADD COLUMN submitted_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL;
ALTER TABLE articles ADD COLUMN submitted_at TEXT;
ALTER TABLE articles ADD COLUMN secrecy_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE articles ADD COLUMN reviewed_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL;
ALTER TABLE articles ADD COLUMN reviewed_at TEXT;
ALTER TABLE articles ADD COLUMN signed_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL;
ALTER TABLE articles ADD COLUMN signed_at TEXT;
ALTER TABLE articles ADD COLUMN reject_reason TEXT;
ALTER TABLE articles ADD COLUMN withdraw_reason TEXT;
ALTER TABLE articles ADD COLUMN publish_at TEXT;
ALTER TABLE articles ADD COLUMN unpublish_at TEXT;
ALTER TABLE articles ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
UPDATE articles SET home_column_id = (
    SELECT MIN(p.column_id) FROM placements p WHERE p.article_id = articles.id AND p.site_id = articles.site_id
);
CREATE INDEX articles_home_column ON articles (home_column_id, status);
CREATE INDEX articles_due ON articles (status, publish_at);

CREATE TABLE article_events (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    at          TEXT    NOT NULL,
    account_id  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    action      TEXT    NOT NULL,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    reason      TEXT
);
CREATE INDEX article_events_article ON article_events (article_id, id);

CREATE TABLE revisions (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    rev        INTEGER NOT NULL,
    at         TEXT    NOT NULL,
    account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    title      TEXT    NOT NULL,
    body_html  TEXT    NOT NULL,
    fields     TEXT    NOT NULL,
    UNIQUE (article_id, rev)
);

CREATE TABLE media (
    id            INTEGER PRIMARY KEY,
    site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    storage_name  TEXT    NOT NULL UNIQUE,
    original_name TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    bytes         INTEGER NOT NULL,
    sha256        TEXT    NOT NULL,
    uploaded_by   INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    at            TEXT    NOT NULL
);
CREATE INDEX media_site ON media (site_id, id);
