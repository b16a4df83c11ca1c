-- The items whose kept element bits (migration 0045) are not computed yet: `Store::migrate` looks
-- for them on every start, by this index, instead of reading every guide's row.
CREATE INDEX service_items_unfilled ON service_items (article_id) WHERE elements IS NULL;
