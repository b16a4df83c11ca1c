//! The web side every listener shares, and the public sites.
//!
//! - [`App`] is the one piece of state every handler gets, public or management: configuration,
//!   store, site directory, themes, page cache, visit counter, search and metrics.
//! - [`public`] serves the sites: host → site, path → page, page cache in front of rendering;
//!   [`pages`] renders each kind of page through the site's theme, [`search`] the search page.
//! - [`media`] receives uploads (checked by type) and serves published files.
//!
//! The management listener (console and JSON API) is `zhanqun-manage`; the listeners, connection
//! limits, TLS and background jobs are `zhanqun-server`.

pub mod app;
pub mod applications;
pub mod cache;
pub mod client;
pub mod config;
pub mod desk;
pub mod directory;
pub mod disclosure;
pub mod forms;
pub mod index;
pub mod interviews;
pub mod letters;
pub mod media;
pub mod metrics;
pub mod pages;
pub mod public;
pub mod search;
pub mod surveys;
pub mod themes;
pub mod visits;

pub use app::App;
pub use config::Config;

/// The HTTP status an error answers with ([`zhanqun_core::ErrorCode::http_status`], 400–503).
pub fn status_of(code: zhanqun_core::ErrorCode) -> axum::http::StatusCode {
    axum::http::StatusCode::from_u16(code.http_status())
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
}
