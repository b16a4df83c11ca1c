-- Background jobs that must run once across nodes (scheduled publishing, alerts, pruning) run
-- on the node holding the job's lease; a node that dies stops renewing it, and another takes
-- it over when it expires.
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    acquired_at TEXT NOT NULL
);
