-- A unit's new name reaches every item whose article it carries, whichever site the item is on
-- (0043 looked only at the unit's own site, and an article's unit is the author's, which need
-- not be of the article's site).
DROP TRIGGER service_items_follow_unit;
CREATE TRIGGER service_items_follow_unit AFTER UPDATE OF name ON units
BEGIN
    UPDATE service_items SET unit_name = NEW.name
     WHERE (SELECT unit_id FROM articles WHERE id = service_items.article_id) = NEW.id;
END;
