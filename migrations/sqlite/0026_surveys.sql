-- 征集调查 (issue 20): a site's surveys and the answers visitors give. The questions and each
-- visitor's answers are JSON (zhanqun_core::survey): a survey is read whole, its results counted
-- over its own answers. The form's once-only mark makes one answer of one form.
CREATE TABLE surveys (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    intro      TEXT    NOT NULL,
    questions  TEXT    NOT NULL,
    opens_at   TEXT    NOT NULL,
    closes_at  TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    created_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX surveys_site ON surveys (site_id, opens_at);

CREATE TABLE survey_answers (
    id         INTEGER PRIMARY KEY,
    survey_id  INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    form_nonce TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    answers    TEXT    NOT NULL,
    UNIQUE (survey_id, form_nonce)
);

-- 意见征集: after a consultation on a draft closes, the office publishes how the comments were
-- taken up (采纳情况) with the results.
ALTER TABLE surveys ADD COLUMN feedback TEXT;
