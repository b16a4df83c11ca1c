-- Table 四 of the 政府信息公开工作年度报告 (issue 21): 行政复议 and 行政诉讼 about a site's
-- disclosure decisions, by year, entered by the site's office (the cases are decided elsewhere).
-- `figures` is the JSON of `zhanqun_core::disclosure::Reviews`.
CREATE TABLE info_request_reviews (
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    year       INTEGER NOT NULL,
    figures    TEXT   NOT NULL,
    updated_at TEXT   NOT NULL,
    PRIMARY KEY (site_id, year)
);
