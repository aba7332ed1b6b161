//! The search index: published shared views only, in tantivy.
//!
//! Text fields (summary, findings, notes, lessons, improvement actions) are analysed with
//! [`analysis::case_text_analyzer`]; lessons and actions weigh double. Every facet of a
//! case (category, harm, setting, contributing factors, action strength and status, review
//! method, standard of care, compensation, year, age band) is a tantivy facet under its
//! own root (`/harm/severe`), counted for the current query by one collector.
//!
//! A query is read as a person types it ([`query`]): facet terms (`category:fall`) act as
//! filters; a word of five letters or more also finds the terms a typo away ([`typo`]),
//! ranked below exact matches; and a query whose words together find nothing is relaxed
//! by dropping words from its end until something is found, ranked by how many of the
//! dropped words a case still has, and said so in [`SearchResults::relaxed`].
//!
//! The index is written only through [`SearchIndex::apply`], which records in the commit
//! payload the last change-log sequence it applied: index content and position move
//! together, so a crash at any point is repaired by replaying the log from that position.
//!
//! The index holds what search needs to rank, filter and highlight, and nothing it could
//! show: the text fields are indexed, never stored; the only stored value is the case id.
//! A search answers ranked ids ([`SearchPage`]); the caller reads those cases' published
//! views from the store and [`SearchPage::into_results`] draws the summary and the
//! highlighted passages from them. A deletion in tantivy only marks a document in a bitset
//! (its terms and id stay in the segment's files until some merge), so [`SearchIndex::apply`]
//! rewrites every segment that holds a deleted document before it returns, and removes the
//! files no segment uses: once a withdrawal is applied, no index file holds the case.

mod analysis;
mod cache;
mod facets;
mod gate;
mod hits;
mod query;
mod request;
mod synonyms;
mod typo;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, MoreLikeThisQuery, Occur, Query, QueryParser,
    TermQuery,
};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, OwnedValue, Schema, TextFieldIndexing,
    TextOptions, Value, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

pub use analysis::{escape_html, placeholder_len};
pub use hits::{RankedHits, SearchPage};
pub use query::{take_facet_terms, FacetTerms};
pub use request::{FacetKind, SearchRequest, MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS};
pub use synonyms::{SynonymError, Synonyms};

use crate::case::{CaseId, IndexField, SharedView};
use typo::Typos;

/// Memory the index writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;
/// How long rewriting the segments that hold deleted documents waits for background
/// merges that hold the same segments.
const PURGE_PATIENCE: Duration = Duration::from_secs(30);

/// Why the index failed a request.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The request cannot be answered as written (400).
    #[error("{0}")]
    BadQuery(String),
    /// No published case with that id.
    #[error("no such published case")]
    NotFound,
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index files: {0}")]
    Directory(String),
    #[error("index document does not read back: {0}")]
    Corrupt(String),
}

/// A change to apply to the index.
#[allow(clippy::large_enum_variant)] // short-lived, built one batch at a time
pub enum IndexChange {
    /// Add the view, replacing any document with the same id.
    Upsert(SharedView),
    /// Remove the case.
    Delete(CaseId),
}

/// What the index is built with: the synonym list.
#[derive(Debug, Clone, Default)]
pub struct IndexSettings {
    pub synonyms: Synonyms,
}

impl IndexSettings {
    /// The settings compiled into the binary (`search-index/synonyms.txt`).
    pub fn embedded() -> Self {
        let synonyms = Synonyms::parse(include_str!("../../search-index/synonyms.txt"))
            // A unit test parses the same text; this cannot fail in a built binary.
            .unwrap_or_default();
        IndexSettings { synonyms }
    }
}

/// One result of a search.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    #[schema(value_type = String)]
    pub id: CaseId,
    pub score: f32,
    pub year: i32,
    pub category: crate::case::Category,
    pub harm: crate::case::Harm,
    pub setting: crate::case::Setting,
    /// The RCA² strengths of the case's improvement actions, each once, strongest first.
    pub strengths: Vec<crate::case::ActionStrength>,
    /// The summary (or its best passage), HTML-escaped, matches in `<mark>`.
    pub summary: String,
    /// Best passages of the other fields that match, HTML-escaped, matches in `<mark>`.
    pub highlights: Vec<Highlight>,
}

/// A highlighted passage of one field.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Highlight {
    pub field: &'static str,
    pub html: String,
}

/// A page of results with the total count and the facet counts of the whole result set.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub hits: Vec<SearchHit>,
    /// Facet name → value → number of matching cases.
    pub facets: BTreeMap<&'static str, BTreeMap<String, u64>>,
    /// Present when no case had every word of the query: the hits are the cases with
    /// the words in `matched_terms`, after dropping `dropped_terms` from the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relaxed: Option<RelaxedQuery>,
}

/// A relaxed query, and how it was relaxed.
type Relaxed = (Box<dyn Query>, RelaxedQuery);

/// How a query that found nothing as typed was relaxed (Meilisearch's "last" matching
/// strategy): words dropped from its end, one at a time, until cases were found; the cases
/// that also have some of the dropped words rank first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RelaxedQuery {
    /// What every hit has, as typed: the words kept, phrases, `field:word` terms, groups.
    pub matched_terms: Vec<String>,
    /// The words no longer required, as typed, in the order typed.
    pub dropped_terms: Vec<String>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    facets: Field,
}

/// The index's schema: the id (the one stored value), the facets, and the text fields,
/// indexed with positions (phrases, snippets) and never stored. An index written with
/// another schema (one that stored the whole view, before) is discarded and rebuilt by
/// [`SearchIndex::open`].
fn schema() -> Schema {
    let mut b = Schema::builder();
    b.add_text_field("id", STRING | STORED);
    b.add_facet_field("facets", FacetOptions::default());
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analysis::CASE_TEXT)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    for field in IndexField::ALL {
        b.add_text_field(field.name(), text.clone());
    }
    b.build()
}

fn fields(schema: &Schema) -> Result<Fields, SearchError> {
    let f = |name: &str| {
        schema
            .get_field(name)
            .map_err(|_| SearchError::Directory(format!("index schema lacks field {name}")))
    };
    Ok(Fields {
        id: f("id")?,
        facets: f("facets")?,
    })
}

/// The index's text fields, in the order of [`IndexField::ALL`].
fn text_fields(schema: &Schema) -> Result<[Field; IndexField::ALL.len()], SearchError> {
    let mut out = [Field::from_field_id(0); IndexField::ALL.len()];
    for (slot, field) in out.iter_mut().zip(IndexField::ALL) {
        *slot = schema.get_field(field.name()).map_err(|_| {
            SearchError::Directory(format!("index schema lacks field {}", field.name()))
        })?;
    }
    Ok(out)
}

/// The facet values of a view, as `(kind, value)`.
fn facet_values(view: &SharedView) -> Vec<(FacetKind, String)> {
    let mut out = vec![
        (FacetKind::Category, view.event.category.as_str().to_owned()),
        (FacetKind::Harm, view.event.harm.as_str().to_owned()),
        (FacetKind::Setting, view.event.setting.as_str().to_owned()),
        (FacetKind::Year, view.event.year.to_string()),
    ];
    if let Some(band) = view.patient.age_band {
        out.push((FacetKind::AgeBand, band.as_str().to_owned()));
    }
    if let Some(r) = &view.review {
        for f in &r.contributing_factors {
            out.push((FacetKind::Factor, f.as_str().to_owned()));
        }
        if let Some(m) = r.method {
            out.push((FacetKind::Method, m.as_str().to_owned()));
        }
        if let Some(s) = r.standard_of_care_met {
            out.push((FacetKind::StandardOfCare, s.as_str().to_owned()));
        }
    }
    if let Some(c) = view.resolution.as_ref().and_then(|r| r.compensation) {
        out.push((FacetKind::Compensation, c.as_str().to_owned()));
    }
    for a in &view.improvement_actions {
        out.push((FacetKind::Strength, a.strength.as_str().to_owned()));
        out.push((FacetKind::ActionStatus, a.status.as_str().to_owned()));
    }
    out.sort();
    out.dedup();
    out
}

fn facet(kind: FacetKind, value: &str) -> Facet {
    Facet::from_path([kind.name(), value])
}

/// The parser of the query language: every text field by default, words combined with
/// AND, each field weighted as [`IndexField::boost`] says.
fn query_parser(index: &Index, text_fields: &[Field; IndexField::ALL.len()]) -> QueryParser {
    let mut parser = QueryParser::for_index(index, text_fields.to_vec());
    parser.set_conjunction_by_default();
    for (field, kind) in text_fields.iter().zip(IndexField::ALL) {
        if kind.boost() != 1.0 {
            parser.set_field_boost(*field, kind.boost());
        }
    }
    parser
}

/// A tantivy index of published shared views, with one writer and one reader for the
/// life of the process.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    text_fields: [Field; IndexField::ALL.len()],
    /// The text fields with their names, for typo look-ups.
    named_text_fields: Vec<(&'static str, Field)>,
    analyzer: TextAnalyzer,
    synonyms: Synonyms,
    /// Built once: the schema and analyzers do not change for the life of the index.
    parser: QueryParser,
    applied: AtomicI64,
    /// Set when deleted documents could not all be purged (see
    /// [`SearchIndex::purge_if_owed`]).
    purge_owed: AtomicBool,
    /// Answers of the current searcher generation.
    answers: cache::AnswerCache,
    /// The near terms of typed words, per searcher generation.
    near_terms: typo::NearTerms,
    /// One search per core at a time ([`gate`]).
    gate: gate::Gate,
    /// The facet values of each segment's documents, for counting.
    facet_tables: facets::FacetTables,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if needed. An index written with another
    /// schema is discarded and rebuilt from position 0 (the follower replays the log).
    pub fn open(dir: &Path, settings: &IndexSettings) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
        let open = || -> Result<Index, SearchError> {
            let directory =
                MmapDirectory::open(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
            Ok(Index::open_or_create(directory, schema())?)
        };
        let index = match open() {
            Ok(index) => index,
            Err(SearchError::Index(tantivy::TantivyError::SchemaError(reason))) => {
                tracing::warn!(%reason, "search index has another schema: rebuilding it");
                for entry in
                    std::fs::read_dir(dir).map_err(|e| SearchError::Directory(e.to_string()))?
                {
                    let path = entry
                        .map_err(|e| SearchError::Directory(e.to_string()))?
                        .path();
                    if path.is_file() {
                        std::fs::remove_file(&path)
                            .map_err(|e| SearchError::Directory(e.to_string()))?;
                    }
                }
                open()?
            }
            Err(e) => return Err(e),
        };
        let index = Self::with_index(index, settings)?;
        // A process that stopped between a commit and its purge left deleted documents.
        index.purge_owed.store(true, Ordering::SeqCst);
        if let Err(e) = index.purge_if_owed() {
            tracing::warn!(error = %e, "search index: deleted documents not yet purged, will retry");
        }
        Ok(index)
    }

    /// An index in memory (tests, `safetable redact` experiments).
    pub fn open_in_ram(settings: &IndexSettings) -> Result<Self, SearchError> {
        Self::with_index(Index::create_in_ram(schema()), settings)
    }

    fn with_index(index: Index, settings: &IndexSettings) -> Result<Self, SearchError> {
        index
            .tokenizers()
            .register(analysis::CASE_TEXT, analysis::case_text_analyzer());
        let fields = fields(&index.schema())?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let applied = index
            .load_metas()?
            .payload
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(0);
        let text_fields = text_fields(&index.schema())?;
        Ok(SearchIndex {
            parser: query_parser(&index, &text_fields),
            named_text_fields: IndexField::ALL
                .iter()
                .map(|f| f.name())
                .zip(text_fields)
                .collect(),
            analyzer: analysis::case_text_analyzer(),
            text_fields,
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            synonyms: settings.synonyms.clone(),
            applied: AtomicI64::new(applied),
            purge_owed: AtomicBool::new(false),
            answers: cache::AnswerCache::new(cache::CAPACITY),
            near_terms: typo::NearTerms::default(),
            gate: gate::Gate::per_core(),
            facet_tables: facets::FacetTables::default(),
        })
    }

    /// The last change-log sequence whose effect is in the index.
    pub fn last_applied_seq(&self) -> i64 {
        self.applied.load(Ordering::SeqCst)
    }

    /// Number of cases in the index.
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
        self.writer
            .lock()
            .map_err(|_| SearchError::Directory("index writer poisoned".into()))
    }

    /// The document of a view: its id (stored), its facets and its texts (indexed only).
    fn document(&self, view: &SharedView, id: &CaseId) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, id.as_str());
        for (kind, value) in facet_values(view) {
            doc.add_facet(f.facets, facet(kind, &value));
        }
        for (field, text) in self.text_fields.iter().zip(view.index_texts()) {
            if !text.is_empty() {
                doc.add_text(*field, text);
            }
        }
        doc
    }

    /// Applies changes and commits them together with `last_seq`, the change-log position
    /// they bring the index to; then rewrites the segments that hold the documents the
    /// changes deleted (a withdrawn case, the previous version of a case indexed again) and
    /// removes the files no segment uses ([`SearchIndex::purge_deleted`]). When this
    /// returns `Ok`, no index file holds a deleted document's terms or id. If that last
    /// step fails, the changes are committed and searched all the same, and the purge is
    /// owed ([`SearchIndex::purge_if_owed`]).
    pub fn apply(&self, changes: &[IndexChange], last_seq: i64) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        for change in changes {
            match change {
                IndexChange::Upsert(view) => {
                    let Some(id) = view.id.as_ref() else {
                        tracing::warn!("a view without id was not indexed");
                        continue;
                    };
                    writer.delete_term(Term::from_field_text(self.fields.id, id.as_str()));
                    writer.add_document(self.document(view, id))?;
                }
                IndexChange::Delete(id) => {
                    writer.delete_term(Term::from_field_text(self.fields.id, id.as_str()));
                }
            }
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&last_seq.to_string());
        commit.commit()?;
        let purged = self.purge_deleted(&mut writer);
        drop(writer);
        self.applied.store(last_seq, Ordering::SeqCst);
        self.settled(purged)
    }

    /// Rewrites every committed segment that holds deleted documents and deletes the
    /// files no segment uses any more; reloads the reader in any case.
    ///
    /// tantivy deletes a document by marking it in the segment's bitset: its terms,
    /// positions and stored id stay in the segment's files until the segment is merged.
    /// Merging the segments that have deletions, and those alone, rewrites them without
    /// the deleted documents (a segment left with none is dropped). The cost is one rewrite
    /// of the segments that held the changed cases, never of the whole index (unless it is
    /// one segment, as after `reindex`). A background merge may hold one of those segments:
    /// ours then fails and is tried again on what that merge produced (which carries the
    /// deletion too, if it came while merging).
    fn purge_deleted(&self, writer: &mut IndexWriter) -> Result<(), SearchError> {
        let deadline = Instant::now() + PURGE_PATIENCE;
        let mut merged = false;
        loop {
            if Instant::now() > deadline {
                return Err(SearchError::Directory(
                    "segments holding deleted documents are still being merged".into(),
                ));
            }
            let holding: Vec<SegmentId> = self
                .index
                .searchable_segment_metas()?
                .iter()
                .filter(|m| m.has_deletes())
                .map(|m| m.id())
                .collect();
            if holding.is_empty() {
                break;
            }
            match writer.merge(&holding).wait() {
                Ok(_) => merged = true,
                Err(tantivy::TantivyError::InvalidArgument(_)) => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e.into()),
            }
        }
        if !merged {
            return Ok(());
        }
        // The searchers of the previous generation hold the old segments, and the garbage
        // collector keeps every file a living segment uses: reload first.
        self.reader.reload()?;
        let collected = writer.garbage_collect_files().wait()?;
        if !collected.failed_to_delete_files.is_empty() {
            return Err(SearchError::Directory(format!(
                "{} index files no segment uses could not be deleted",
                collected.failed_to_delete_files.len()
            )));
        }
        Ok(())
    }

    /// Reloads the reader and records whether a purge is owed.
    fn settled(&self, purged: Result<(), SearchError>) -> Result<(), SearchError> {
        let reloaded = self.reader.reload().map_err(SearchError::from);
        self.purge_owed.store(purged.is_err(), Ordering::SeqCst);
        purged.and(reloaded)
    }

    /// Purges deleted documents again if the last [`SearchIndex::apply`] could not (see
    /// [`SearchIndex::purge_deleted`]); does nothing otherwise. The follower calls it when
    /// it finds no new change.
    pub fn purge_if_owed(&self) -> Result<(), SearchError> {
        if !self.purge_owed.load(Ordering::SeqCst) {
            return Ok(());
        }
        let mut writer = self.writer()?;
        let purged = self.purge_deleted(&mut writer);
        drop(writer);
        self.settled(purged)
    }

    /// Merges every segment into one (after a rebuild): fewer segments, faster queries.
    pub fn optimize(&self) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        // Background merges may retire segments between listing and merging: list again
        // and retry; the index stays correct either way, only less compact.
        let mut attempt = 0;
        loop {
            let segments = self.index.searchable_segment_ids()?;
            if segments.len() <= 1 {
                break;
            }
            match writer.merge(&segments).wait() {
                Ok(_) => break,
                Err(tantivy::TantivyError::InvalidArgument(_)) if attempt < 20 => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => return Err(e.into()),
            }
        }
        writer.garbage_collect_files().wait()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Number of segments a search visits.
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Empties the index, sets its position to 0 and deletes the files of its segments.
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        writer.delete_all_documents()?;
        let mut commit = writer.prepare_commit()?;
        commit.set_payload("0");
        commit.commit()?;
        self.reader.reload()?;
        writer.garbage_collect_files().wait()?;
        drop(writer);
        self.applied.store(0, Ordering::SeqCst);
        Ok(())
    }

    fn filter_query(&self, kind: FacetKind, values: &[String]) -> Box<dyn Query> {
        let terms: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .map(|v| {
                let term = Term::from_facet(self.fields.facets, &facet(kind, v));
                let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                (Occur::Should, q)
            })
            .collect();
        Box::new(ConstScoreQuery::new(
            Box::new(BooleanQuery::new(terms)),
            0.0,
        ))
    }

    /// The query for a typed text (facet terms already taken out): synonyms expanded,
    /// typo alternatives added. Errors quote `text`, never its expansion.
    fn text_query(&self, text: &str, typos: &mut Typos<'_>) -> Result<Box<dyn Query>, SearchError> {
        check_query_fields(text)?;
        let expanded = self.synonyms.expand(text);
        let ast = tantivy::query_grammar::parse_query(&expanded)
            .map_err(|_| query::syntax_error(text))?;
        let ast = typos.rewrite(ast)?;
        let parsed = self
            .parser
            .build_query_from_user_input_ast(ast)
            .map_err(|_| query::syntax_error(text))?;
        Ok(guard_exclusions(parsed))
    }

    /// For a text whose words together find nothing: the longest run of its words, from
    /// the start, that finds something with the filters (found by bisection, since a
    /// shorter run finds at least as much), as a query that requires them and ranks by
    /// the dropped words; `None` if the text has nothing to drop or nothing is found.
    fn relax(
        &self,
        searcher: &Searcher,
        text: &str,
        typos: &mut Typos<'_>,
        filters: &[(Occur, Box<dyn Query>)],
    ) -> Result<Option<Relaxed>, SearchError> {
        let Some(plan) = query::Relaxation::of(text, |w| typos.indexes_something(w)) else {
            return Ok(None);
        };
        let mut finds = |kept: usize| -> Result<bool, SearchError> {
            // A relaxed form that does not parse finds nothing (the typed text parsed).
            let Ok(q) = self.text_query(&plan.keeping(kept).text, typos) else {
                return Ok(false);
            };
            Ok(searcher.search(&with_filters(q, filters), &Count)? > 0)
        };
        let (mut low, mut high) = (plan.min_kept(), plan.len() - 1);
        let mut best = None;
        while low <= high {
            let mid = low + (high - low) / 2;
            if finds(mid)? {
                best = Some(mid);
                low = mid + 1;
            } else if mid == 0 {
                break;
            } else {
                high = mid - 1;
            }
        }
        let Some(kept) = best else {
            return Ok(None);
        };
        let relaxed = plan.keeping(kept);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, self.text_query(&relaxed.text, typos)?)];
        for word in plan.dropped_words(kept) {
            if let Ok(q) = self.text_query(word, typos) {
                clauses.push((Occur::Should, q));
            }
        }
        Ok(Some((
            Box::new(BooleanQuery::new(clauses)),
            RelaxedQuery {
                matched_terms: relaxed.required,
                dropped_terms: relaxed.dropped,
            },
        )))
    }

    /// Answers a search: the ranked page of hits, the total and the facet counts; the hits'
    /// passages are made from the published views ([`SearchPage::into_results`]). Facet
    /// terms in the query (`category:fall`) add to the request's filters; a query that
    /// finds nothing is relaxed (see [`RelaxedQuery`]).
    pub fn search(&self, request: &SearchRequest) -> Result<SearchPage, SearchError> {
        let searcher = self.reader.searcher();
        let answer = {
            let _place = self.gate.enter();
            self.search_with(&searcher, request, request.offset + request.limit)?
        };
        self.page_of(&searcher, &answer, request)
    }

    /// [`SearchIndex::search`], from the answer kept for the searcher's generation when
    /// the same query with the same filters was answered before, on any page (see
    /// [`cache`]): paging through the results ranks them once.
    pub fn search_cached(&self, request: &SearchRequest) -> Result<SearchPage, SearchError> {
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        let key = cache::Key::of(request);
        let wanted = request.offset + request.limit;
        let kept = self.answers.get(generation, &key);
        if let Some(answer) = &kept {
            if answer.covers(wanted) {
                return self.page_of(&searcher, answer, request);
            }
        }
        // Deeper than kept: rank at least twice as deep, so that paging on costs a few
        // rankings, not one per page.
        let deeper = kept.map_or(0, |a| 2 * a.top.len());
        let depth = wanted
            .max(cache::FIRST_DEPTH)
            .max(deeper.min(cache::MAX_KEPT_DEPTH));
        let answer = {
            let _place = self.gate.enter();
            Arc::new(self.search_with(&searcher, request, depth)?)
        };
        if depth <= cache::MAX_KEPT_DEPTH {
            self.answers.put(generation, key, Arc::clone(&answer));
        }
        self.page_of(&searcher, &answer, request)
    }

    /// The page of `answer` that `request` asks for (`searcher` of the answer's
    /// generation, whose document addresses it holds).
    fn page_of(
        &self,
        searcher: &Searcher,
        answer: &hits::Answer,
        request: &SearchRequest,
    ) -> Result<SearchPage, SearchError> {
        let top = answer
            .top
            .iter()
            .skip(request.offset)
            .take(request.limit)
            .copied()
            .collect();
        Ok(SearchPage {
            total: answer.total,
            offset: request.offset,
            limit: request.limit,
            facets: answer.facets.clone(),
            relaxed: answer.relaxed.clone(),
            hits: RankedHits::new(self.ranked(searcher, top)?, Arc::clone(&answer.maker)),
        })
    }

    /// The index's answer to `request`'s query and filters, ranked `depth` deep.
    fn search_with(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        depth: usize,
    ) -> Result<hits::Answer, SearchError> {
        let mut filters = request.filters.clone();
        let text = match request.query.as_deref() {
            Some(q) => {
                let typed = query::take_facet_terms(q)?;
                for (kind, value) in typed.filters {
                    let values = filters.entry(kind).or_default();
                    if !values.contains(&value) {
                        values.push(value);
                    }
                }
                typed.text
            }
            None => None,
        };
        let filter_clauses: Vec<(Occur, Box<dyn Query>)> = filters
            .iter()
            .filter(|(_, values)| !values.is_empty())
            .map(|(kind, values)| (Occur::Must, self.filter_query(*kind, values)))
            .collect();
        let mut typos = Typos::new(
            searcher,
            &self.synonyms,
            self.analyzer.clone(),
            &self.named_text_fields,
            &self.near_terms,
        );
        let mut text_query: Option<Box<dyn Query>> = match text.as_deref() {
            Some(t) => Some(self.text_query(t, &mut typos)?),
            None => None,
        };

        let run = |text_query: &Option<Box<dyn Query>>| {
            let query = with_filters(
                match text_query {
                    Some(q) => q.box_clone(),
                    None => Box::new(AllQuery),
                },
                &filter_clauses,
            );
            let facets = self.facet_tables.collector();
            let top = TopDocs::with_limit(depth.max(1)).order_by_score();
            searcher.search(&query, &(top, Count, facets))
        };
        let (mut top, mut total, mut facet_counts) = run(&text_query)?;
        let mut relaxed = None;
        if total == 0 {
            if let Some(t) = text.as_deref() {
                if let Some((q, how)) = self.relax(searcher, t, &mut typos, &filter_clauses)? {
                    text_query = Some(q);
                    relaxed = Some(how);
                    (top, total, facet_counts) = run(&text_query)?;
                }
            }
        }

        let facet_out = self.facet_tables.named(&facet_counts);
        self.facet_tables.prune(searcher);

        let generators = match &text_query {
            Some(q) => Some(
                self.text_fields
                    .iter()
                    .map(|f| {
                        let mut g = SnippetGenerator::create(searcher, q.as_ref(), *f)?;
                        g.set_max_num_chars(SNIPPET_CHARS);
                        Ok(g)
                    })
                    .collect::<Result<Vec<_>, tantivy::TantivyError>>()?,
            ),
            None => None,
        };
        Ok(hits::Answer {
            total,
            facets: facet_out,
            relaxed,
            top: top.into_iter().take(depth).collect(),
            maker: Arc::new(hits::HitMaker::new(generators)),
        })
    }

    /// The ids of the documents at `top`, with their scores.
    fn ranked(
        &self,
        searcher: &Searcher,
        top: Vec<(f32, DocAddress)>,
    ) -> Result<Vec<(CaseId, f32)>, SearchError> {
        top.into_iter()
            .map(|(score, addr)| {
                let doc: TantivyDocument = searcher.doc(addr)?;
                let id = doc
                    .get_first(self.fields.id)
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| SearchError::Corrupt("document without id".into()))?;
                let id = id
                    .parse::<CaseId>()
                    .map_err(|_| SearchError::Corrupt("document id is not a case id".into()))?;
                Ok((id, score))
            })
            .collect()
    }

    /// Published cases most like the case of `view` (itself excluded): more-like-this over
    /// its text, nudged towards the same category, harm and setting; best first, their
    /// hits made from their views ([`RankedHits::into_hits`]).
    pub fn similar(&self, view: &SharedView, limit: usize) -> Result<RankedHits, SearchError> {
        let searcher = self.reader.searcher();
        let id = view
            .id
            .as_ref()
            .ok_or_else(|| SearchError::Corrupt("view without id".into()))?;
        let id_term = Term::from_field_text(self.fields.id, id.as_str());
        let doc_fields: Vec<(Field, Vec<OwnedValue>)> = self
            .text_fields
            .iter()
            .zip(view.index_texts())
            .filter(|(_, t)| !t.is_empty())
            .map(|(f, t)| (*f, vec![OwnedValue::Str(t)]))
            .collect();
        let mlt = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_max_doc_frequency(searcher.num_docs().max(1))
            .with_min_term_frequency(1)
            .with_min_word_length(3)
            .with_max_query_terms(30)
            .with_document_fields(doc_fields);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Should, Box::new(mlt)),
            (
                Occur::MustNot,
                Box::new(TermQuery::new(id_term, IndexRecordOption::Basic)),
            ),
        ];
        for (kind, value) in [
            (FacetKind::Category, view.event.category.as_str()),
            (FacetKind::Harm, view.event.harm.as_str()),
            (FacetKind::Setting, view.event.setting.as_str()),
        ] {
            let term = Term::from_facet(self.fields.facets, &facet(kind, value));
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    0.5,
                )),
            ));
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        Ok(RankedHits::new(
            self.ranked(&searcher, top)?,
            Arc::new(hits::HitMaker::new(None)),
        ))
    }
}

/// `query` required together with the facet filters.
fn with_filters(query: Box<dyn Query>, filters: &[(Occur, Box<dyn Query>)]) -> BooleanQuery {
    let mut clauses = Vec::with_capacity(filters.len() + 1);
    clauses.push((Occur::Must, query));
    clauses.extend(filters.iter().map(|(o, q)| (*o, q.box_clone())));
    BooleanQuery::new(clauses)
}

/// Wraps every excluded (`NOT`) clause of a parsed query in [`ForwardOnly`], recursively.
///
/// tantivy 0.27's exclusion asks an excluded docset whether it holds a document that may
/// lie behind its position; a phrase scorer asserts against that (tantivy issue #2811),
/// so `alarm NOT "rapid response team"` panicked in builds with debug assertions
/// (a 500 here). Release builds answer correctly, and so does the guard.
/// Refuses, before parsing, what the parser accepts but search cannot answer: a field
/// that is not a text field (`id:…`, `facets:…`) and wildcards (`summary:*`,
/// which tantivy runs as an exists-query on a field that has no fast values). Outside
/// double quotes only; a phrase may hold any character.
fn check_query_fields(query: &str) -> Result<(), SearchError> {
    let names: Vec<&str> = IndexField::ALL.iter().map(|f| f.name()).collect();
    let mut quoted = false;
    let mut word_start: Option<usize> = None;
    for (i, c) in query.char_indices() {
        if c == '"' {
            quoted = !quoted;
            word_start = None;
            continue;
        }
        if quoted {
            continue;
        }
        if c == '*' {
            return Err(SearchError::BadQuery(
                "wildcards (`*`) are not supported: write whole words or \"phrases\"".into(),
            ));
        }
        if c.is_alphanumeric() || c == '_' || c == '.' {
            word_start.get_or_insert(i);
            continue;
        }
        if c == ':' {
            if let Some(start) = word_start {
                let name = &query[start..i];
                let is_name = name.starts_with(|ch: char| ch.is_ascii_alphabetic());
                if is_name && !names.contains(&name) {
                    return Err(SearchError::BadQuery(format!(
                        "`{}` is not a field that can be searched; the fields are {}, \
                         and the filters {}",
                        crate::params::shown(name),
                        names.join(", "),
                        FacetKind::ALL
                            .iter()
                            .map(|k| format!("{}:", k.name()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
        word_start = None;
    }
    Ok(())
}

fn guard_exclusions(query: Box<dyn Query>) -> Box<dyn Query> {
    let Some(boolean) = query.downcast_ref::<BooleanQuery>() else {
        return query;
    };
    let clauses = boolean
        .clauses()
        .iter()
        .map(|(occur, sub)| {
            let sub = guard_exclusions(sub.box_clone());
            let sub: Box<dyn Query> = if *occur == Occur::MustNot {
                Box::new(ForwardOnly(sub))
            } else {
                sub
            };
            (*occur, sub)
        })
        .collect();
    Box::new(BooleanQuery::with_minimum_required_clauses(
        clauses,
        boolean.get_minimum_number_should_match(),
    ))
}

/// A query whose scorers never seek backwards (see [`guard_exclusions`]).
#[derive(Debug)]
struct ForwardOnly(Box<dyn Query>);

impl Clone for ForwardOnly {
    fn clone(&self) -> Self {
        ForwardOnly(self.0.box_clone())
    }
}

impl Query for ForwardOnly {
    fn weight(
        &self,
        enable_scoring: tantivy::query::EnableScoring<'_>,
    ) -> tantivy::Result<Box<dyn tantivy::query::Weight>> {
        Ok(Box::new(ForwardOnlyWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ForwardOnlyWeight(Box<dyn tantivy::query::Weight>);

impl tantivy::query::Weight for ForwardOnlyWeight {
    fn scorer(
        &self,
        reader: &tantivy::SegmentReader,
        boost: tantivy::Score,
    ) -> tantivy::Result<Box<dyn tantivy::query::Scorer>> {
        Ok(Box::new(ForwardOnlyScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(
        &self,
        reader: &tantivy::SegmentReader,
        doc: tantivy::DocId,
    ) -> tantivy::Result<tantivy::query::Explanation> {
        self.0.explain(reader, doc)
    }
}

/// Answers a seek to a document at or behind its position with its position, and leaves
/// `seek_danger` to the default implementation, which only ever seeks forwards.
struct ForwardOnlyScorer(Box<dyn tantivy::query::Scorer>);

impl tantivy::DocSet for ForwardOnlyScorer {
    fn advance(&mut self) -> tantivy::DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: tantivy::DocId) -> tantivy::DocId {
        let doc = self.0.doc();
        if target <= doc {
            return doc;
        }
        self.0.seek(target)
    }

    fn doc(&self) -> tantivy::DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl tantivy::query::Scorer for ForwardOnlyScorer {
    fn score(&mut self) -> tantivy::Score {
        self.0.score()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use super::*;

    #[test]
    fn an_excluded_phrase_is_asked_about_documents_behind_it() {
        let mut builder = Schema::builder();
        let text = builder.add_text_field("text", tantivy::schema::TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for body in ["alarm rapid response team", "alarm", "alarm", "alarm"] {
            writer.add_document(tantivy::doc!(text => body)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let parser = QueryParser::for_index(&index, vec![text]);
        let query = parser
            .parse_query("alarm NOT \"rapid response team\"")
            .unwrap();
        // Unguarded, this panics in tantivy's phrase scorer (debug assertions).
        let count = searcher.search(&guard_exclusions(query), &Count).unwrap();
        assert_eq!(count, 3);
        let query = parser
            .parse_query("alarm NOT (team OR \"response team\")")
            .unwrap();
        assert_eq!(
            searcher.search(&guard_exclusions(query), &Count).unwrap(),
            3
        );
    }

    fn view(summary: &str) -> SharedView {
        serde_json::from_value(serde_json::json!({
            "id": CaseId::random().to_string(),
            "event": {"year": 2024, "category": "fall", "harm": "mild", "setting": "inpatient",
                      "summary": summary},
            "patient": {},
            "timeline": {"closed_day": 30},
            "lessons_learned": "Hourly rounding.",
            "redaction": {"rule_set_version": "t", "counts": {}}
        }))
        .unwrap()
    }

    #[test]
    fn optimize_merges_segments_and_keeps_every_case() {
        let index = SearchIndex::open_in_ram(&IndexSettings::embedded()).unwrap();
        for seq in 1..=4 {
            let changes = vec![
                IndexChange::Upsert(view("Found on the floor by the bed alarm.")),
                IndexChange::Upsert(view("Heparin drip ran at ten times the rate.")),
            ];
            index.apply(&changes, seq).unwrap();
        }
        assert!(index.segment_count() > 1);
        let before = index
            .search(&SearchRequest::query("heparin"))
            .unwrap()
            .total;
        index.optimize().unwrap();
        assert_eq!(index.segment_count(), 1);
        assert_eq!(index.doc_count(), 8);
        assert_eq!(
            index
                .search(&SearchRequest::query("heparin"))
                .unwrap()
                .total,
            before
        );
        assert_eq!(before, 4);
        assert_eq!(index.last_applied_seq(), 4);
    }

    #[test]
    fn a_kept_answer_shows_each_case_as_the_store_holds_it_now() {
        use crate::store::PublishedText;
        let index = SearchIndex::open_in_ram(&IndexSettings::embedded()).unwrap();
        let (a, b) = (
            view("Heparin drip ran too fast."),
            view("Heparin bolus given twice."),
        );
        // A third case whose discussion's takeaways speak of heparin.
        let mut c = view("Found on the floor.");
        c.safe_table_takeaways = vec!["Heparin is checked by two nurses.".into()];
        index
            .apply(
                &[
                    IndexChange::Upsert(a.clone()),
                    IndexChange::Upsert(b.clone()),
                    IndexChange::Upsert(c),
                ],
                1,
            )
            .unwrap();
        let text = |v: &SharedView| PublishedText {
            id: v.id.clone().unwrap(),
            view: serde_json::to_string(v).unwrap(),
            takeaways: vec![],
        };
        let page = index
            .search_cached(&SearchRequest::query("heparin"))
            .unwrap();
        let summaries = |texts: &[PublishedText]| -> Vec<String> {
            let mut out: Vec<String> = page
                .results_from_texts(texts)
                .unwrap()
                .hits
                .into_iter()
                .map(|h| h.summary)
                .collect();
            out.sort();
            out
        };
        let first = summaries(&[text(&a), text(&b)]);
        assert_eq!(
            first.len(),
            2,
            "the third case is not among the texts given"
        );
        assert!(
            first.iter().all(|s| s.contains("<mark>Heparin</mark>")),
            "{first:?}"
        );
        assert_eq!(
            summaries(&[text(&a), text(&b)]),
            first,
            "made again, the same"
        );
        // A case corrected in the store after the answer was kept reads as corrected.
        let mut corrected = a.clone();
        corrected.event.summary = "Heparin infusion ran too fast.".into();
        let now = summaries(&[text(&corrected), text(&b)]);
        assert!(now.iter().any(|s| s.contains("infusion")), "{now:?}");
        assert!(!now.iter().any(|s| s.contains("drip")), "{now:?}");
        // So do a discussion's takeaways joined to it: its text is new.
        let mut with_takeaways = text(&b);
        with_takeaways.takeaways = vec!["Heparin double check at the bedside.".into()];
        let hits = page
            .results_from_texts(&[text(&corrected), with_takeaways])
            .unwrap()
            .hits;
        assert!(
            hits.iter()
                .any(|h| h.highlights.iter().any(|x| x.html.contains("bedside"))),
            "{hits:?}"
        );
        // A case no longer published (missing from what the store gives) is left out.
        let only = summaries(&[text(&b)]);
        assert_eq!(only.len(), 1);
        assert!(only[0].contains("bolus"), "{only:?}");
    }

    /// tantivy's own facet counts of `query`, as the index gave them before its tables.
    fn reference_counts(
        index: &SearchIndex,
        query: &dyn Query,
    ) -> BTreeMap<&'static str, BTreeMap<String, u64>> {
        let mut collector = tantivy::collector::FacetCollector::for_field("facets");
        for kind in FacetKind::ALL {
            collector.add_facet(Facet::from_path([kind.name()]));
        }
        let counts = index.reader.searcher().search(query, &collector).unwrap();
        FacetKind::ALL
            .iter()
            .map(|kind| {
                let values = counts
                    .get(Facet::from_path([kind.name()]))
                    .filter_map(|(f, n)| f.to_path().last().map(|v| ((*v).to_owned(), n)))
                    .collect();
                (kind.name(), values)
            })
            .collect()
    }

    #[test]
    fn facet_counts_equal_tantivys_across_segments_and_deletions() {
        let index = SearchIndex::open_in_ram(&IndexSettings::embedded()).unwrap();
        let (categories, harms) = (
            ["fall", "medication", "surgery-anesthesia"],
            ["mild", "severe", "death"],
        );
        let mut ids = Vec::new();
        for batch in 0..3 {
            let changes: Vec<IndexChange> = (0..7)
                .map(|i| {
                    let mut v: serde_json::Value = serde_json::to_value(view(if i % 2 == 0 {
                        "Heparin drip ran fast."
                    } else {
                        "Found on the floor."
                    }))
                    .unwrap();
                    v["event"]["category"] = categories[(batch + i) % 3].into();
                    v["event"]["harm"] = harms[i % 3].into();
                    v["event"]["year"] = (2020 + i as i64).into();
                    let v: SharedView = serde_json::from_value(v).unwrap();
                    ids.push(v.id.clone().unwrap());
                    IndexChange::Upsert(v)
                })
                .collect();
            index.apply(&changes, batch as i64 + 1).unwrap();
        }
        assert!(index.segment_count() > 1, "several segments");
        let check = |label: &str| {
            let all = index.search(&SearchRequest::default()).unwrap();
            assert_eq!(
                all.facets,
                reference_counts(&index, &AllQuery),
                "{label}: all"
            );
            let falls = index
                .search(&SearchRequest::default().filter(FacetKind::Category, "fall"))
                .unwrap();
            let term = Term::from_facet(index.fields.facets, &facet(FacetKind::Category, "fall"));
            let query = TermQuery::new(term, IndexRecordOption::Basic);
            assert_eq!(
                falls.facets,
                reference_counts(&index, &query),
                "{label}: falls"
            );
            assert!(
                falls.facets["category"]["fall"] > 0,
                "{label}: {:?}",
                falls.facets
            );
            assert!(
                !falls.facets["category"].contains_key("surgery-anesthesia"),
                "{label}"
            );
        };
        check("three segments");
        // A withdrawal: the deleted case is counted by neither.
        index
            .apply(&[IndexChange::Delete(ids[0].clone())], 4)
            .unwrap();
        check("after a deletion");
        let total: u64 = index.search(&SearchRequest::default()).unwrap().facets["harm"]
            .values()
            .sum();
        assert_eq!(total, 20);
        index.optimize().unwrap();
        check("one segment");
    }

    #[test]
    fn kept_answers_serve_one_generation_and_a_change_starts_afresh() {
        let index = SearchIndex::open_in_ram(&IndexSettings::embedded()).unwrap();
        index
            .apply(
                &[IndexChange::Upsert(view("Heparin drip ran too fast."))],
                1,
            )
            .unwrap();
        let request = SearchRequest::query("heparin");
        let first = index.search_cached(&request).unwrap();
        let again = index.search_cached(&request).unwrap();
        assert!(
            first.hits.shares_answer(&again.hits),
            "the same request is answered once"
        );
        assert_eq!(first.total, 1);
        let other = index.search_cached(&SearchRequest::query("floor")).unwrap();
        assert!(!first.hits.shares_answer(&other.hits));
        assert_eq!(other.total, 0);
        assert_eq!(index.answers.len(), 2);
        // A new case: the reader's new generation answers afresh, with the new case.
        index
            .apply(
                &[IndexChange::Upsert(view("Heparin bolus given twice."))],
                2,
            )
            .unwrap();
        let after = index.search_cached(&request).unwrap();
        assert!(!first.hits.shares_answer(&after.hits));
        assert_eq!(after.total, 2);
        assert_eq!(
            index.answers.len(),
            1,
            "the older generation's answers are dropped"
        );
        // Another page of the same query is a slice of the same answer.
        let mut page2 = request.clone();
        page2.offset = 1;
        page2.limit = 1;
        let second = index.search_cached(&page2).unwrap();
        assert!(after.hits.shares_answer(&second.hits));
        assert_eq!(index.answers.len(), 1);
        assert_eq!((second.total, second.offset, second.limit), (2, 1, 1));
        assert_eq!(second.hits.ids().len(), 1);
        assert_eq!(second.hits.ids()[0], after.hits.ids()[1], "the second hit");
        // Filters are part of the key.
        let filtered = request.clone().filter(FacetKind::Harm, "death");
        assert!(!after
            .hits
            .shares_answer(&index.search_cached(&filtered).unwrap().hits));
        // A page deeper than kept ranks deeper, still the same order.
        let mut deep = request.clone();
        deep.offset = cache::FIRST_DEPTH;
        assert_eq!(index.search_cached(&deep).unwrap().hits.ids().len(), 0);
    }

    /// An index and the views it was given, standing for the store: searches make their
    /// hits from those views, as the search service does from the published ones.
    struct Indexed {
        index: SearchIndex,
        views: HashMap<CaseId, SharedView>,
    }

    impl Indexed {
        fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
            let page = self.index.search(request)?;
            let views = page
                .hits
                .ids()
                .iter()
                .filter_map(|id| self.views.get(id).cloned())
                .collect::<Vec<_>>();
            Ok(page.into_results(views))
        }
    }

    /// An index holding one view per `(category, summary)`, and their ids in order.
    fn index_of(cases: &[(&str, &str)]) -> (Indexed, Vec<String>) {
        let index = SearchIndex::open_in_ram(&IndexSettings::embedded()).unwrap();
        let mut ids = Vec::new();
        let mut views = HashMap::new();
        let changes: Vec<IndexChange> = cases
            .iter()
            .map(|(category, summary)| {
                let mut v = view(summary);
                v.event.category = crate::case::Category::parse(category).unwrap();
                ids.push(v.id.as_ref().unwrap().to_string());
                views.insert(v.id.clone().unwrap(), v.clone());
                IndexChange::Upsert(v)
            })
            .collect();
        index.apply(&changes, 1).unwrap();
        (Indexed { index, views }, ids)
    }

    fn hits(results: &SearchResults) -> Vec<String> {
        results.hits.iter().map(|h| h.id.to_string()).collect()
    }

    #[test]
    fn words_that_find_nothing_together_are_dropped_from_the_end() {
        let (index, ids) = index_of(&[
            ("fall", "Found on the floor after a fall; hip fracture."),
            ("medication", "The injury followed a heparin overdose."),
            ("fall", "A fall on the stairs without harm."),
        ]);
        let r = index
            .search(&SearchRequest::query("fall with injury"))
            .unwrap();
        assert_eq!(r.total, 2);
        assert_eq!(
            r.relaxed,
            Some(RelaxedQuery {
                matched_terms: vec!["fall".into()],
                dropped_terms: vec!["injury".into()],
            })
        );
        // Cases with more of the dropped words rank first.
        let r = index
            .search(&SearchRequest::query("fall injury fracture"))
            .unwrap();
        assert_eq!(hits(&r), [ids[0].clone(), ids[2].clone()]);
        assert_eq!(
            r.relaxed.unwrap().dropped_terms,
            ["injury".to_owned(), "fracture".to_owned()]
        );
        // The words kept are the longest run from the start that finds something.
        let r = index
            .search(&SearchRequest::query("heparin injury fall"))
            .unwrap();
        assert_eq!(hits(&r), [ids[1].clone()]);
        assert_eq!(r.relaxed.unwrap().matched_terms, ["heparin", "injury"]);
        // Found as typed: no relaxation; nothing to drop: nothing found.
        let r = index
            .search(&SearchRequest::query("fall fracture"))
            .unwrap();
        assert_eq!((r.total, r.relaxed), (1, None));
        let r = index
            .search(&SearchRequest::query("\"fall injury\""))
            .unwrap();
        assert_eq!((r.total, r.relaxed), (0, None));
        // Filters hold while relaxing.
        let r = index
            .search(&SearchRequest::query("heparin injury").filter(FacetKind::Category, "fall"))
            .unwrap();
        assert_eq!(r.total, 0);
    }

    #[test]
    fn a_typo_finds_the_word_ranked_below_an_exact_match() {
        let (index, ids) = index_of(&[
            (
                "medication",
                "Hydromorphone 2 mg IV was given instead of morphine.",
            ),
            ("medication", "Hydromorphine was charted at the bedside."),
            ("medication", "Morphine 2 mg IV was given."),
        ]);
        let r = index
            .search(&SearchRequest::query("hydromorphine"))
            .unwrap();
        assert_eq!(hits(&r), [ids[1].clone(), ids[0].clone()]);
        assert!(r.hits[0].score > r.hits[1].score);
        assert_eq!(r.relaxed, None);
        // The near match is highlighted too.
        assert!(
            r.hits[1].summary.contains("<mark>Hydromorphone</mark>"),
            "{:?}",
            r.hits[1]
        );
        // Two typos in a long word.
        let r = index
            .search(&SearchRequest::query("hydromorpohne"))
            .unwrap();
        assert!(hits(&r).contains(&ids[0]), "{r:?}");
    }

    #[test]
    fn short_words_and_confusable_words_match_exactly() {
        let (index, _) = index_of(&[
            (
                "medication",
                "Hyperglycemia after the PCB dose; NSTEMI ruled out.",
            ),
            ("medication", "Dysphasia after the stroke."),
        ]);
        for q in ["hypoglycemia", "pca", "stemi", "dysphagia"] {
            let r = index.search(&SearchRequest::query(q)).unwrap();
            assert_eq!(r.total, 0, "{q} found {r:?}");
        }
        let r = index
            .search(&SearchRequest::query("hyperglycemia"))
            .unwrap();
        assert_eq!(r.total, 1);
    }

    #[test]
    fn a_facet_term_in_the_query_is_the_facet_filter() {
        let (index, ids) = index_of(&[
            ("fall", "Bed alarm silenced before the fall."),
            ("device", "The pump alarm was silenced."),
            ("fall", "Found on the floor."),
        ]);
        let typed = index
            .search(&SearchRequest::query("category:fall alarm"))
            .unwrap();
        let filtered = index
            .search(&SearchRequest::query("alarm").filter(FacetKind::Category, "fall"))
            .unwrap();
        assert_eq!(hits(&typed), [ids[0].clone()]);
        assert_eq!(hits(&typed), hits(&filtered));
        assert_eq!(typed.facets["category"], filtered.facets["category"]);
        let all_falls = index
            .search(&SearchRequest::query("category:fall"))
            .unwrap();
        assert_eq!(all_falls.total, 2);
        let e = index
            .search(&SearchRequest::query("category:falls"))
            .unwrap_err();
        assert!(matches!(e, SearchError::BadQuery(_)));
    }

    #[test]
    fn errors_quote_the_query_as_typed_never_its_synonyms() {
        let (index, _) = index_of(&[("medication", "Furosemide twice.")]);
        for q in [
            "(lasix",
            "lasix AND",
            "\"lasix",
            "lasix)",
            "rrt OR",
            "summary:",
        ] {
            let Err(SearchError::BadQuery(message)) = index.search(&SearchRequest::query(q)) else {
                panic!("{q} was accepted");
            };
            for expansion in ["furosemide", "rapid response", " OR rapid"] {
                assert!(!message.contains(expansion), "{q}: {message}");
            }
            assert!(
                message.contains(q),
                "{q}: the message does not quote it: {message}"
            );
        }
    }

    /// Every term of every text field in every segment, deleted documents' included.
    fn terms(index: &SearchIndex) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for segment in index.reader.searcher().segment_readers() {
            for field in index.text_fields {
                let inverted = segment.inverted_index(field).unwrap();
                let mut stream = inverted.terms().stream().unwrap();
                while stream.advance() {
                    out.insert(String::from_utf8_lossy(stream.key()).into_owned());
                }
            }
        }
        out
    }

    /// The files of `dir` that hold `needle`.
    fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| {
                let bytes = std::fs::read(e.path()).unwrap_or_default();
                bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            })
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_withdrawn_case_leaves_no_index_file_holding_it() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), &IndexSettings::embedded()).unwrap();
        // Three commits, three segments; the case to withdraw in the second.
        let canary = view("Quibblewortine was hung instead of saline.");
        let id = canary.id.clone().unwrap();
        let mut others = Vec::new();
        for seq in 1..=3 {
            let mut changes = vec![IndexChange::Upsert(view("Heparin drip ran too fast."))];
            if seq == 2 {
                changes.push(IndexChange::Upsert(canary.clone()));
            }
            for c in &changes {
                if let IndexChange::Upsert(v) = c {
                    others.push(v.id.clone().unwrap());
                }
            }
            index.apply(&changes, seq).unwrap();
        }
        others.retain(|o| *o != id);
        let before: BTreeSet<SegmentId> = index
            .index
            .searchable_segment_ids()
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(before.len(), 3);
        assert!(terms(&index).iter().any(|t| t.contains("quibblewort")));
        assert!(!files_holding(dir.path(), id.as_str()).is_empty());

        index.apply(&[IndexChange::Delete(id.clone())], 4).unwrap();
        assert_eq!(index.doc_count(), 3);
        assert_eq!(index.last_applied_seq(), 4);
        let page = index
            .search(&SearchRequest::query("quibblewortine"))
            .unwrap();
        assert_eq!(page.total, 0);
        let terms = terms(&index);
        assert!(
            terms.iter().all(|t| !t.contains("quibblewort")),
            "{terms:?}"
        );
        assert_eq!(files_holding(dir.path(), id.as_str()), Vec::<String>::new());
        for segment in index.index.searchable_segment_metas().unwrap() {
            assert!(!segment.has_deletes());
        }
        // Only the segment that held the case was rewritten.
        let after: BTreeSet<SegmentId> = index
            .index
            .searchable_segment_ids()
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(
            before.intersection(&after).count(),
            2,
            "{before:?} {after:?}"
        );
        let page = index.search(&SearchRequest::query("heparin")).unwrap();
        let mut found = page.hits.ids();
        found.sort();
        others.sort();
        assert_eq!(found, others);
        // Reopened, the index is the same (no purge was left owed).
        drop(index);
        let index = SearchIndex::open(dir.path(), &IndexSettings::embedded()).unwrap();
        assert_eq!((index.doc_count(), index.last_applied_seq()), (3, 4));
    }

    #[test]
    fn a_case_indexed_again_keeps_no_trace_of_its_previous_view() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), &IndexSettings::embedded()).unwrap();
        let mut first = view("Quibblewortine was hung instead of saline.");
        index
            .apply(
                &[
                    IndexChange::Upsert(view("Heparin drip ran too fast.")),
                    IndexChange::Upsert(first.clone()),
                ],
                1,
            )
            .unwrap();
        // A curator's re-redaction: the same case, another text.
        first.event.summary = "Saline was hung instead of the ordered infusion.".into();
        index.apply(&[IndexChange::Upsert(first)], 2).unwrap();
        assert_eq!(index.doc_count(), 2);
        let terms = terms(&index);
        assert!(
            terms.iter().all(|t| !t.contains("quibblewort")),
            "{terms:?}"
        );
        assert!(terms.contains("salin"), "{terms:?}");
        for segment in index.index.searchable_segment_metas().unwrap() {
            assert!(!segment.has_deletes());
        }
    }

    #[test]
    fn no_index_file_holds_view_text_or_json() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), &IndexSettings::embedded()).unwrap();
        let changes: Vec<IndexChange> = [
            "Found on the floor by the bed alarm.",
            "Heparin drip ran at ten times the rate.",
        ]
        .iter()
        .map(|s| IndexChange::Upsert(view(s)))
        .collect();
        index.apply(&changes, 1).unwrap();
        index.optimize().unwrap();
        for needle in [
            "\"event\"",
            "\"lessons_learned\"",
            "\"rule_set_version\"",
            "Hourly rounding",
            "ten times the rate",
            "Heparin",
        ] {
            assert_eq!(
                files_holding(dir.path(), needle),
                Vec::<String>::new(),
                "{needle}"
            );
        }
        let r = index.search(&SearchRequest::query("heparin")).unwrap();
        assert_eq!(r.total, 1);
    }

    #[test]
    fn an_index_written_with_the_stored_view_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        {
            // The schema before: the whole view stored next to the indexed fields.
            let mut b = Schema::builder();
            let id = b.add_text_field("id", STRING | STORED);
            let stored = b.add_text_field("view", STORED);
            b.add_facet_field("facets", FacetOptions::default());
            for field in IndexField::ALL {
                b.add_text_field(field.name(), tantivy::schema::TEXT);
            }
            let old = Index::create_in_dir(dir.path(), b.build()).unwrap();
            let mut writer: IndexWriter = old.writer_with_num_threads(1, 15_000_000).unwrap();
            let v = view("Quibblewortine was hung.");
            writer
                .add_document(tantivy::doc!(
                    id => v.id.as_ref().unwrap().as_str(),
                    stored => serde_json::to_string(&v).unwrap()
                ))
                .unwrap();
            let mut commit = writer.prepare_commit().unwrap();
            commit.set_payload("7");
            commit.commit().unwrap();
        }
        assert!(!files_holding(dir.path(), "Quibblewortine").is_empty());
        let index = SearchIndex::open(dir.path(), &IndexSettings::embedded()).unwrap();
        // Position 0: the follower replays the change log into the new index.
        assert_eq!((index.doc_count(), index.last_applied_seq()), (0, 0));
        assert_eq!(
            files_holding(dir.path(), "Quibblewortine"),
            Vec::<String>::new()
        );
        assert_eq!(files_holding(dir.path(), "\"event\""), Vec::<String>::new());
    }
}
