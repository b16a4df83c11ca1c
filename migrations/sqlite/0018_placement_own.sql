-- Column activity (the national check's "column not updated" and "blank column" indicators)
-- at province scale: a column's last update is the publish time of its site's own articles and
-- the placement time of reprints and adopted articles. Telling the two apart joined every
-- placement of the store to its article (4 s on the national fixture, every run of the check).
-- A placement now knows whether its article belongs to its site (never changes), and one
-- covering index gives every column's count and last update without visiting a table.
ALTER TABLE placements ADD COLUMN own BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE placements SET own = TRUE
 WHERE EXISTS (SELECT 1 FROM articles a WHERE a.id = placements.article_id AND a.site_id = placements.site_id);
CREATE INDEX placements_activity ON placements (column_id, own, sort_at, placed_at, live) WHERE live;

CREATE TRIGGER placements_own AFTER INSERT ON placements
BEGIN
    UPDATE placements SET own = (SELECT site_id = NEW.site_id FROM articles WHERE id = NEW.article_id)
     WHERE id = NEW.id;
END;
