-- Visits (issue 5). Page views per site and Beijing day, with the day's unique-visitor sketch
-- (HyperLogLog++, deflated); page views per page (home, column, article, catalogue) and day;
-- the province's day across all sites; and the day's random salt for visitor keys, shared by
-- every node and deleted after two days. No client address or user agent is stored.
CREATE TABLE visit_days (
    site_id BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day     TEXT    NOT NULL,
    views   BIGINT  NOT NULL DEFAULT 0,
    sketch  BYTEA,
    PRIMARY KEY (site_id, day)
);
CREATE INDEX visit_days_day ON visit_days (day);

CREATE TABLE visit_pages (
    site_id   BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day       TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    target_id BIGINT  NOT NULL DEFAULT 0,
    views     BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, kind, target_id)
);

CREATE TABLE visit_province_days (
    day    TEXT    PRIMARY KEY,
    views  BIGINT  NOT NULL DEFAULT 0,
    sketch BYTEA
);

CREATE TABLE visit_salts (
    day  TEXT  PRIMARY KEY,
    salt BYTEA NOT NULL
);

-- Annual reports published to a site's disclosure column (one per site and year).
CREATE TABLE annual_reports (
    site_id      BIGINT      NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    year         INTEGER     NOT NULL,
    article_id   BIGINT      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (site_id, year)
);
