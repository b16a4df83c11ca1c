//! Site search in Chinese: a tantivy index whose text is cut into words by jieba, with a
//! dictionary completed by the names of places, organs and sites (so 佳县 or 佳县应急管理局 stay
//! one word), and queries built here rather than by tantivy's query parser: whatever a visitor
//! types (syntax characters, full-width punctuation, ten thousand characters) is words to look
//! for, never syntax, so a query never fails.
//!
//! What is indexed is an article as the public sees it: title, subtitle, summary, body text,
//! source, document number (also as one exact term: 佳政办函〔2019〕54号 finds its document),
//! and where it appears (sites and columns), its year and topic, and its publication time.

mod counts;
mod tokenizer;

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query as TQuery, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, TextAnalyzer, TokenStream};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use zhanqun_core::{ArticleId, ColumnId, Error, Result, SiteId};

use counts::{SiteCounts, counting_executor};
use tokenizer::Jieba;

/// The name of the Chinese analyzer in the index.
const ZH: &str = "zh";
/// At most this many characters of a query are looked for.
pub const QUERY_MAX_CHARS: usize = 100;
/// At most this many words of a query are looked for.
const QUERY_MAX_WORDS: usize = 16;
/// Results are ranked among the best this many; deeper pages are not offered.
pub const RANKED_MAX: usize = 500;

fn err(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("search index: {e}"))
}

/// An article as the index holds it.
#[derive(Debug, Clone)]
pub struct SearchDoc {
    pub article: ArticleId,
    pub title: String,
    pub subtitle: String,
    pub summary: String,
    /// The body as text (no markup).
    pub body: String,
    pub source: String,
    pub doc_number: String,
    pub topic: String,
    pub published_at: DateTime<Utc>,
    /// Every site and column that shows the article (reprints included).
    pub placements: Vec<(SiteId, ColumnId)>,
}

impl Default for SearchDoc {
    fn default() -> Self {
        SearchDoc {
            article: ArticleId(0),
            title: String::new(),
            subtitle: String::new(),
            summary: String::new(),
            body: String::new(),
            source: String::new(),
            doc_number: String::new(),
            topic: String::new(),
            published_at: DateTime::<Utc>::default(),
            placements: Vec::new(),
        }
    }
}

/// What to look for, and where.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    /// One site's results only (a site's own search); `None`: the whole province.
    pub site: Option<SiteId>,
    /// Placed in any of these columns (a column and the columns below it); empty: any.
    pub columns: Vec<ColumnId>,
    pub year: Option<i32>,
    pub topic: Option<String>,
    pub offset: usize,
    pub limit: usize,
    /// Count the matches on every site (the province-wide facet), whatever `site` says.
    pub facet: bool,
    /// Only articles shown on one of these sites or in one of these columns (an editor's
    /// grants); `None`: no such limit.
    pub within: Option<Within>,
}

/// Sites and columns an editor may read.
#[derive(Debug, Clone, Default)]
pub struct Within {
    pub sites: Vec<SiteId>,
    pub columns: Vec<ColumnId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub article: ArticleId,
    /// The title, HTML-escaped, the matched words in `<b>`.
    pub title_html: String,
    /// A passage of the body around the matched words, HTML-escaped, matches in `<b>`.
    pub snippet_html: String,
    pub published_at: DateTime<Utc>,
    pub doc_number: String,
    /// The sites that show the article.
    pub sites: Vec<SiteId>,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// Every match.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Matches per site, most first (asked for with [`SearchQuery::facet`]).
    pub by_site: Vec<(SiteId, usize)>,
    /// The words looked for (what the query was cut into).
    pub words: Vec<String>,
    /// The query was longer than [`QUERY_MAX_CHARS`] and was cut.
    pub truncated: bool,
    /// No article has every word: words no article has were left out.
    pub partial: bool,
}

#[derive(Clone, Copy)]
struct Fields {
    article: Field,
    title: Field,
    /// Every text of the article (title, subtitle, summary, body, source, document number):
    /// what a word must be found in.
    all: Field,
    body: Field,
    doc_number_exact: Field,
    topic: Field,
    sites: Field,
    /// The one site that shows the article, or 0 when several do (reprints): a single-valued
    /// fast field the facet reads several times faster than `sites`.
    site: Field,
    /// For an article several sites show: a hash of its sorted sites. The facet counts such
    /// articles by set and adds each set's count to its sites once (a State Council item shown
    /// on all 3,000 sites costs one count, not 3,000).
    site_set: Field,
    columns: Field,
    year: Field,
    published: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Frequencies for BM25, no positions: queries are words, never phrases.
    let zh = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ZH)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let zh_stored = zh.clone().set_stored();
    let f = Fields {
        article: b.add_u64_field("article", INDEXED | STORED | FAST),
        // Title and body are indexed on their own too: the title weighs more, and snippets
        // are cut from both.
        title: b.add_text_field("title", zh_stored.clone()),
        body: b.add_text_field("body", zh_stored),
        all: b.add_text_field("all", zh),
        doc_number_exact: b.add_text_field("doc_number_exact", STRING | STORED),
        topic: b.add_text_field("topic", STRING),
        sites: b.add_u64_field("sites", INDEXED | STORED | FAST),
        site: b.add_u64_field("site", FAST),
        site_set: b.add_u64_field("site_set", FAST),
        columns: b.add_u64_field("columns", INDEXED),
        year: b.add_i64_field("year", INDEXED),
        published: b.add_i64_field("published", STORED | FAST),
    };
    (b.build(), f)
}

/// The search index of a node (each node keeps its own, under its data directory).
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzer: TextAnalyzer,
    dictionary: Arc<jieba_rs::Jieba>,
    /// Counts the matches of a query (the facet) over the segments on every core.
    counting: tantivy::Executor,
}

impl SearchIndex {
    /// Opens the index in `dir` (created when missing). `words` are added to the dictionary:
    /// place, organ and site names that must stay whole words.
    pub fn open(dir: &Path, words: &[String]) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir).map_err(err)?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(err)?;
        let index = match Index::open_or_create(directory, schema.clone()) {
            Ok(index) => index,
            // An index of another version of this schema: it only holds what the store holds,
            // so it is emptied and built again (the caller sees no mark and rebuilds).
            Err(tantivy::TantivyError::SchemaError(_)) => {
                for entry in std::fs::read_dir(dir).map_err(err)?.flatten() {
                    if entry.path().is_file() {
                        std::fs::remove_file(entry.path()).map_err(err)?;
                    }
                }
                let directory = tantivy::directory::MmapDirectory::open(dir).map_err(err)?;
                Index::create(directory, schema, tantivy::IndexSettings::default()).map_err(err)?
            }
            Err(e) => return Err(err(e)),
        };
        let mut jieba = jieba_rs::Jieba::new();
        for w in words {
            let w = w.trim();
            if w.chars().count() >= 2 {
                jieba.add_word(w, None, None);
            }
        }
        let dictionary = Arc::new(jieba);
        let analyzer = TextAnalyzer::builder(Jieba(dictionary.clone()))
            .filter(RemoveLongFilter::limit(64))
            .filter(LowerCaser)
            .build();
        index.tokenizers().register(ZH, analyzer.clone());
        let writer = index.writer(32 * 1024 * 1024).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => Error::conflict(format!(
                "搜索索引目录 {} 正被另一个进程使用（运行中的服务？）。每个节点需要自己的索引目录（search.dir）；重建索引请先停止服务，或直接重启服务（启动时会检查并按需重建）",
                dir.display()
            )),
            e => err(e),
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(err)?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            analyzer,
            dictionary,
            counting: counting_executor(),
        })
    }

    /// Runs a collector that needs no scores over the segments in parallel.
    fn count<C: tantivy::collector::Collector>(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn TQuery,
        collector: &C,
    ) -> Result<C::Fruit> {
        searcher
            .search_with_executor(
                query,
                collector,
                &self.counting,
                tantivy::query::EnableScoring::disabled_from_searcher(searcher),
            )
            .map_err(err)
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts an article in the index (replacing what was there). Seen after [`Self::commit`].
    pub fn upsert(&self, d: &SearchDoc) -> Result<()> {
        self.writer().delete_term(Term::from_field_u64(
            self.fields.article,
            d.article.0 as u64,
        ));
        self.insert(d)
    }

    /// Adds an article that is not in the index (a rebuild after [`Self::clear`]): no
    /// deletion to record.
    pub fn insert(&self, d: &SearchDoc) -> Result<()> {
        let f = self.fields;
        let w = self.writer();
        if d.placements.is_empty() {
            return Ok(());
        }
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.article, d.article.0 as u64);
        doc.add_text(f.title, &d.title);
        doc.add_text(f.body, &d.body);
        // The title twice: a word in the title counts more (BM25 over one field, so that a
        // query is one intersection of posting lists, with no per-field clauses to weigh).
        for text in [
            &d.title,
            &d.title,
            &d.subtitle,
            &d.summary,
            &d.body,
            &d.source,
            &d.doc_number,
        ] {
            if !text.is_empty() {
                doc.add_text(f.all, text);
            }
        }
        if !d.doc_number.trim().is_empty() {
            doc.add_text(f.doc_number_exact, normalize(&d.doc_number));
        }
        if !d.topic.is_empty() {
            doc.add_text(f.topic, &d.topic);
        }
        let mut sites: Vec<u64> = d.placements.iter().map(|p| p.0.0 as u64).collect();
        sites.sort_unstable();
        sites.dedup();
        if let [one] = sites[..] {
            doc.add_u64(f.site, one);
        } else {
            use std::hash::{Hash, Hasher};
            let mut h = std::hash::DefaultHasher::new();
            sites.hash(&mut h);
            doc.add_u64(f.site, 0);
            doc.add_u64(f.site_set, h.finish());
        }
        for s in sites {
            doc.add_u64(f.sites, s);
        }
        for (_, c) in &d.placements {
            doc.add_u64(f.columns, c.0 as u64);
        }
        doc.add_i64(f.year, i64::from(beijing_year(d.published_at)));
        doc.add_i64(f.published, d.published_at.timestamp());
        w.add_document(doc).map_err(err)?;
        Ok(())
    }

    /// Takes an article out of the index (withdrawn, unpublished, deleted).
    pub fn remove(&self, article: ArticleId) {
        self.writer()
            .delete_term(Term::from_field_u64(self.fields.article, article.0 as u64));
    }

    /// Empties the index (before a rebuild).
    pub fn clear(&self) -> Result<()> {
        self.writer().delete_all_documents().map_err(err)?;
        Ok(())
    }

    /// Makes the changes since the last commit durable and visible to searches.
    pub fn commit(&self) -> Result<()> {
        self.writer().commit().map_err(err)?;
        self.reader.reload().map_err(err)
    }

    /// As [`Self::commit`], recording `mark` with the commit (where the index is in the store's
    /// change log, so that a restarted node knows what it missed).
    pub fn commit_marked(&self, mark: &str) -> Result<()> {
        {
            let mut w = self.writer();
            let mut prepared = w.prepare_commit().map_err(err)?;
            prepared.set_payload(mark);
            prepared.commit().map_err(err)?;
        }
        self.reader.reload().map_err(err)
    }

    /// The mark of the last commit, if it had one.
    pub fn mark(&self) -> Option<String> {
        self.index.load_metas().ok()?.payload
    }

    /// Bytes the index takes on disk.
    pub fn size_bytes(&self) -> u64 {
        self.reader
            .searcher()
            .space_usage()
            .map(|u| u.total().get_bytes())
            .unwrap_or(0)
    }

    /// Articles in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cuts text into the words the index holds.
    pub fn words(&self, text: &str) -> Vec<String> {
        let mut a = self.analyzer.clone();
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// Runs a query. Every word must appear (in the title, subtitle, summary, body, source or
    /// document number; a title match counts most); a query equal to a document number finds
    /// that document first. Ties in relevance go to the newer article.
    ///
    /// When no article has every word, Latin words and numbers no article has at all (stray
    /// words, query syntax typed as words: AND, title) are left out and the rest looked for,
    /// marked [`SearchResults::partial`]. Chinese words are never left out: 安全生产 does not
    /// turn into 生产.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let text: String = normalize(&q.text).chars().take(QUERY_MAX_CHARS).collect();
        let required = self.required_words(&text);
        let strict = self.search_with(q, &required)?;
        if strict.total > 0 || required.len() < 2 {
            return Ok(strict);
        }
        let searcher = self.reader.searcher();
        let f = self.fields;
        let known: Vec<String> = required
            .iter()
            .filter(|w| {
                !w.is_ascii()
                    || searcher
                        .doc_freq(&Term::from_field_text(f.all, w))
                        .is_ok_and(|n| n > 0)
            })
            .cloned()
            .collect();
        if known.is_empty() || known.len() == required.len() {
            return Ok(strict);
        }
        let mut some = self.search_with(q, &known)?;
        some.partial = some.total > 0;
        Ok(some)
    }

    fn search_with(&self, q: &SearchQuery, required: &[String]) -> Result<SearchResults> {
        let f = self.fields;
        let text = normalize(&q.text);
        let truncated = text.chars().count() > QUERY_MAX_CHARS;
        let text: String = text.chars().take(QUERY_MAX_CHARS).collect();
        let mut words = self.words(&text);
        words.dedup();
        // Search mode repeats the parts of long words (中华 人民 中华人民共和国); all are kept:
        // any of them matches the same text.
        let mut seen = std::collections::HashSet::new();
        words.retain(|w| seen.insert(w.clone()));
        words.truncate(QUERY_MAX_WORDS);
        let empty = SearchResults {
            total: 0,
            hits: Vec::new(),
            by_site: Vec::new(),
            words: words.clone(),
            truncated,
            partial: false,
        };
        if words.is_empty() {
            return Ok(empty);
        }
        let term_query = |field: Field, w: &str| -> Box<dyn TQuery> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, w),
                IndexRecordOption::WithFreqs,
            ))
        };
        // Every word of the default cut must be in the article's text (one posting list a
        // word: a conjunction tantivy intersects fast; the title is in it twice, so it weighs
        // more); a query that is a document number ranks that document first. The finer
        // search-mode words (安全生产 also gives 安全 and 生产) are highlighted.
        let searcher = self.reader.searcher();
        let mut matched: Vec<(Occur, Box<dyn TQuery>)> = required
            .iter()
            .map(|w| (Occur::Must, term_query(f.all, w)))
            .collect();
        // The document-number clause only when some article has that number: without it, the
        // query stays a conjunction of words, which tantivy ranks skipping the blocks of
        // postings that cannot enter the top (block-max WAND).
        let number = Term::from_field_text(f.doc_number_exact, &text);
        if searcher.doc_freq(&number).map_err(err)? > 0 {
            matched.push((
                Occur::Should,
                Box::new(BoostQuery::new(term_query(f.doc_number_exact, &text), 20.0)),
            ));
        }
        // What the snippets highlight: the words, in the title and in the body.
        let in_field = |field: Field| -> BooleanQuery {
            BooleanQuery::new(
                words
                    .iter()
                    .map(|w| (Occur::Should, term_query(field, w)))
                    .collect(),
            )
        };
        // One flat boolean query: the words, the document number, then the filters.
        let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = matched;
        let u64_term = |field: Field, v: u64| -> Box<dyn TQuery> {
            Box::new(TermQuery::new(
                Term::from_field_u64(field, v),
                IndexRecordOption::Basic,
            ))
        };
        if !q.columns.is_empty() {
            let any: Vec<(Occur, Box<dyn TQuery>)> = q
                .columns
                .iter()
                .map(|c| (Occur::Should, u64_term(f.columns, c.0 as u64)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(y) = q.year {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_i64(f.year, i64::from(y)),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(t) = q.topic.as_deref().filter(|t| !t.is_empty()) {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.topic, t),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(w) = &q.within {
            let any: Vec<(Occur, Box<dyn TQuery>)> = w
                .sites
                .iter()
                .map(|s| (Occur::Should, u64_term(f.sites, s.0 as u64)))
                .chain(
                    w.columns
                        .iter()
                        .map(|c| (Occur::Should, u64_term(f.columns, c.0 as u64))),
                )
                .collect();
            if any.is_empty() {
                return Ok(empty);
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        // The facet counts the matches on every site, whatever site is picked.
        let everywhere = (q.facet && q.site.is_some())
            .then(|| BooleanQuery::new(clauses.iter().map(|(o, c)| (*o, c.box_clone())).collect()));
        if let Some(s) = q.site {
            clauses.push((Occur::Must, u64_term(f.sites, s.0 as u64)));
        }
        // A single clause is run as itself: tantivy prunes a lone term's postings, not a
        // boolean query of one term.
        let query: Box<dyn TQuery> = if clauses.len() == 1 && clauses[0].0 == Occur::Must {
            clauses
                .pop()
                .map(|(_, c)| c)
                .unwrap_or_else(|| Box::new(BooleanQuery::new(vec![])))
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        // Counting needs no score and ranking needs no count: apart, tantivy skips the blocks
        // of postings that cannot enter the top (block-max WAND), which it cannot while it
        // also visits every match. With the facet (every match of a common word, hundreds of
        // thousands), the ranking runs on a thread of its own while the counting runs over
        // the segments on every core.
        let rank = || {
            searcher
                .search(
                    query.as_ref(),
                    &TopDocs::with_limit(RANKED_MAX).order_by_score(),
                )
                .map_err(err)
        };
        let (total, counts, top) = if q.facet {
            std::thread::scope(|scope| -> Result<_> {
                let ranking = scope.spawn(rank);
                let (total, counts) = match &everywhere {
                    Some(everywhere) => (
                        searcher.search(query.as_ref(), &Count).map_err(err)?,
                        self.count(&searcher, everywhere, &SiteCounts)?,
                    ),
                    None => self.count(&searcher, query.as_ref(), &(Count, SiteCounts))?,
                };
                let top = ranking
                    .join()
                    .map_err(|_| err("the ranking thread failed"))??;
                Ok((total, counts, top))
            })?
        } else {
            let total = searcher.search(query.as_ref(), &Count).map_err(err)?;
            (total, Default::default(), rank()?)
        };
        let mut by_site: Vec<(SiteId, usize)> = counts
            .into_iter()
            .map(|(s, n)| (SiteId(s as i64), n))
            .collect();
        by_site.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        // Relevance first, the newer article on a tie (scores equal to 1/1000). The publication
        // time comes from the fast field: only the page's own articles are loaded below.
        let mut ranked = Vec::with_capacity(top.len());
        let mut columns: std::collections::HashMap<u32, tantivy::columnar::Column<i64>> =
            Default::default();
        for (score, addr) in top {
            let column = match columns.entry(addr.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(
                    searcher
                        .segment_reader(addr.segment_ord)
                        .fast_fields()
                        .i64("published")
                        .map_err(err)?,
                ),
            };
            let published = column.first(addr.doc_id).unwrap_or(0);
            ranked.push(((score * 1000.0).round() as i64, published, score, addr));
        }
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        let mut title_gen =
            SnippetGenerator::create(&searcher, &in_field(f.title), f.title).map_err(err)?;
        title_gen.set_max_num_chars(400);
        let mut body_gen =
            SnippetGenerator::create(&searcher, &in_field(f.body), f.body).map_err(err)?;
        body_gen.set_max_num_chars(160);
        let limit = if q.limit == 0 { 10 } else { q.limit };
        let page: Vec<(i64, f32, TantivyDocument)> = ranked
            .into_iter()
            .skip(q.offset)
            .take(limit)
            .map(|(_, published, score, addr)| {
                searcher
                    .doc(addr)
                    .map(|doc| (published, score, doc))
                    .map_err(err)
            })
            .collect::<Result<_>>()?;
        let hits = page
            .into_iter()
            .map(|(published, score, doc)| {
                let title = doc
                    .get_first(f.title)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                let title_snip = title_gen.snippet_from_doc(&doc);
                let title_html = if title_snip.highlighted().is_empty() {
                    escape(&title)
                } else {
                    title_snip.to_html().replace("</b><b>", "")
                };
                let body_snip = body_gen.snippet_from_doc(&doc);
                let snippet_html = if body_snip.is_empty() {
                    let body = doc
                        .get_first(f.body)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default();
                    escape(&body.chars().take(120).collect::<String>())
                } else {
                    body_snip.to_html().replace("</b><b>", "")
                };
                Hit {
                    article: ArticleId(
                        doc.get_first(f.article)
                            .and_then(|v| v.as_u64())
                            .unwrap_or(0) as i64,
                    ),
                    title_html,
                    snippet_html,
                    published_at: DateTime::from_timestamp(published, 0).unwrap_or_default(),
                    doc_number: doc
                        .get_first(f.doc_number_exact)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string(),
                    sites: doc
                        .get_all(f.sites)
                        .filter_map(|v| v.as_u64())
                        .map(|s| SiteId(s as i64))
                        .collect(),
                    score,
                }
            })
            .collect();
        Ok(SearchResults {
            total,
            hits,
            by_site,
            words,
            truncated,
            partial: false,
        })
    }

    /// The words of the default (not search-mode) cut: each must be found.
    fn required_words(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        // The default cut of jieba, with the same filters as the index.
        for t in self
            .dictionary
            .tokenize(text, jieba_rs::TokenizeMode::Default, true)
        {
            if t.word.chars().any(char::is_alphanumeric) && t.word.len() <= 64 {
                let w = t.word.to_lowercase();
                if !out.contains(&w) {
                    out.push(w);
                }
            }
        }
        out.truncate(QUERY_MAX_WORDS);
        out
    }
}

/// Full-width forms folded to their usual ones and spaces collapsed, as a visitor's query and a
/// stored document number are compared.
pub fn normalize(s: &str) -> String {
    let folded: String = s
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn beijing_year(t: DateTime<Utc>) -> i32 {
    zhanqun_core::beijing::year(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::Tokenizer;

    /// Tokens come in text order (tantivy's snippet code subtracts a fragment's start from each
    /// later token's end): search mode alone would give 中华人民共和国's parts first.
    #[test]
    fn tokens_are_in_text_order() {
        let mut jieba = Jieba(Arc::new(jieba_rs::Jieba::new()));
        let text = "中华人民共和国国务院办公厅关于进一步加强安全生产监督管理工作的通知，中华人民共和国政府信息公开条例";
        let mut stream = jieba.token_stream(text);
        let mut last = (0, 0);
        let mut n = 0;
        while stream.advance() {
            let t = stream.token();
            assert!((t.offset_from, t.offset_to) >= last, "{last:?} then {t:?}");
            assert!(t.offset_to > t.offset_from);
            last = (t.offset_from, t.offset_to);
            n += 1;
        }
        assert!(n > 10);
    }
}
