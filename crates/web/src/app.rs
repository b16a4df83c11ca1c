//! The one piece of state every handler receives.

use std::sync::Arc;

use zhanqun_core::Result;
use zhanqun_store::{Change, Store};

use crate::cache::{Dep, PageCache};
use crate::config::Config;
use crate::directory::Directory;
use crate::metrics::Metrics;
use crate::themes::Themes;

pub struct App {
    config: Config,
    store: Store,
    directory: Arc<Directory>,
    themes: Themes,
    pages: Arc<PageCache>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("config", &self.config)
            .field("store", &self.store)
            .finish()
    }
}

impl App {
    /// Builds the app on an opened, migrated store, and subscribes the page cache and the site
    /// directory to the store's changes.
    pub fn new(config: Config, store: Store) -> Result<Arc<App>> {
        let themes_dir =
            (!config.themes_dir.as_os_str().is_empty()).then_some(config.themes_dir.as_path());
        let themes = Themes::load(themes_dir, config.cache.render_fuel)?;
        let metrics = Arc::new(Metrics::new()?);
        let pages = Arc::new(PageCache::new(config.cache.max_bytes));
        let directory = Arc::new(Directory::new(store.clone()));
        {
            let (pages, directory, metrics) = (pages.clone(), directory.clone(), metrics.clone());
            store.on_change(move |change| {
                metrics.invalidations.inc();
                match change {
                    Change::Site(id) => {
                        directory.invalidate(Some(*id));
                        pages.bump([Dep::Site(*id), Dep::SiteContent(*id)]);
                    }
                    Change::Article {
                        article,
                        placements,
                        related,
                    } => {
                        let mut deps = vec![Dep::Article(*article)];
                        deps.extend(related.iter().map(|a| Dep::Article(*a)));
                        for (site, column) in placements {
                            deps.push(Dep::Column(*column));
                            deps.push(Dep::SiteContent(*site));
                        }
                        pages.bump(deps);
                    }
                    Change::All => {
                        directory.invalidate(None);
                        pages.bump_all();
                    }
                }
            });
        }
        Ok(Arc::new(App {
            config,
            store,
            directory,
            themes,
            pages,
            metrics,
        }))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn themes(&self) -> &Themes {
        &self.themes
    }

    pub fn pages(&self) -> &PageCache {
        &self.pages
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}
