-- 知识库 (issue 20): a site's answers to common questions, written by its office or taken from an
-- answered letter; shown and searched on the site's 互动交流 pages. No personal data.
CREATE TABLE faqs (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    question    TEXT    NOT NULL,
    answer_html TEXT    NOT NULL,
    letter_id   INTEGER REFERENCES letters (id) ON DELETE SET NULL,
    created_at  TEXT    NOT NULL,
    created_by  INTEGER REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX faqs_site ON faqs (site_id, created_at);
