-- 在线办理 (issue 21): applications for a site's service items, "前台提交、后台受理、前台反馈".
-- The applicant's personal data is sealed per field as letters' is; the 受理编号 is public (结果公示
-- lists it), following an application needs its 查询码 too. Business systems move applications
-- with a service token of their site (only its SHA-256 is kept).
CREATE TABLE service_applications (
    id               INTEGER PRIMARY KEY,
    site_id          INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    article_id       INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    receipt_no       TEXT    NOT NULL UNIQUE,
    query_code       TEXT    NOT NULL UNIQUE,
    organisation     TEXT,
    name_sealed      TEXT    NOT NULL,
    phone_sealed     TEXT    NOT NULL,
    id_number_sealed TEXT,
    email_sealed     TEXT,
    address_sealed   TEXT,
    note             TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    submitted_at     TEXT    NOT NULL,
    accepted_at      TEXT,
    finished_at      TEXT,
    reply            TEXT,
    result           TEXT,
    form_nonce       TEXT,
    UNIQUE (site_id, form_nonce)
);
CREATE INDEX service_applications_site ON service_applications (site_id, id);
CREATE INDEX service_applications_finished ON service_applications (site_id, finished_at);

CREATE TABLE service_tokens (
    id           INTEGER PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_by   INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    created_at   TEXT    NOT NULL,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE INDEX service_tokens_site ON service_tokens (site_id);

CREATE TABLE service_application_events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES service_applications (id) ON DELETE CASCADE,
    at             TEXT    NOT NULL,
    account_id     INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    token_id       INTEGER REFERENCES service_tokens (id) ON DELETE SET NULL,
    state          TEXT    NOT NULL,
    note           TEXT
);
CREATE INDEX service_application_events_app ON service_application_events (application_id, id);

CREATE TABLE receipt_counters (
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day         TEXT    NOT NULL,
    last_serial INTEGER NOT NULL,
    PRIMARY KEY (site_id, day)
);
