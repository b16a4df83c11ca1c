-- Generated data sets (issue 21): the platform writes a data set's file from its own figures and
-- writes it again every month. `generator` repeats the description's choice so that the monthly
-- job finds them without reading every description; `generated_at` is when the file was last
-- written (NULL: never).
ALTER TABLE datasets ADD COLUMN generator TEXT;
ALTER TABLE datasets ADD COLUMN generated_at TEXT;
CREATE INDEX datasets_generated ON datasets (generator) WHERE generator IS NOT NULL;
