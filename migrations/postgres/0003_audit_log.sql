-- The audit log (安全审计): append-only and hash-chained. Each row's hash covers its fields and
-- the previous row's hash; audit_head holds the newest hash (so deleting the newest rows shows)
-- and the anchor left by a retention purge. Rows cannot be updated (trigger); `zhanqun audit
-- verify` detects a row edited or deleted by someone who drops the trigger first.
CREATE TABLE audit_log (
    seq        BIGINT      PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT        NOT NULL,
    role       TEXT        NOT NULL,
    site_code  TEXT,
    client     TEXT,
    action     TEXT        NOT NULL,
    object     TEXT,
    outcome    TEXT        NOT NULL,
    request_id TEXT,
    detail     TEXT,
    prev_hash  TEXT        NOT NULL,
    hash       TEXT        NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    seq         BIGINT NOT NULL,
    hash        TEXT   NOT NULL,
    anchor_seq  BIGINT NOT NULL,
    anchor_hash TEXT   NOT NULL
);
INSERT INTO audit_head (id, seq, hash, anchor_seq, anchor_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0,
        '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_log_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_no_update();
