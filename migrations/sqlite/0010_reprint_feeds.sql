-- Reprint, second part: feed polling (interval, conditional GET validators, lease for one poller
-- among several nodes), item content hashes (to follow corrections), per-placement first-shown
-- and alert times, detached copies, and submissions between sites (信息报送 / sideways offers).
ALTER TABLE reprint_sources ADD COLUMN poll_seconds INTEGER NOT NULL DEFAULT 60;
ALTER TABLE reprint_sources ADD COLUMN extract_selector TEXT;
ALTER TABLE reprint_sources ADD COLUMN etag TEXT;
ALTER TABLE reprint_sources ADD COLUMN last_modified TEXT;
ALTER TABLE reprint_sources ADD COLUMN next_poll_at TEXT;
ALTER TABLE reprint_sources ADD COLUMN last_polled_at TEXT;
ALTER TABLE reprint_sources ADD COLUMN last_status TEXT;
ALTER TABLE reprint_sources ADD COLUMN last_error TEXT;
ALTER TABLE reprint_sources ADD COLUMN lease_owner TEXT;
ALTER TABLE reprint_sources ADD COLUMN lease_until TEXT;

ALTER TABLE reprint_items ADD COLUMN content_hash TEXT;
ALTER TABLE reprint_items ADD COLUMN updated_at TEXT;

ALTER TABLE reprint_deliveries ADD COLUMN shown_at TEXT;
ALTER TABLE reprint_deliveries ADD COLUMN alerted_at TEXT;
ALTER TABLE reprint_deliveries ADD COLUMN copy_article_id INTEGER REFERENCES articles (id) ON DELETE SET NULL;
CREATE INDEX reprint_deliveries_pending ON reprint_deliveries (state, alerted_at);

CREATE TABLE submissions (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    from_site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    to_site_id   INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    unit_id      INTEGER REFERENCES units (id) ON DELETE SET NULL,
    submitted_by INTEGER NOT NULL REFERENCES accounts (id),
    submitted_at TEXT    NOT NULL,
    note         TEXT,
    state        TEXT    NOT NULL DEFAULT 'pending',
    decided_by   INTEGER REFERENCES accounts (id),
    decided_at   TEXT,
    reason       TEXT,
    column_id    INTEGER REFERENCES columns (id) ON DELETE SET NULL,
    UNIQUE (article_id, to_site_id)
);
CREATE INDEX submissions_to ON submissions (to_site_id, state);
CREATE INDEX submissions_from ON submissions (from_site_id, submitted_at);
