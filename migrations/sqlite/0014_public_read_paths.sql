-- Read paths of the public pages that do not grow with the store (issue 17).
--
-- Every public list starts from one site's (or one column's) rows in an index that holds only
-- what is shown, in the order it is shown; every count a page prints is kept, not counted.
-- Triggers keep all of it in step with articles and placements, so no write path of the
-- program (editors, reprints, bulk loads) can forget it. ARCHITECTURE.md says which index
-- serves which page.

-- 1. A placement knows whether its article is published: column lists and home pages read
--    one partial index, newest first, without visiting the articles table to filter.
ALTER TABLE placements ADD COLUMN live BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE placements SET live = TRUE
 WHERE article_id IN (SELECT id FROM articles WHERE status = 'published');
CREATE INDEX placements_live ON placements (column_id, pinned, sort_at, article_id, site_id) WHERE live;
CREATE INDEX placements_home_slot ON placements (site_id) WHERE home_slot;

-- Published articles per column (a column's own placements, not its subtree).
CREATE TABLE column_counts (
    column_id INTEGER PRIMARY KEY REFERENCES columns (id) ON DELETE CASCADE,
    n         INTEGER NOT NULL
);
INSERT INTO column_counts (column_id, n)
SELECT column_id, COUNT(*) FROM placements WHERE live GROUP BY column_id;

-- 2. One row per article shown on a site, however many of its columns place it: the site
--    feed, the sitemap and the disclosure catalogue (政府信息公开目录) read it.
CREATE TABLE site_articles (
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    live       BOOLEAN NOT NULL,
    disclosure BOOLEAN NOT NULL,
    sort_at    TEXT    NOT NULL,
    topic      TEXT    NOT NULL,
    organ      TEXT    NOT NULL,
    year       INTEGER NOT NULL,
    PRIMARY KEY (site_id, article_id)
);
INSERT INTO site_articles (site_id, article_id, live, disclosure, sort_at, topic, organ, year)
SELECT DISTINCT p.site_id, a.id, a.status = 'published', a.is_disclosure, a.published_at,
       COALESCE(a.topic, ''), COALESCE(a.issuing_organ, ''), CAST(substr(a.publish_date, 1, 4) AS INTEGER)
  FROM placements p JOIN articles a ON a.id = p.article_id;
CREATE INDEX site_articles_article ON site_articles (article_id);
CREATE INDEX site_articles_live ON site_articles (site_id, sort_at, article_id) WHERE live;
CREATE INDEX catalogue_all ON site_articles (site_id, sort_at, article_id) WHERE live AND disclosure;
CREATE INDEX catalogue_topic ON site_articles (site_id, topic, sort_at, article_id, organ) WHERE live AND disclosure;
CREATE INDEX catalogue_organ ON site_articles (site_id, organ, sort_at, article_id, topic) WHERE live AND disclosure;

-- Published disclosure documents per site, topic, organ and year: the catalogue's totals and
-- the values its filters offer. Bounded by the vocabulary, not by the number of documents.
CREATE TABLE catalogue_counts (
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    topic   TEXT    NOT NULL,
    organ   TEXT    NOT NULL,
    year    INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (site_id, topic, organ, year)
);
INSERT INTO catalogue_counts (site_id, topic, organ, year, n)
SELECT site_id, topic, organ, year, COUNT(*) FROM site_articles
 WHERE live AND disclosure GROUP BY site_id, topic, organ, year;

-- Keeping it all in step.
CREATE TRIGGER placements_insert AFTER INSERT ON placements
BEGIN
    UPDATE placements SET live = (SELECT status = 'published' FROM articles WHERE id = NEW.article_id)
     WHERE id = NEW.id;
    INSERT OR IGNORE INTO site_articles (site_id, article_id, live, disclosure, sort_at, topic, organ, year)
    SELECT NEW.site_id, a.id, a.status = 'published', a.is_disclosure, a.published_at,
           COALESCE(a.topic, ''), COALESCE(a.issuing_organ, ''), CAST(substr(a.publish_date, 1, 4) AS INTEGER)
      FROM articles a WHERE a.id = NEW.article_id;
END;

CREATE TRIGGER placements_delete AFTER DELETE ON placements
BEGIN
    UPDATE column_counts SET n = n - 1 WHERE OLD.live AND column_id = OLD.column_id;
    DELETE FROM site_articles WHERE site_id = OLD.site_id AND article_id = OLD.article_id
       AND NOT EXISTS (SELECT 1 FROM placements WHERE article_id = OLD.article_id AND site_id = OLD.site_id);
END;

CREATE TRIGGER placements_live_on AFTER UPDATE OF live ON placements WHEN NEW.live AND NOT OLD.live
BEGIN
    INSERT OR IGNORE INTO column_counts (column_id, n) VALUES (NEW.column_id, 0);
    UPDATE column_counts SET n = n + 1 WHERE column_id = NEW.column_id;
END;

CREATE TRIGGER placements_live_off AFTER UPDATE OF live ON placements WHEN OLD.live AND NOT NEW.live
BEGIN
    UPDATE column_counts SET n = n - 1 WHERE column_id = NEW.column_id;
END;

CREATE TRIGGER articles_shown AFTER UPDATE OF status, is_disclosure, published_at, publish_date, topic, issuing_organ ON articles
BEGIN
    UPDATE placements SET live = (NEW.status = 'published')
     WHERE article_id = NEW.id AND live <> (NEW.status = 'published');
    UPDATE site_articles SET live = NEW.status = 'published', disclosure = NEW.is_disclosure,
           sort_at = NEW.published_at, topic = COALESCE(NEW.topic, ''), organ = COALESCE(NEW.issuing_organ, ''),
           year = CAST(substr(NEW.publish_date, 1, 4) AS INTEGER)
     WHERE article_id = NEW.id;
END;

CREATE TRIGGER site_articles_insert AFTER INSERT ON site_articles WHEN NEW.live AND NEW.disclosure
BEGIN
    INSERT OR IGNORE INTO catalogue_counts (site_id, topic, organ, year, n)
    VALUES (NEW.site_id, NEW.topic, NEW.organ, NEW.year, 0);
    UPDATE catalogue_counts SET n = n + 1
     WHERE site_id = NEW.site_id AND topic = NEW.topic AND organ = NEW.organ AND year = NEW.year;
END;

CREATE TRIGGER site_articles_delete AFTER DELETE ON site_articles WHEN OLD.live AND OLD.disclosure
BEGIN
    UPDATE catalogue_counts SET n = n - 1
     WHERE site_id = OLD.site_id AND topic = OLD.topic AND organ = OLD.organ AND year = OLD.year;
END;

CREATE TRIGGER site_articles_update AFTER UPDATE ON site_articles
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
