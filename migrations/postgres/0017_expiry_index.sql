-- Scheduled unpublishing (下线时间): the five-second job asks for published articles whose
-- unpublish time has come. With only `articles_due (status, publish_at)` that walked every
-- published article of the store (750 ms every five seconds on the national fixture); this
-- index holds just the articles that have an unpublish time.
CREATE INDEX articles_expiry ON articles (status, unpublish_at) WHERE unpublish_at IS NOT NULL;
