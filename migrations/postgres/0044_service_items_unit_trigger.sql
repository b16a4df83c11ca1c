-- A unit's new name reaches every item whose article it carries, whichever site the item is on
-- (0043 looked only at the unit's own site, and an article's unit is the author's, which need
-- not be of the article's site).
CREATE OR REPLACE FUNCTION service_items_follow() RETURNS trigger LANGUAGE plpgsql AS $$
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
         WHERE a.id = si.article_id AND a.unit_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
