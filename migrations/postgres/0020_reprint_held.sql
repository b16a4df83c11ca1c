-- An item entered by hand into a reprint source is a workflow act (security round two, issue
-- 18): it becomes a draft of the source's own site and goes through that site's review and
-- sign-off; only when it is published does it fan out to the subscribers. Until then its item
-- is held. Items from feeds are never held.
ALTER TABLE reprint_items ADD COLUMN held BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX reprint_items_held ON reprint_items (article_id) WHERE held;
