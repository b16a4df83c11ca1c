-- Deep pages of a long column list at the cost of a first page (issue 17).
--
-- A list's total is kept in `list_counts`, but a page deep in a list of 50,000 entries still
-- stepped over up to half of them in the index (OFFSET). `list_months` keeps how many live
-- entries each list has per month of `sort_at` (UTC, 'YYYY-MM'), pinned apart: a deep page
-- finds its month from these few rows, then seeks into the index at the end of that month and
-- steps over at most one month of entries.
CREATE TABLE list_months (
    list_id BIGINT  NOT NULL REFERENCES columns (id) ON DELETE CASCADE,
    pinned  BOOLEAN NOT NULL,
    month   TEXT    NOT NULL,
    n       BIGINT  NOT NULL,
    PRIMARY KEY (list_id, pinned, month)
);

INSERT INTO list_months (list_id, pinned, month, n)
SELECT list_id, pinned, to_char(sort_at AT TIME ZONE 'UTC', 'YYYY-MM'), COUNT(*)
  FROM list_entries WHERE live
 GROUP BY list_id, pinned, to_char(sort_at AT TIME ZONE 'UTC', 'YYYY-MM');

CREATE FUNCTION list_months_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.live THEN
        UPDATE list_months SET n = n - 1
         WHERE list_id = OLD.list_id AND pinned = OLD.pinned
           AND month = to_char(OLD.sort_at AT TIME ZONE 'UTC', 'YYYY-MM');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.live THEN
        INSERT INTO list_months (list_id, pinned, month, n)
        VALUES (NEW.list_id, NEW.pinned, to_char(NEW.sort_at AT TIME ZONE 'UTC', 'YYYY-MM'), 1)
        ON CONFLICT (list_id, pinned, month) DO UPDATE SET n = list_months.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER list_months_keep AFTER INSERT OR DELETE OR UPDATE OF live, pinned, sort_at ON list_entries
    FOR EACH ROW EXECUTE FUNCTION list_months_keep();
