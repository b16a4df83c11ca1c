-- placements_activity (migration 0018) held every live placement, reprints too, but only its
-- own articles are read from it: a column's newest own article (the national check's "column not
-- updated", crates/store/src/stats.rs) and a site's own articles of a column in a period
-- (crates/store/src/figures). A reprint's placements are read by placements_reprint_column. Each
-- State Council reprint wrote some 4,500 pages of this index for entries nothing reads (one a
-- subscribing site, national fixture, issue 17). Same name, own placements only.
-- Building the index takes the table's write lock for as long as it reads the placements: give
-- up after 10 s waiting for that lock rather than queue every placement behind a long
-- transaction.
SET LOCAL lock_timeout = '10s';
DROP INDEX placements_activity;
CREATE INDEX placements_activity ON placements (column_id, sort_at, own, live) WHERE live AND own;
