-- The service catalogue at volume (issue 21): whether an item is shown (its article published, its
-- site active) and its department's name are kept on the item, so that the catalogue's facets
-- and pages read `service_items` alone, by index (they joined articles and sites for every item
-- in scope: 147 ms a page of the province-wide catalogue on the national fixture). Triggers keep
-- both from the articles, sites and units they come from.
ALTER TABLE service_items ADD COLUMN live BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE service_items ADD COLUMN unit_name TEXT NOT NULL DEFAULT '';
UPDATE service_items si SET
    live = (a.status = 'published' AND s.status = 'active'),
    unit_name = COALESCE(u.name, '')
  FROM articles a JOIN sites s ON s.id = a.site_id LEFT JOIN units u ON u.id = a.unit_id
 WHERE a.id = si.article_id;
DROP INDEX service_items_site;
DROP INDEX service_items_theme;
CREATE INDEX service_items_site ON service_items (site_id, live, article_id);
CREATE INDEX service_items_live ON service_items (live, article_id);
CREATE INDEX service_items_site_theme ON service_items (site_id, live, theme, article_id);
CREATE INDEX service_items_theme ON service_items (live, theme, article_id);
CREATE INDEX service_items_site_unit ON service_items (site_id, live, unit_name, article_id);
CREATE INDEX service_items_unit ON service_items (live, unit_name, article_id);

-- One function for the four triggers: the items of an article (the trigger on service_items or
-- on articles), of a site, or of a unit, brought in line with their article, site and unit.
-- Each case is its own statement, so that each is planned on its own index.
CREATE FUNCTION service_items_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'service_items' THEN
        UPDATE service_items si SET
            live = (a.status = 'published' AND s.status = 'active'), unit_name = COALESCE(u.name, '')
          FROM articles a JOIN sites s ON s.id = a.site_id LEFT JOIN units u ON u.id = a.unit_id
         WHERE a.id = si.article_id AND si.article_id = NEW.article_id;
    ELSIF TG_TABLE_NAME = 'articles' THEN
        UPDATE service_items si SET
            live = (a.status = 'published' AND s.status = 'active'), unit_name = COALESCE(u.name, '')
          FROM articles a JOIN sites s ON s.id = a.site_id LEFT JOIN units u ON u.id = a.unit_id
         WHERE a.id = si.article_id AND si.article_id = NEW.id;
    ELSIF TG_TABLE_NAME = 'sites' THEN
        UPDATE service_items si SET live = (a.status = 'published' AND NEW.status = 'active')
          FROM articles a
         WHERE a.id = si.article_id AND si.site_id = NEW.id;
    ELSE
        UPDATE service_items si SET unit_name = NEW.name
          FROM articles a
         WHERE si.site_id = NEW.site_id AND a.id = si.article_id AND a.unit_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER service_items_follow_insert AFTER INSERT ON service_items
    FOR EACH ROW EXECUTE FUNCTION service_items_follow();
CREATE TRIGGER service_items_follow_article AFTER UPDATE OF status, unit_id ON articles
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.unit_id IS DISTINCT FROM NEW.unit_id)
    EXECUTE FUNCTION service_items_follow();
CREATE TRIGGER service_items_follow_site AFTER UPDATE OF status ON sites
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION service_items_follow();
CREATE TRIGGER service_items_follow_unit AFTER UPDATE OF name ON units
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION service_items_follow();
