-- 预约办理 (issue 21): appointment slots of a service item, each with its capacity. An online
-- application may book one slot; booking counts it in `booked`, which never passes `capacity`
-- (the CHECK and the conditional UPDATE of the booking transaction), and a refused application
-- gives its place back.
CREATE TABLE appointment_slots (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    starts_at  TEXT    NOT NULL,
    ends_at    TEXT    NOT NULL,
    place      TEXT    NOT NULL,
    capacity   INTEGER NOT NULL CHECK (capacity > 0),
    booked     INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    created_at TEXT    NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX appointment_slots_item ON appointment_slots (article_id, starts_at);

ALTER TABLE service_applications ADD COLUMN slot_id INTEGER REFERENCES appointment_slots (id);
