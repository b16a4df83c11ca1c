-- Every column's list in one index range, its subtree included (issue 17).
--
-- A list column shows the articles of its own placements and of every column below it. Read
-- from `placements`, a parent's list was one index range per child merged and sorted: a page
-- deep in a parent column sorted every entry before it. `list_entries` holds each placement
-- once for its own column and once for each ancestor (column trees are at most four levels,
-- core's MAX_COLUMN_DEPTH), so any list, at any page, is one walk along one covering index,
-- and its length is kept in `list_counts`. Triggers keep both in step with `placements`.
CREATE TABLE list_entries (
    list_id      INTEGER NOT NULL REFERENCES columns (id) ON DELETE CASCADE,
    placement_id INTEGER NOT NULL REFERENCES placements (id) ON DELETE CASCADE,
    column_id    INTEGER NOT NULL,
    site_id      INTEGER NOT NULL,
    article_id   INTEGER NOT NULL,
    pinned       BOOLEAN NOT NULL,
    sort_at      TEXT    NOT NULL,
    live         BOOLEAN NOT NULL,
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
    list_id INTEGER PRIMARY KEY REFERENCES columns (id) ON DELETE CASCADE,
    n       INTEGER NOT NULL
);
INSERT INTO list_counts (list_id, n)
SELECT list_id, COUNT(*) FROM list_entries WHERE live GROUP BY list_id;

CREATE TRIGGER list_entries_insert AFTER INSERT ON placements
BEGIN
    INSERT INTO list_entries (list_id, placement_id, column_id, site_id, article_id, pinned, sort_at, live)
    SELECT l.list_id, NEW.id, NEW.column_id, NEW.site_id, NEW.article_id, NEW.pinned, NEW.sort_at,
           (SELECT status = 'published' FROM articles WHERE id = NEW.article_id)
      FROM column_lineage l WHERE l.column_id = NEW.column_id;
END;

CREATE TRIGGER list_entries_update AFTER UPDATE OF live, pinned, sort_at ON placements
BEGIN
    UPDATE list_entries SET live = NEW.live, pinned = NEW.pinned, sort_at = NEW.sort_at
     WHERE placement_id = NEW.id;
END;

CREATE TRIGGER list_counts_insert AFTER INSERT ON list_entries WHEN NEW.live
BEGIN
    INSERT OR IGNORE INTO list_counts (list_id, n) VALUES (NEW.list_id, 0);
    UPDATE list_counts SET n = n + 1 WHERE list_id = NEW.list_id;
END;

CREATE TRIGGER list_counts_delete AFTER DELETE ON list_entries WHEN OLD.live
BEGIN
    UPDATE list_counts SET n = n - 1 WHERE list_id = OLD.list_id;
END;

CREATE TRIGGER list_counts_update AFTER UPDATE OF live ON list_entries WHEN NEW.live <> OLD.live
BEGIN
    INSERT OR IGNORE INTO list_counts (list_id, n) VALUES (NEW.list_id, 0);
    UPDATE list_counts SET n = n + CASE WHEN NEW.live THEN 1 ELSE -1 END WHERE list_id = NEW.list_id;
END;
