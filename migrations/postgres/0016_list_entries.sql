-- Every column's list in one index range, its subtree included (issue 17). The same tables as
-- migrations/sqlite/0016_list_entries.sql; see there.
CREATE TABLE list_entries (
    list_id      BIGINT      NOT NULL REFERENCES columns (id) ON DELETE CASCADE,
    placement_id BIGINT      NOT NULL REFERENCES placements (id) ON DELETE CASCADE,
    column_id    BIGINT      NOT NULL,
    site_id      BIGINT      NOT NULL,
    article_id   BIGINT      NOT NULL,
    pinned       BOOLEAN     NOT NULL,
    sort_at      TIMESTAMPTZ NOT NULL,
    live         BOOLEAN     NOT NULL,
    PRIMARY KEY (list_id, placement_id)
);

-- A placement's own column and its ancestors: at most four levels.
CREATE VIEW column_lineage (column_id, list_id) AS
SELECT c.id, c.id FROM columns c
UNION ALL SELECT c.id, c.parent_id FROM columns c WHERE c.parent_id IS NOT NULL
UNION ALL SELECT c.id, p1.parent_id FROM columns c JOIN columns p1 ON p1.id = c.parent_id
 WHERE p1.parent_id IS NOT NULL
UNION ALL SELECT c.id, p2.parent_id FROM columns c JOIN columns p1 ON p1.id = c.parent_id
  JOIN columns p2 ON p2.id = p1.parent_id WHERE p2.parent_id IS NOT NULL;

INSERT INTO list_entries (list_id, placement_id, column_id, site_id, article_id, pinned, sort_at, live)
SELECT l.list_id, p.id, p.column_id, p.site_id, p.article_id, p.pinned, p.sort_at, p.live
  FROM placements p JOIN column_lineage l ON l.column_id = p.column_id;
CREATE INDEX list_entries_live
    ON list_entries (list_id, pinned, sort_at, article_id, site_id, column_id, live) WHERE live;
CREATE INDEX list_entries_placement ON list_entries (placement_id);

CREATE TABLE list_counts (
    list_id BIGINT PRIMARY KEY REFERENCES columns (id) ON DELETE CASCADE,
    n       BIGINT NOT NULL
);
INSERT INTO list_counts (list_id, n)
SELECT list_id, COUNT(*) FROM list_entries WHERE live GROUP BY list_id;

CREATE FUNCTION list_entries_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO list_entries (list_id, placement_id, column_id, site_id, article_id, pinned, sort_at, live)
    SELECT l.list_id, NEW.id, NEW.column_id, NEW.site_id, NEW.article_id, NEW.pinned, NEW.sort_at, NEW.live
      FROM column_lineage l WHERE l.column_id = NEW.column_id;
    RETURN NULL;
END $$;
CREATE TRIGGER list_entries_insert AFTER INSERT ON placements
    FOR EACH ROW EXECUTE FUNCTION list_entries_insert();

CREATE FUNCTION list_entries_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE list_entries SET live = NEW.live, pinned = NEW.pinned, sort_at = NEW.sort_at
     WHERE placement_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER list_entries_update AFTER UPDATE OF live, pinned, sort_at ON placements
    FOR EACH ROW EXECUTE FUNCTION list_entries_update();

CREATE FUNCTION list_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.live THEN
            INSERT INTO list_counts (list_id, n) VALUES (NEW.list_id, 1)
            ON CONFLICT (list_id) DO UPDATE SET n = list_counts.n + 1;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.live THEN
            UPDATE list_counts SET n = n - 1 WHERE list_id = OLD.list_id;
        END IF;
    ELSIF NEW.live <> OLD.live THEN
        INSERT INTO list_counts (list_id, n) VALUES (NEW.list_id, CASE WHEN NEW.live THEN 1 ELSE -1 END)
        ON CONFLICT (list_id) DO UPDATE SET n = list_counts.n + CASE WHEN NEW.live THEN 1 ELSE -1 END;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER list_counts_keep AFTER INSERT OR DELETE OR UPDATE OF live ON list_entries
    FOR EACH ROW EXECUTE FUNCTION list_counts_keep();
