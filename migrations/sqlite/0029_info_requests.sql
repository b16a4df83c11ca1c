-- 依申请公开 (issue 21): applications for government information under the 政府信息公开条例. The
-- applicant's personal data is sealed per field as letters' is (name, ID number, phone, e-mail,
-- address; `zhanqun_core::pii`). The clock starts on receipt, restarts on 收到补正, stops while
-- the applicant completes the application (due_on empty), and moves by an extension.
CREATE TABLE info_requests (
    id               INTEGER PRIMARY KEY,
    site_id          INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    query_code       TEXT    NOT NULL UNIQUE,
    applicant        TEXT    NOT NULL,
    organisation     TEXT,
    name_sealed      TEXT    NOT NULL,
    id_number_sealed TEXT,
    phone_sealed     TEXT    NOT NULL,
    email_sealed     TEXT,
    address_sealed   TEXT,
    content          TEXT    NOT NULL,
    delivery         TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    received_at      TEXT    NOT NULL,
    clock_start      TEXT    NOT NULL,
    extension_days   INTEGER NOT NULL DEFAULT 0,
    due_on           TEXT,
    outcome          TEXT,
    answer_html      TEXT,
    answered_at      TEXT,
    form_nonce       TEXT,
    UNIQUE (site_id, form_nonce)
);
CREATE INDEX info_requests_site ON info_requests (site_id, received_at);

CREATE TABLE info_request_events (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES info_requests (id) ON DELETE CASCADE,
    at         TEXT    NOT NULL,
    account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    step       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    note       TEXT
);
CREATE INDEX info_request_events_request ON info_request_events (request_id, id);
