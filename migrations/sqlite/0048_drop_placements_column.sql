-- placements_column (site_id, column_id, sort_at) serves no statement (issue 17): a column's
-- placements are read live only, through placements_live, placements_activity or
-- placements_reprint_column; a site's through placements_site or placements_home_slot; an
-- article's through the (article_id, site_id, column_id) key. Every placement still paid for it:
-- a State Council reprint places one item on 3,341 sites, which wrote about 4,465 pages of this
-- index alone (8 % of the reprint's 55,235 pages, national fixture), and it held 75 MiB of the
-- store. It was also what PostgreSQL's generic plan chose, wrongly, for the home page's newest
-- items (see newest_placements_sql in crates/store/src/content/reads.rs).
DROP INDEX placements_column;
