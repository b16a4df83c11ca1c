-- The HTTPS certificate of a site: PEM file names from its tenants file ([tls] cert, key),
-- relative to the tls.dir setting or absolute. Empty: the default certificate.
ALTER TABLE sites ADD COLUMN tls_cert TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN tls_key TEXT NOT NULL DEFAULT '';
