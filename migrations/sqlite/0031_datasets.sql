-- 数据开放 (issue 21): a data set is an article of its site (the same review before release,
-- revisions and audit) with its description for machines: update frequency, licence, keywords,
-- fields and files (media of the site), one JSON document.
CREATE TABLE datasets (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    frequency  TEXT    NOT NULL,
    meta       TEXT    NOT NULL
);
CREATE INDEX datasets_site ON datasets (site_id);
