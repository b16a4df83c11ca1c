//! Sites as code.
//!
//! One TOML file a site under `tenants/`, plus column templates under `tenants/templates/`
//! (the province's standard column sets). [`load_dir`] parses and checks them all, refusing a
//! bad file with its path, line and field; [`plan`] compares them with the store; [`apply`]
//! writes the difference in one transaction. The demo province ([`demo`]) is generated as the
//! same TOML text and goes through the same parser.

pub mod demo;
pub mod demo_data;
pub mod demo_forms;
pub mod demo_letters;
mod demo_media;
pub mod demo_services;
mod plan;
mod spec;

pub use plan::{Plan, SiteChange, apply, plan};
pub use spec::{BUILTIN_TEMPLATES, Source, SpecError, load_dir, parse_sources};
