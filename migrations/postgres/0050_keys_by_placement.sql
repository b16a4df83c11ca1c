-- Fewer pages written by each placement (issue 17). The same change as
-- migrations/sqlite/0050_keys_by_placement.sql; see there. A State Council reprint places one
-- article on 3,341 sites at once, and each index ordered by site or list takes a page for each.
-- list_entries' key (list_id, placement_id) and site_articles' key (site_id, article_id) were
-- such indexes, and no read uses them: the reads walk list_entries_live and site_articles_live.
-- Keyed by placement and by article instead, a new placement's entries go to the keys' ends, and
-- list_entries_placement and site_articles_article are no longer needed. The two live indexes
-- lose their `WHERE live`, so that removing a column or a site still finds its rows through an
-- index (live rows are all but every row; the reads already say `AND live`).
-- Rebuilding the keys takes the tables' write locks: give up after 10 s waiting for them rather
-- than queue every placement behind a long transaction.
SET LOCAL lock_timeout = '10s';

ALTER TABLE list_entries DROP CONSTRAINT list_entries_pkey;
ALTER TABLE list_entries ADD PRIMARY KEY (placement_id, list_id);
DROP INDEX list_entries_placement;
DROP INDEX list_entries_live;
CREATE INDEX list_entries_live
    ON list_entries (list_id, pinned, sort_at, article_id, site_id, column_id, live);

ALTER TABLE site_articles DROP CONSTRAINT site_articles_pkey;
ALTER TABLE site_articles ADD PRIMARY KEY (article_id, site_id);
DROP INDEX site_articles_article;
DROP INDEX site_articles_live;
CREATE INDEX site_articles_live ON site_articles (site_id, sort_at, article_id, live, updated_at);
