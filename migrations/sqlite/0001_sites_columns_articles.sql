-- Sites (tenants), their host names, units, columns, articles and placements.
CREATE TABLE sites (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    parent_id     INTEGER REFERENCES sites (id),
    region_code   TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'active',
    theme         TEXT    NOT NULL DEFAULT 'default',
    index_pattern TEXT    NOT NULL,
    organiser     TEXT    NOT NULL DEFAULT '',
    operator      TEXT    NOT NULL DEFAULT '',
    contact       TEXT    NOT NULL DEFAULT '',
    icp           TEXT    NOT NULL DEFAULT '',
    psb           TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE site_hosts (
    host     TEXT    PRIMARY KEY,
    site_id  INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    position INTEGER NOT NULL
);
CREATE INDEX site_hosts_site ON site_hosts (site_id);

CREATE TABLE units (
    id      INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name    TEXT    NOT NULL,
    UNIQUE (site_id, name)
);

CREATE TABLE columns (
    id              INTEGER PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    parent_id       INTEGER REFERENCES columns (id),
    path            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    update_category TEXT    NOT NULL,
    mandatory       BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order      INTEGER NOT NULL DEFAULT 0,
    link_url        TEXT,
    body_html       TEXT,
    unit_id         INTEGER REFERENCES units (id),
    in_nav          BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (site_id, path)
);
CREATE INDEX columns_parent ON columns (parent_id);

CREATE TABLE index_counters (
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    period      TEXT    NOT NULL,
    last_serial INTEGER NOT NULL,
    PRIMARY KEY (site_id, period)
);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    site_id       INTEGER NOT NULL REFERENCES sites (id),
    unit_id       INTEGER REFERENCES units (id),
    index_number  TEXT    NOT NULL UNIQUE,
    title         TEXT    NOT NULL,
    subtitle      TEXT,
    summary       TEXT,
    author        TEXT,
    source        TEXT,
    source_url    TEXT,
    body_html     TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    publish_date  TEXT    NOT NULL,
    published_at  TEXT    NOT NULL,
    is_disclosure BOOLEAN NOT NULL DEFAULT FALSE,
    doc_number    TEXT,
    written_date  TEXT,
    issuing_organ TEXT,
    validity      TEXT,
    topic         TEXT,
    interprets_id INTEGER REFERENCES articles (id),
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX articles_interprets ON articles (interprets_id);
CREATE INDEX articles_site ON articles (site_id, status);

CREATE TABLE placements (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    column_id  INTEGER NOT NULL REFERENCES columns (id),
    pinned     BOOLEAN NOT NULL DEFAULT FALSE,
    sort_at    TEXT    NOT NULL,
    placed_at  TEXT    NOT NULL,
    UNIQUE (article_id, site_id, column_id)
);
CREATE INDEX placements_column ON placements (site_id, column_id, sort_at);
CREATE INDEX placements_site ON placements (site_id, sort_at);
