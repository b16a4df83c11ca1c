-- A cover image of an article: a file of the site's media library (/media/…) or an https URL.
ALTER TABLE articles ADD COLUMN cover_url TEXT;
