-- The console at province scale (issue 17): statistics and checks read placements by time.
-- A site's own articles count at their publish time (sort_at), reprints and adopted articles at
-- their placement time (placed_at, migration 0018), so each kind gets the index its range needs:
-- every site's publications in a period (covering: site and article ride along, so the province
-- overview visits no table), and a column's last reprint (the national check's "column not
-- updated" indicator) as one seek instead of a scan of the column.
CREATE INDEX placements_own_time ON placements (sort_at, site_id, article_id) WHERE live AND own;
CREATE INDEX placements_reprint_time ON placements (placed_at, site_id, article_id) WHERE live AND NOT own;
CREATE INDEX placements_reprint_column ON placements (column_id, placed_at) WHERE live AND NOT own;

-- Every site's views over a period (the overview's column of views): a covering index, so the
-- day range is read without the visitor sketches stored beside the counts.
CREATE INDEX visit_days_views ON visit_days (day, site_id, views);
