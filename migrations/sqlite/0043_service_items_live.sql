-- The service catalogue at volume (issue 21): whether an item is shown (its article published, its
-- site active) and its department's name are kept on the item, so that the catalogue's facets
-- and pages read `service_items` alone, by index (they joined articles and sites for every item
-- in scope: 147 ms a page of the province-wide catalogue on the national fixture). Triggers keep
-- both from the articles, sites and units they come from.
ALTER TABLE service_items ADD COLUMN live BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE service_items ADD COLUMN unit_name TEXT NOT NULL DEFAULT '';
UPDATE service_items SET
    live = COALESCE((SELECT a.status = 'published' AND s.status = 'active'
                       FROM articles a JOIN sites s ON s.id = a.site_id
                      WHERE a.id = service_items.article_id), FALSE),
    unit_name = COALESCE((SELECT u.name FROM articles a JOIN units u ON u.id = a.unit_id
                           WHERE a.id = service_items.article_id), '');
DROP INDEX service_items_site;
DROP INDEX service_items_theme;
CREATE INDEX service_items_site ON service_items (site_id, live, article_id);
CREATE INDEX service_items_live ON service_items (live, article_id);
CREATE INDEX service_items_site_theme ON service_items (site_id, live, theme, article_id);
CREATE INDEX service_items_theme ON service_items (live, theme, article_id);
CREATE INDEX service_items_site_unit ON service_items (site_id, live, unit_name, article_id);
CREATE INDEX service_items_unit ON service_items (live, unit_name, article_id);

CREATE TRIGGER service_items_follow_insert AFTER INSERT ON service_items
BEGIN
    UPDATE service_items SET
        live = COALESCE((SELECT a.status = 'published' AND s.status = 'active'
                           FROM articles a JOIN sites s ON s.id = a.site_id
                          WHERE a.id = NEW.article_id), FALSE),
        unit_name = COALESCE((SELECT u.name FROM articles a JOIN units u ON u.id = a.unit_id
                               WHERE a.id = NEW.article_id), '')
     WHERE article_id = NEW.article_id;
END;
CREATE TRIGGER service_items_follow_article AFTER UPDATE OF status, unit_id ON articles
BEGIN
    UPDATE service_items SET
        live = (NEW.status = 'published' AND (SELECT status FROM sites WHERE id = NEW.site_id) = 'active'),
        unit_name = COALESCE((SELECT name FROM units WHERE id = NEW.unit_id), '')
     WHERE article_id = NEW.id;
END;
CREATE TRIGGER service_items_follow_site AFTER UPDATE OF status ON sites
BEGIN
    UPDATE service_items SET
        live = (NEW.status = 'active'
                AND (SELECT status FROM articles WHERE id = service_items.article_id) = 'published')
     WHERE site_id = NEW.id;
END;
CREATE TRIGGER service_items_follow_unit AFTER UPDATE OF name ON units
BEGIN
    UPDATE service_items SET unit_name = NEW.name
     WHERE site_id = NEW.site_id
       AND (SELECT unit_id FROM articles WHERE id = service_items.article_id) = NEW.id;
END;
