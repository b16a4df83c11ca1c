-- What the check indicator 服务不实用 reads of an item, kept beside its guide (issue 17/21): the
-- elements the guide has (bits of `Element::bit`, from `zhanqun_core::service::present_mask`) and
-- its media links (one per line). The statistics page of a site parsed every guide of the site
-- (3,700 on the heaviest sites of the national fixture, 27 ms a page). NULL: not yet computed;
-- `Store::migrate` fills those from the guide, in Rust, where the rule is.
ALTER TABLE service_items ADD COLUMN elements BIGINT;
ALTER TABLE service_items ADD COLUMN media_links TEXT NOT NULL DEFAULT '';
