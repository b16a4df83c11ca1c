-- A sitemap from the index alone (issue 17).
--
-- A sitemap lists each article with its last change (`lastmod`), and that time lived only in
-- `articles`: a site's sitemap of 1,000 articles, or a province portal's month of as many,
-- read 1,000 article rows scattered over the store (2 ms and 3.5 ms a cache miss on the
-- national fixture, ten times the demo's). `site_articles` now keeps `updated_at` too, in its
-- covering `site_articles_live` index, and a trigger keeps it in step with every edit.
ALTER TABLE site_articles ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';

-- The catalogue's counts move only when what they count changes (an edit now updates every
-- site's row of the article for its new time).
DROP TRIGGER site_articles_update;
CREATE TRIGGER site_articles_update AFTER UPDATE OF live, disclosure, topic, organ, year ON site_articles
BEGIN
    UPDATE catalogue_counts SET n = n - 1
     WHERE OLD.live AND OLD.disclosure
       AND site_id = OLD.site_id AND topic = OLD.topic AND organ = OLD.organ AND year = OLD.year;
    INSERT OR IGNORE INTO catalogue_counts (site_id, topic, organ, year, n)
    SELECT NEW.site_id, NEW.topic, NEW.organ, NEW.year, 0 WHERE NEW.live AND NEW.disclosure;
    UPDATE catalogue_counts SET n = n + 1
     WHERE NEW.live AND NEW.disclosure
       AND site_id = NEW.site_id AND topic = NEW.topic AND organ = NEW.organ AND year = NEW.year;
END;

UPDATE site_articles SET updated_at = (SELECT a.updated_at FROM articles a WHERE a.id = site_articles.article_id);

DROP TRIGGER placements_insert;
CREATE TRIGGER placements_insert AFTER INSERT ON placements
BEGIN
    UPDATE placements SET live = (SELECT status = 'published' FROM articles WHERE id = NEW.article_id)
     WHERE id = NEW.id;
    INSERT OR IGNORE INTO site_articles (site_id, article_id, live, disclosure, sort_at, topic, organ, year, updated_at)
    SELECT NEW.site_id, a.id, a.status = 'published', a.is_disclosure, a.published_at,
           COALESCE(a.topic, ''), COALESCE(a.issuing_organ, ''), CAST(substr(a.publish_date, 1, 4) AS INTEGER),
           a.updated_at
      FROM articles a WHERE a.id = NEW.article_id;
END;

CREATE TRIGGER articles_updated_at AFTER UPDATE OF updated_at ON articles
WHEN NEW.updated_at <> OLD.updated_at
BEGIN
    UPDATE site_articles SET updated_at = NEW.updated_at WHERE article_id = NEW.id;
END;

DROP INDEX site_articles_live;
CREATE INDEX site_articles_live ON site_articles (site_id, sort_at, article_id, live, updated_at) WHERE live;
