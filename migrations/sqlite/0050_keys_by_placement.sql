-- Fewer pages written by each placement (issue 17): a State Council reprint places one article
-- on 3,341 sites at once, and every index ordered by site or list takes a page of its own for
-- each of them. Two tables had such an index that no read uses:
--
-- - list_entries was a rowid table with its key (list_id, placement_id) in a second B-tree,
--   written at 3,341 places and read by nothing (every list read walks list_entries_live). Keyed
--   by (placement_id, list_id) and WITHOUT ROWID, the table is the key: a placement's entries are
--   appended at its end, and list_entries_placement is no longer needed. list_entries_live loses
--   its `WHERE live`, so that deleting a column still finds its entries through an index led by
--   the list (live entries are all but every entry; the reads already say `AND live`).
-- - site_articles likewise: keyed by (article_id, site_id), WITHOUT ROWID, so site_articles_article
--   goes and site_articles_live is complete (it serves removing a site's rows).
--
-- Pages written by a reprint's statements on the national fixture (a 1 GB cache, frames in the
-- log after the commit): 44,686-45,401 before, 29,489-29,711 after.
--
-- SQLite cannot change a table's key in place, so each table is copied into a new one and
-- renamed. The triggers on placements and articles name these tables; with the current
-- ALTER TABLE semantics the rename would check them while the table they name is gone, so the
-- renames run with legacy_alter_table, which leaves triggers and views as they are. Dropping a
-- table drops its own triggers: they are created again below, unchanged.
PRAGMA legacy_alter_table = ON;

CREATE TABLE list_entries_new (
    list_id      INTEGER NOT NULL REFERENCES columns (id) ON DELETE CASCADE,
    placement_id INTEGER NOT NULL REFERENCES placements (id) ON DELETE CASCADE,
    column_id    INTEGER NOT NULL,
    site_id      INTEGER NOT NULL,
    article_id   INTEGER NOT NULL,
    pinned       BOOLEAN NOT NULL,
    sort_at      TEXT    NOT NULL,
    live         BOOLEAN NOT NULL,
    PRIMARY KEY (placement_id, list_id)
) WITHOUT ROWID;
INSERT INTO list_entries_new (list_id, placement_id, column_id, site_id, article_id, pinned, sort_at, live)
SELECT list_id, placement_id, column_id, site_id, article_id, pinned, sort_at, live
  FROM list_entries ORDER BY placement_id, list_id;
DROP TABLE list_entries;
ALTER TABLE list_entries_new RENAME TO list_entries;
CREATE INDEX list_entries_live
    ON list_entries (list_id, pinned, sort_at, article_id, site_id, column_id, live);

CREATE TABLE site_articles_new (
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    live       BOOLEAN NOT NULL,
    disclosure BOOLEAN NOT NULL,
    sort_at    TEXT    NOT NULL,
    topic      TEXT    NOT NULL,
    organ      TEXT    NOT NULL,
    year       INTEGER NOT NULL,
    updated_at TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, site_id)
) WITHOUT ROWID;
INSERT INTO site_articles_new (site_id, article_id, live, disclosure, sort_at, topic, organ, year, updated_at)
SELECT site_id, article_id, live, disclosure, sort_at, topic, organ, year, updated_at
  FROM site_articles ORDER BY article_id, site_id;
DROP TABLE site_articles;
ALTER TABLE site_articles_new RENAME TO site_articles;
CREATE INDEX site_articles_live ON site_articles (site_id, sort_at, article_id, live, updated_at);
CREATE INDEX catalogue_all ON site_articles (site_id, sort_at, article_id, live, disclosure) WHERE live AND disclosure;
CREATE INDEX catalogue_topic ON site_articles (site_id, topic, sort_at, article_id, organ, live, disclosure) WHERE live AND disclosure;
CREATE INDEX catalogue_organ ON site_articles (site_id, organ, sort_at, article_id, topic, live, disclosure) WHERE live AND disclosure;

PRAGMA legacy_alter_table = OFF;

-- The triggers of the two tables, as migrations 0016, 0040 and 0041 left them.
CREATE TRIGGER list_counts_delete AFTER DELETE ON list_entries WHEN OLD.live
BEGIN
    UPDATE list_counts SET n = n - 1 WHERE list_id = OLD.list_id;
END;
CREATE TRIGGER list_counts_insert AFTER INSERT ON list_entries WHEN NEW.live
BEGIN
    INSERT OR IGNORE INTO list_counts (list_id, n) VALUES (NEW.list_id, 0);
    UPDATE list_counts SET n = n + 1 WHERE list_id = NEW.list_id;
END;
CREATE TRIGGER list_counts_update AFTER UPDATE OF live ON list_entries WHEN NEW.live <> OLD.live
BEGIN
    INSERT OR IGNORE INTO list_counts (list_id, n) VALUES (NEW.list_id, 0);
    UPDATE list_counts SET n = n + CASE WHEN NEW.live THEN 1 ELSE -1 END WHERE list_id = NEW.list_id;
END;
CREATE TRIGGER list_months_delete AFTER DELETE ON list_entries WHEN OLD.live
BEGIN
    UPDATE list_months SET n = n - 1
     WHERE list_id = OLD.list_id AND pinned = OLD.pinned AND month = substr(OLD.sort_at, 1, 7);
END;
CREATE TRIGGER list_months_insert AFTER INSERT ON list_entries WHEN NEW.live
BEGIN
    INSERT OR IGNORE INTO list_months (list_id, pinned, month, n)
    VALUES (NEW.list_id, NEW.pinned, substr(NEW.sort_at, 1, 7), 0);
    UPDATE list_months SET n = n + 1
     WHERE list_id = NEW.list_id AND pinned = NEW.pinned AND month = substr(NEW.sort_at, 1, 7);
END;
CREATE TRIGGER list_months_update_new AFTER UPDATE OF live, pinned, sort_at ON list_entries
WHEN NEW.live
BEGIN
    INSERT OR IGNORE INTO list_months (list_id, pinned, month, n)
    VALUES (NEW.list_id, NEW.pinned, substr(NEW.sort_at, 1, 7), 0);
    UPDATE list_months SET n = n + 1
     WHERE list_id = NEW.list_id AND pinned = NEW.pinned AND month = substr(NEW.sort_at, 1, 7);
END;
CREATE TRIGGER list_months_update_old AFTER UPDATE OF live, pinned, sort_at ON list_entries
WHEN OLD.live
BEGIN
    UPDATE list_months SET n = n - 1
     WHERE list_id = OLD.list_id AND pinned = OLD.pinned AND month = substr(OLD.sort_at, 1, 7);
END;
CREATE TRIGGER site_articles_delete AFTER DELETE ON site_articles WHEN OLD.live AND OLD.disclosure
BEGIN
    UPDATE catalogue_counts SET n = n - 1
     WHERE site_id = OLD.site_id AND topic = OLD.topic AND organ = OLD.organ AND year = OLD.year;
END;
CREATE TRIGGER site_articles_insert AFTER INSERT ON site_articles WHEN NEW.live AND NEW.disclosure
BEGIN
    INSERT OR IGNORE INTO catalogue_counts (site_id, topic, organ, year, n)
    VALUES (NEW.site_id, NEW.topic, NEW.organ, NEW.year, 0);
    UPDATE catalogue_counts SET n = n + 1
     WHERE site_id = NEW.site_id AND topic = NEW.topic AND organ = NEW.organ AND year = NEW.year;
END;
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
