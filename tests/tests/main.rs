//! The story tests of zhanqun, one test binary: each module is one story file of this folder, run
//! on SQLite, and by `tests/with-postgres.sh` on PostgreSQL.
//!
//! One binary, not one per file: every story links the whole application, and forty links of it
//! were most of the build time of the test command on two cores. A new story is a file here and
//! its `mod` line below.

mod accounts;
mod applications;
mod appointments;
mod audit_log;
mod backup_drill;
mod bulk_load;
mod change_log;
mod checks;
mod connections;
mod console_security;
mod datasets;
mod disclosure;
mod editorial;
mod interaction_api;
mod interviews;
mod isolation;
mod layout;
mod letter_forms;
mod letter_settings;
mod letters;
mod listeners;
mod login_throttle;
mod media;
mod nodes;
mod proxies;
mod public_pages;
mod read_paths;
mod reprint;
mod schema_parity;
mod search;
mod services;
mod stats;
mod storage_story;
mod surveys;
mod tls;
mod upgrades;
mod visits;
mod xss;
