-- The home-page slot (首页头条): at most one placement a site shows at the top of its home page.
ALTER TABLE placements ADD COLUMN home_slot BOOLEAN NOT NULL DEFAULT FALSE;
