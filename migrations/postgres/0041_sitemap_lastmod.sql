-- A sitemap from the index alone (issue 17).
--
-- A sitemap lists each article with its last change (`lastmod`), and that time lived only in
-- `articles`: a site's sitemap of 1,000 articles, or a province portal's month of as many,
-- read 1,000 article rows scattered over the store. `site_articles` now keeps `updated_at`
-- too, in its covering `site_articles_live` index, and a trigger keeps it in step with every
-- edit.
ALTER TABLE site_articles ADD COLUMN updated_at TIMESTAMPTZ;

-- The catalogue's counts move only when what they count changes (an edit now updates every
-- site's row of the article for its new time).
DROP TRIGGER site_articles_counts ON site_articles;
CREATE TRIGGER site_articles_counts AFTER INSERT OR DELETE OR UPDATE OF live, disclosure, topic, organ, year
    ON site_articles FOR EACH ROW EXECUTE FUNCTION site_articles_counts();

UPDATE site_articles s SET updated_at = a.updated_at FROM articles a WHERE a.id = s.article_id;
ALTER TABLE site_articles ALTER COLUMN updated_at SET NOT NULL;

CREATE OR REPLACE FUNCTION placements_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.live THEN
        INSERT INTO column_counts (column_id, n) VALUES (NEW.column_id, 1)
        ON CONFLICT (column_id) DO UPDATE SET n = column_counts.n + 1;
    END IF;
    INSERT INTO site_articles (site_id, article_id, live, disclosure, sort_at, topic, organ, year, updated_at)
    SELECT NEW.site_id, a.id, a.status = 'published', a.is_disclosure, a.published_at,
           COALESCE(a.topic, ''), COALESCE(a.issuing_organ, ''), EXTRACT(YEAR FROM a.publish_date)::INTEGER,
           a.updated_at
      FROM articles a WHERE a.id = NEW.article_id
    ON CONFLICT (site_id, article_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION articles_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE site_articles SET updated_at = NEW.updated_at WHERE article_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER articles_updated_at AFTER UPDATE OF updated_at ON articles
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION articles_updated_at();

DROP INDEX site_articles_live;
CREATE INDEX site_articles_live ON site_articles (site_id, sort_at, article_id, live, updated_at) WHERE live;
