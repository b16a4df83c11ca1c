-- Back-office accounts. User names are unique after case folding; passwords are argon2id PHC
-- strings; a platform role (三权分立) is at most one per account by construction.
CREATE TABLE accounts (
    id                   INTEGER PRIMARY KEY,
    username             TEXT    NOT NULL,
    username_folded      TEXT    NOT NULL UNIQUE,
    display_name         TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    platform_role        TEXT,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at  TEXT    NOT NULL,
    created_at           TEXT    NOT NULL
);
