-- Reprint (转载): sources, sites' subscriptions, ingested items (one canonical article each) and
-- per-site deliveries with their timeliness (source time, ingest time, placement time).
CREATE TABLE reprint_sources (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL,
    url           TEXT,
    attribution   TEXT    NOT NULL,
    owner_site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    created_at    TEXT    NOT NULL
);

CREATE TABLE reprint_subscriptions (
    id         INTEGER PRIMARY KEY,
    source_id  INTEGER NOT NULL REFERENCES reprint_sources (id) ON DELETE CASCADE,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    column_id  INTEGER NOT NULL REFERENCES columns (id) ON DELETE CASCADE,
    mode       TEXT    NOT NULL,
    home_slot  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT    NOT NULL,
    UNIQUE (source_id, site_id)
);

CREATE TABLE reprint_items (
    id                  INTEGER PRIMARY KEY,
    source_id           INTEGER NOT NULL REFERENCES reprint_sources (id) ON DELETE CASCADE,
    guid                TEXT    NOT NULL,
    article_id          INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    source_published_at TEXT    NOT NULL,
    ingested_at         TEXT    NOT NULL,
    UNIQUE (source_id, guid)
);

CREATE TABLE reprint_deliveries (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES reprint_items (id) ON DELETE CASCADE,
    subscription_id INTEGER NOT NULL REFERENCES reprint_subscriptions (id) ON DELETE CASCADE,
    site_id         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    state           TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    placed_at       TEXT,
    UNIQUE (item_id, site_id)
);
CREATE INDEX reprint_deliveries_site ON reprint_deliveries (site_id, state);
