-- Security round two (issue 18): the login throttle says why a key is locked and since when,
-- for the security administrator who may lift the lock.
ALTER TABLE login_throttle ADD COLUMN reason TEXT;
ALTER TABLE login_throttle ADD COLUMN locked_at TEXT;
