-- Column activity at province scale: see migrations/sqlite/0018_placement_own.sql.
ALTER TABLE placements ADD COLUMN own BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE placements p SET own = TRUE FROM articles a WHERE a.id = p.article_id AND a.site_id = p.site_id;
CREATE INDEX placements_activity ON placements (column_id, own, sort_at, placed_at, live) WHERE live;

CREATE OR REPLACE FUNCTION placements_before_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a RECORD;
BEGIN
    SELECT status, site_id INTO a FROM articles WHERE id = NEW.article_id;
    NEW.live := COALESCE(a.status = 'published', FALSE);
    NEW.own := COALESCE(a.site_id = NEW.site_id, FALSE);
    RETURN NEW;
END $$;
