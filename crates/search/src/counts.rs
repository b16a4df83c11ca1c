//! The per-site facet of a search: how many matching articles each site shows, counted from
//! fast fields in parallel segments.

/// One thread a core (at most 4) for counting; one thread when threads cannot be started.
pub(crate) fn counting_executor() -> tantivy::Executor {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if cores > 1
        && let Ok(e) = tantivy::Executor::multi_thread(cores, "zhanqun-search-")
    {
        return e;
    }
    tantivy::Executor::single_thread()
}

/// Counts matching articles per site, for the facet: from the single-valued `site` fast field,
/// and for the articles several sites show (site 0 there), from the multi-valued `sites`.
pub(crate) struct SiteCounts;

pub(crate) struct SiteCountsSegment {
    site: tantivy::columnar::Column<u64>,
    sites: tantivy::columnar::Column<u64>,
    site_set: tantivy::columnar::Column<u64>,
    /// Articles several sites show, by set of sites: one such article and how many.
    sets: std::collections::HashMap<u64, (tantivy::DocId, u32)>,
    /// By site id (ids are small and dense): a vector, not a map, on this hot path.
    counts: Vec<u32>,
    /// The buffer of [`tantivy::collector::SegmentCollector::collect_block`].
    values: Vec<Option<u64>>,
}

impl SiteCountsSegment {
    fn count(&mut self, doc: tantivy::DocId, site: Option<u64>) {
        match site {
            Some(0) => {
                let set = self.site_set.first(doc).unwrap_or(0);
                self.sets.entry(set).or_insert((doc, 0)).1 += 1;
            }
            Some(s) => {
                if let Some(n) = self.counts.get_mut(s as usize) {
                    *n += 1;
                }
            }
            None => {}
        }
    }
}

impl tantivy::collector::Collector for SiteCounts {
    type Fruit = std::collections::HashMap<u64, usize>;
    type Child = SiteCountsSegment;

    fn for_segment(
        &self,
        _segment: tantivy::SegmentOrdinal,
        reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<SiteCountsSegment> {
        let sites = reader.fast_fields().u64("sites")?;
        let max = usize::try_from(sites.max_value())
            .unwrap_or(0)
            .min(10_000_000);
        Ok(SiteCountsSegment {
            site: reader.fast_fields().u64("site")?,
            site_set: reader.fast_fields().u64("site_set")?,
            sets: Default::default(),
            sites,
            counts: vec![0; max + 1],
            values: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u32>>) -> tantivy::Result<Self::Fruit> {
        let mut all = std::collections::HashMap::new();
        for f in fruits {
            for (site, n) in f.into_iter().enumerate() {
                if n > 0 {
                    *all.entry(site as u64).or_default() += n as usize;
                }
            }
        }
        Ok(all)
    }
}

impl tantivy::collector::SegmentCollector for SiteCountsSegment {
    type Fruit = Vec<u32>;

    fn collect(&mut self, doc: tantivy::DocId, _score: tantivy::Score) {
        let site = self.site.first(doc);
        self.count(doc, site);
    }

    /// Without scoring, matches come 64 at a time: their sites are read in one batch.
    fn collect_block(&mut self, docs: &[tantivy::DocId]) {
        let mut values = std::mem::take(&mut self.values);
        values.clear();
        values.resize(docs.len(), None);
        self.site.first_vals(docs, &mut values);
        for (&doc, &site) in docs.iter().zip(&values) {
            self.count(doc, site);
        }
        self.values = values;
    }

    fn harvest(mut self) -> Self::Fruit {
        for (doc, n) in std::mem::take(&mut self.sets).into_values() {
            for s in self.sites.values_for_doc(doc) {
                if let Some(c) = self.counts.get_mut(s as usize) {
                    *c += n;
                }
            }
        }
        self.counts
    }
}
