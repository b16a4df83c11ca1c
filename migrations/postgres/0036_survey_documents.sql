-- 意见征集 on a draft document (issue 20): a survey may name the draft it asks comments on, by
-- its address on the same site (an article page or a file of the media library), shown as a link
-- above the questions. NULL: an ordinary survey.
ALTER TABLE surveys ADD COLUMN document TEXT;
