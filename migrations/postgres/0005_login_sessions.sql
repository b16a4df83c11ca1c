-- Login-failure throttling, per account name (known or not) and per client address, and
-- server-side sessions (only a SHA-256 of the session token is stored).
CREATE TABLE login_throttle (
    key          TEXT    PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until TIMESTAMPTZ
);

CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    client       TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
