-- Deep pages of a long column list at the cost of a first page (issue 17).
--
-- A list's total is kept in `list_counts`, but a page deep in a list of 50,000 entries still
-- stepped over up to half of them in the index (OFFSET). `list_months` keeps how many live
-- entries each list has per month of `sort_at` (UTC, the first seven characters of the
-- RFC 3339 text), pinned apart: a deep page finds its month from these few rows, then seeks
-- into the index at the end of that month and steps over at most one month of entries.
CREATE TABLE list_months (
    list_id INTEGER NOT NULL REFERENCES columns (id) ON DELETE CASCADE,
    pinned  BOOLEAN NOT NULL,
    month   TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (list_id, pinned, month)
) WITHOUT ROWID;

INSERT INTO list_months (list_id, pinned, month, n)
SELECT list_id, pinned, substr(sort_at, 1, 7), COUNT(*) FROM list_entries WHERE live
 GROUP BY list_id, pinned, substr(sort_at, 1, 7);

CREATE TRIGGER list_months_insert AFTER INSERT ON list_entries WHEN NEW.live
BEGIN
    INSERT OR IGNORE INTO list_months (list_id, pinned, month, n)
    VALUES (NEW.list_id, NEW.pinned, substr(NEW.sort_at, 1, 7), 0);
    UPDATE list_months SET n = n + 1
     WHERE list_id = NEW.list_id AND pinned = NEW.pinned AND month = substr(NEW.sort_at, 1, 7);
END;

CREATE TRIGGER list_months_delete AFTER DELETE ON list_entries WHEN OLD.live
BEGIN
    UPDATE list_months SET n = n - 1
     WHERE list_id = OLD.list_id AND pinned = OLD.pinned AND month = substr(OLD.sort_at, 1, 7);
END;

-- An entry that changes state, pin or time leaves its old month and joins its new one.
CREATE TRIGGER list_months_update_old AFTER UPDATE OF live, pinned, sort_at ON list_entries
WHEN OLD.live
BEGIN
    UPDATE list_months SET n = n - 1
     WHERE list_id = OLD.list_id AND pinned = OLD.pinned AND month = substr(OLD.sort_at, 1, 7);
END;

CREATE TRIGGER list_months_update_new AFTER UPDATE OF live, pinned, sort_at ON list_entries
WHEN NEW.live
BEGIN
    INSERT OR IGNORE INTO list_months (list_id, pinned, month, n)
    VALUES (NEW.list_id, NEW.pinned, substr(NEW.sort_at, 1, 7), 0);
    UPDATE list_months SET n = n + 1
     WHERE list_id = NEW.list_id AND pinned = NEW.pinned AND month = substr(NEW.sort_at, 1, 7);
END;
