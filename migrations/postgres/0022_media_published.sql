-- Security round two (issue 18, row 8): an upload is served on the public site only once an
-- article using it is published (until then, to the console only). Files uploaded before this
-- change were public already and stay so.
ALTER TABLE media ADD COLUMN published_at TIMESTAMPTZ;
UPDATE media SET published_at = at;
