-- Read paths of the public pages that do not grow with the store (issue 17).
--
-- Every public list starts from one site's (or one column's) rows in an index that holds only
-- what is shown, in the order it is shown; every count a page prints is kept, not counted.
-- Triggers keep all of it in step with articles and placements, so no write path of the
-- program (editors, reprints, bulk loads) can forget it. ARCHITECTURE.md says which index
-- serves which page. The same tables as migrations/sqlite/0014_public_read_paths.sql.

-- 1. A placement knows whether its article is published.
ALTER TABLE placements ADD COLUMN live BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE placements SET live = TRUE
 WHERE article_id IN (SELECT id FROM articles WHERE status = 'published');
CREATE INDEX placements_live ON placements (column_id, pinned, sort_at, article_id, site_id) WHERE live;
CREATE INDEX placements_home_slot ON placements (site_id) WHERE home_slot;

-- Published articles per column (a column's own placements, not its subtree).
CREATE TABLE column_counts (
    column_id BIGINT PRIMARY KEY REFERENCES columns (id) ON DELETE CASCADE,
    n         BIGINT NOT NULL
);
INSERT INTO column_counts (column_id, n)
SELECT column_id, COUNT(*) FROM placements WHERE live GROUP BY column_id;

-- 2. One row per article shown on a site, however many of its columns place it.
CREATE TABLE site_articles (
    site_id    BIGINT      NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    article_id BIGINT      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    live       BOOLEAN     NOT NULL,
    disclosure BOOLEAN     NOT NULL,
    sort_at    TIMESTAMPTZ NOT NULL,
    topic      TEXT        NOT NULL,
    organ      TEXT        NOT NULL,
    year       INTEGER     NOT NULL,
    PRIMARY KEY (site_id, article_id)
);
INSERT INTO site_articles (site_id, article_id, live, disclosure, sort_at, topic, organ, year)
SELECT DISTINCT p.site_id, a.id, a.status = 'published', a.is_disclosure, a.published_at,
       COALESCE(a.topic, ''), COALESCE(a.issuing_organ, ''), EXTRACT(YEAR FROM a.publish_date)::INTEGER
  FROM placements p JOIN articles a ON a.id = p.article_id;
CREATE INDEX site_articles_article ON site_articles (article_id);
CREATE INDEX site_articles_live ON site_articles (site_id, sort_at, article_id) WHERE live;
CREATE INDEX catalogue_all ON site_articles (site_id, sort_at, article_id) WHERE live AND disclosure;
CREATE INDEX catalogue_topic ON site_articles (site_id, topic, sort_at, article_id, organ) WHERE live AND disclosure;
CREATE INDEX catalogue_organ ON site_articles (site_id, organ, sort_at, article_id, topic) WHERE live AND disclosure;

-- Published disclosure documents per site, topic, organ and year.
CREATE TABLE catalogue_counts (
    site_id BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    topic   TEXT    NOT NULL,
    organ   TEXT    NOT NULL,
    year    INTEGER NOT NULL,
    n       BIGINT  NOT NULL,
    PRIMARY KEY (site_id, topic, organ, year)
);
INSERT INTO catalogue_counts (site_id, topic, organ, year, n)
SELECT site_id, topic, organ, year, COUNT(*) FROM site_articles
 WHERE live AND disclosure GROUP BY site_id, topic, organ, year;

-- Keeping it all in step.
CREATE FUNCTION placements_before_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.live := COALESCE((SELECT status = 'published' FROM articles WHERE id = NEW.article_id), FALSE);
    RETURN NEW;
END $$;
CREATE TRIGGER placements_before_insert BEFORE INSERT ON placements
    FOR EACH ROW EXECUTE FUNCTION placements_before_insert();

CREATE FUNCTION placements_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.live THEN
        INSERT INTO column_counts (column_id, n) VALUES (NEW.column_id, 1)
        ON CONFLICT (column_id) DO UPDATE SET n = column_counts.n + 1;
    END IF;
    INSERT INTO site_articles (site_id, article_id, live, disclosure, sort_at, topic, organ, year)
    SELECT NEW.site_id, a.id, a.status = 'published', a.is_disclosure, a.published_at,
           COALESCE(a.topic, ''), COALESCE(a.issuing_organ, ''), EXTRACT(YEAR FROM a.publish_date)::INTEGER
      FROM articles a WHERE a.id = NEW.article_id
    ON CONFLICT (site_id, article_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER placements_after_insert AFTER INSERT ON placements
    FOR EACH ROW EXECUTE FUNCTION placements_after_insert();

CREATE FUNCTION placements_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.live THEN
        UPDATE column_counts SET n = n - 1 WHERE column_id = OLD.column_id;
    END IF;
    DELETE FROM site_articles WHERE site_id = OLD.site_id AND article_id = OLD.article_id
       AND NOT EXISTS (SELECT 1 FROM placements WHERE article_id = OLD.article_id AND site_id = OLD.site_id);
    RETURN NULL;
END $$;
CREATE TRIGGER placements_after_delete AFTER DELETE ON placements
    FOR EACH ROW EXECUTE FUNCTION placements_after_delete();

CREATE FUNCTION placements_after_live() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.live AND NOT OLD.live THEN
        INSERT INTO column_counts (column_id, n) VALUES (NEW.column_id, 1)
        ON CONFLICT (column_id) DO UPDATE SET n = column_counts.n + 1;
    ELSIF OLD.live AND NOT NEW.live THEN
        UPDATE column_counts SET n = n - 1 WHERE column_id = NEW.column_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER placements_after_live AFTER UPDATE OF live ON placements
    FOR EACH ROW EXECUTE FUNCTION placements_after_live();

CREATE FUNCTION articles_shown() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE placements SET live = (NEW.status = 'published')
     WHERE article_id = NEW.id AND live <> (NEW.status = 'published');
    UPDATE site_articles SET live = NEW.status = 'published', disclosure = NEW.is_disclosure,
           sort_at = NEW.published_at, topic = COALESCE(NEW.topic, ''), organ = COALESCE(NEW.issuing_organ, ''),
           year = EXTRACT(YEAR FROM NEW.publish_date)::INTEGER
     WHERE article_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER articles_shown AFTER UPDATE OF status, is_disclosure, published_at, publish_date, topic, issuing_organ ON articles
    FOR EACH ROW EXECUTE FUNCTION articles_shown();

CREATE FUNCTION site_articles_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.live AND OLD.disclosure THEN
            UPDATE catalogue_counts SET n = n - 1
             WHERE site_id = OLD.site_id AND topic = OLD.topic AND organ = OLD.organ AND year = OLD.year;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        IF NEW.live AND NEW.disclosure THEN
            INSERT INTO catalogue_counts (site_id, topic, organ, year, n)
            VALUES (NEW.site_id, NEW.topic, NEW.organ, NEW.year, 1)
            ON CONFLICT (site_id, topic, organ, year) DO UPDATE SET n = catalogue_counts.n + 1;
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER site_articles_counts AFTER INSERT OR UPDATE OR DELETE ON site_articles
    FOR EACH ROW EXECUTE FUNCTION site_articles_counts();
