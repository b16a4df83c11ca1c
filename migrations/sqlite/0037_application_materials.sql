-- 申请材料 (issue 21): files an applicant sends with an online application (在线办理 — 前台提交), at
-- most five photos or documents, sealed like the applicant's personal data (bound to the
-- application and the file's position), opened one at a time by the item's back office, audited.
CREATE TABLE application_materials (
    application_id INTEGER NOT NULL REFERENCES service_applications (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL CHECK (position BETWEEN 1 AND 5),
    mime           TEXT    NOT NULL,
    size           INTEGER NOT NULL CHECK (size > 0),
    name_sealed    TEXT    NOT NULL,
    data_sealed    TEXT    NOT NULL,
    PRIMARY KEY (application_id, position)
);
