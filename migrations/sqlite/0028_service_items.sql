-- 办事服务 (issue 21): a service item is an article of its site (same workflow, revisions, audit)
-- with its guide (办事指南) attached. The guide's elements are one JSON document; what the
-- catalogue navigates by (theme, audience, item type) is kept beside it for the indexes.
CREATE TABLE service_items (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    theme      TEXT    NOT NULL,
    audience   TEXT    NOT NULL,
    item_type  TEXT    NOT NULL,
    guide      TEXT    NOT NULL
);
CREATE INDEX service_items_site ON service_items (site_id, theme, article_id);
CREATE INDEX service_items_theme ON service_items (theme, article_id);
