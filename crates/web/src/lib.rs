//! The HTTP side of zhanqun.
//!
//! - [`App`] is the one piece of state every handler gets: configuration, store, site directory,
//!   themes, page cache and metrics.
//! - [`public`] serves the sites: host → site, path → page, page cache in front of rendering.
//! - [`manage`] is the management listener: health, readiness, metrics (console and API later).
//! - [`server`] binds both listeners and runs them until shutdown.

pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod config;
pub mod conn;
pub mod console;
pub mod directory;
pub(crate) mod extract;
pub mod feeds;
pub mod manage;
pub mod media;
pub mod metrics;
pub mod pages;
pub mod public;
pub mod reprint_api;
pub mod search;
pub mod server;
pub mod stats_api;
pub mod themes;
pub mod tls;
pub mod visits;

pub use app::App;
pub use config::Config;
