-- Background jobs that must run once across nodes (scheduled publishing, alerts, pruning) run
-- on the node holding the job's lease; a node that dies stops renewing it, and another takes
-- it over when it expires.
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT        NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL
);

-- Every commit that writes the change log wakes the other nodes (LISTEN zhanqun_changes), so
-- their caches are invalidated within milliseconds instead of at the next poll. Notifications
-- are sent on commit only, and one per transaction (statement level, same payload collapses).
CREATE FUNCTION zhanqun_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('zhanqun_changes', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER change_log_notify AFTER INSERT ON change_log
    FOR EACH STATEMENT EXECUTE FUNCTION zhanqun_notify_change();
