-- 在线访谈 (issue 20): an interview with guests at a time; visitors send questions before and
-- during it, the office publishes the ones it takes with the guests' answers, and the page stays
-- as the transcript. A question's nickname is what the visitor chose to be called (网友 when
-- none), not personal data.
CREATE TABLE interviews (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    guests     TEXT    NOT NULL,
    intro      TEXT    NOT NULL,
    starts_at  TEXT    NOT NULL,
    ends_at    TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    created_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX interviews_site ON interviews (site_id, starts_at);

CREATE TABLE interview_questions (
    id           INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    nickname     TEXT    NOT NULL,
    question     TEXT    NOT NULL,
    asked_at     TEXT    NOT NULL,
    form_nonce   TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    answer       TEXT,
    answered_at  TEXT,
    UNIQUE (interview_id, form_nonce)
);
CREATE INDEX interview_questions_order ON interview_questions (interview_id, state, answered_at);
