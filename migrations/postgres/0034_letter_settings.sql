-- 领导信箱 to a named leader, and the kinds of letter a site takes (issue 20): a site's tenants
-- file says both under [letters]. Kinds are comma-separated (`LetterKind::as_str`), leaders one a
-- line ("县长 王建国"); a letter to the 领导信箱 keeps the leader it was written to (NULL: the
-- office, or any other kind of letter). Every site takes every kind until its file says otherwise.
ALTER TABLE sites ADD COLUMN letter_kinds TEXT NOT NULL DEFAULT 'mailbox,consultation,complaint,suggestion,site_error';
ALTER TABLE sites ADD COLUMN leaders TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN addressee TEXT;
