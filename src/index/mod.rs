//! The search index: published shared views only, in tantivy.
//!
//! Text fields (summary, findings, notes, lessons, improvement actions) are analysed with
//! [`analysis::case_text_analyzer`]; lessons and actions weigh double. Every facet of a
//! case (category, harm, setting, contributing factors, action strength and status, review
//! method, standard of care, compensation, year, age band) is a tantivy facet under its
//! own root (`/harm/severe`), counted for the current query by one collector.
//!
//! The index is written only through [`SearchIndex::apply`], which records in the commit
//! payload the last change-log sequence it applied: index content and position move
//! together, so a crash at any point is repaired by replaying the log from that position.

mod analysis;
mod request;
mod synonyms;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, MoreLikeThisQuery, Occur, Query, QueryParser,
    TermQuery,
};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, OwnedValue, Schema, TextFieldIndexing,
    TextOptions, Value, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

pub use analysis::{escape_html, placeholder_len};
pub use request::{
    shown_parameter, FacetKind, SearchRequest, MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS,
};
pub use synonyms::{SynonymError, Synonyms};

use crate::case::{CaseId, IndexField, SharedView};

/// Memory the index writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;

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
    #[error("stored view does not read back: {0}")]
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
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    view: Field,
    facets: Field,
}

fn schema() -> Schema {
    let mut b = Schema::builder();
    b.add_text_field("id", STRING | STORED);
    b.add_text_field("view", STORED);
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
        view: f("view")?,
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
    synonyms: Synonyms,
    /// Built once: the schema and analyzers do not change for the life of the index.
    parser: QueryParser,
    applied: AtomicI64,
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
        Self::with_index(index, settings)
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
            text_fields,
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            synonyms: settings.synonyms.clone(),
            applied: AtomicI64::new(applied),
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

    fn document(&self, view: &SharedView, id: &CaseId) -> Result<TantivyDocument, SearchError> {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, id.as_str());
        let json = serde_json::to_string(view).map_err(|e| SearchError::Corrupt(e.to_string()))?;
        doc.add_text(f.view, json);
        for (kind, value) in facet_values(view) {
            doc.add_facet(f.facets, facet(kind, &value));
        }
        for (field, text) in self.text_fields.iter().zip(view.index_texts()) {
            if !text.is_empty() {
                doc.add_text(*field, text);
            }
        }
        Ok(doc)
    }

    /// Applies changes and commits them together with `last_seq`, the change-log position
    /// they bring the index to.
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
                    writer.add_document(self.document(view, id)?)?;
                }
                IndexChange::Delete(id) => {
                    writer.delete_term(Term::from_field_text(self.fields.id, id.as_str()));
                }
            }
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&last_seq.to_string());
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        self.applied.store(last_seq, Ordering::SeqCst);
        Ok(())
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

    /// Empties the index and sets its position to 0.
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        writer.delete_all_documents()?;
        let mut commit = writer.prepare_commit()?;
        commit.set_payload("0");
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
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

    /// Answers a search: the page of hits with snippets, the total and the facet counts.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let text_query: Option<Box<dyn Query>> = match request.query.as_deref() {
            Some(q) => {
                check_query_fields(q)?;
                let expanded = self.synonyms.expand(q);
                // The parser's own message quotes the query: not repeated.
                // The parser's own message quotes the query: not repeated.
                let parsed = self.parser.parse_query(&expanded).map_err(|_| {
                    SearchError::BadQuery(
                        "the query does not parse; write words, \"phrases\", AND/OR/NOT, \
                         parentheses, or field:word with a field among summary, findings, \
                         notes, lessons, actions, service, roles"
                            .into(),
                    )
                })?;
                Some(guard_exclusions(parsed))
            }
            None => None,
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        clauses.push((
            Occur::Must,
            match &text_query {
                Some(q) => q.box_clone(),
                None => Box::new(AllQuery),
            },
        ));
        for (kind, values) in &request.filters {
            if !values.is_empty() {
                clauses.push((Occur::Must, self.filter_query(*kind, values)));
            }
        }
        let query = BooleanQuery::new(clauses);

        let mut facets = FacetCollector::for_field("facets");
        for kind in FacetKind::ALL {
            facets.add_facet(Facet::from_path([kind.name()]));
        }
        let top = TopDocs::with_limit(request.limit)
            .and_offset(request.offset)
            .order_by_score();
        let (top, total, facet_counts) = searcher.search(&query, &(top, Count, facets))?;

        let mut facet_out = BTreeMap::new();
        for kind in FacetKind::ALL {
            let counts: BTreeMap<String, u64> = facet_counts
                .get(Facet::from_path([kind.name()]))
                .filter_map(|(facet, count)| {
                    facet.to_path().last().map(|v| ((*v).to_owned(), count))
                })
                .collect();
            facet_out.insert(kind.name(), counts);
        }

        let generators = match &text_query {
            Some(q) => self
                .text_fields
                .iter()
                .map(|f| {
                    let mut g = SnippetGenerator::create(&searcher, q.as_ref(), *f)?;
                    g.set_max_num_chars(SNIPPET_CHARS);
                    Ok(Some(g))
                })
                .collect::<Result<Vec<_>, tantivy::TantivyError>>()?,
            None => vec![None, None, None, None, None, None],
        };
        let hits = top
            .into_iter()
            .map(|(score, addr)| self.hit(&searcher, addr, score, &generators))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SearchResults {
            total,
            offset: request.offset,
            limit: request.limit,
            hits,
            facets: facet_out,
        })
    }

    fn view_at(&self, searcher: &Searcher, addr: DocAddress) -> Result<SharedView, SearchError> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let json = doc
            .get_first(self.fields.view)
            .and_then(|v| v.as_str())
            .ok_or_else(|| SearchError::Corrupt("document without view".into()))?;
        serde_json::from_str(json).map_err(|e| SearchError::Corrupt(e.to_string()))
    }

    fn hit(
        &self,
        searcher: &Searcher,
        addr: DocAddress,
        score: f32,
        generators: &[Option<SnippetGenerator>],
    ) -> Result<SearchHit, SearchError> {
        let view = self.view_at(searcher, addr)?;
        let id = view
            .id
            .clone()
            .ok_or_else(|| SearchError::Corrupt("view without id".into()))?;
        let texts = view.index_texts();
        let mut summary = None;
        let mut highlights = Vec::new();
        for ((kind, text), generator) in IndexField::ALL.iter().zip(&texts).zip(generators) {
            let name = kind.name();
            let Some(generator) = generator else { continue };
            if text.is_empty() {
                continue;
            }
            let snippet = generator.snippet(text);
            if snippet.is_empty() {
                continue;
            }
            let html = mark(snippet.fragment(), snippet.highlighted());
            if *kind == IndexField::Summary {
                summary = Some(html);
            } else {
                highlights.push(Highlight { field: name, html });
            }
        }
        let summary = summary.unwrap_or_else(|| excerpt(&view.event.summary, SNIPPET_CHARS));
        Ok(SearchHit {
            id,
            score,
            year: view.event.year,
            category: view.event.category,
            harm: view.event.harm,
            setting: view.event.setting,
            strengths: crate::case::ActionStrength::ALL
                .iter()
                .copied()
                .filter(|s| view.improvement_actions.iter().any(|a| a.strength == *s))
                .collect(),
            summary,
            highlights,
        })
    }

    /// Published cases most like `id`: more-like-this over its text, nudged towards the
    /// same category, harm and setting. [`SearchError::NotFound`] if it is not indexed.
    pub fn similar(&self, id: &CaseId, limit: usize) -> Result<Vec<SearchHit>, SearchError> {
        let searcher = self.reader.searcher();
        let id_term = Term::from_field_text(self.fields.id, id.as_str());
        let found = searcher.search(
            &TermQuery::new(id_term.clone(), IndexRecordOption::Basic),
            &TopDocs::with_limit(1).order_by_score(),
        )?;
        let Some((_, addr)) = found.first().copied() else {
            return Err(SearchError::NotFound);
        };
        let view = self.view_at(&searcher, addr)?;
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
        let none: Vec<Option<SnippetGenerator>> = vec![None, None, None, None, None, None];
        top.into_iter()
            .map(|(score, addr)| self.hit(&searcher, addr, score, &none))
            .collect()
    }
}

/// Wraps every excluded (`NOT`) clause of a parsed query in [`ForwardOnly`], recursively.
///
/// tantivy 0.27's exclusion asks an excluded docset whether it holds a document that may
/// lie behind its position; a phrase scorer asserts against that (tantivy issue #2811),
/// so `alarm NOT "rapid response team"` panicked in builds with debug assertions
/// (a 500 here). Release builds answer correctly, and so does the guard.
/// Refuses, before parsing, what the parser accepts but search cannot answer: a field
/// that is not a text field (`id:…`, `view:…`, `facets:…`) and wildcards (`summary:*`,
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
                        "`{}` is not a field that can be searched; the fields are {}",
                        crate::index::shown_parameter(name),
                        names.join(", ")
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

/// `fragment` escaped, with each highlighted range in `<mark>`.
fn mark(fragment: &str, highlighted: &[std::ops::Range<usize>]) -> String {
    let mut out = String::with_capacity(fragment.len() + 32);
    let mut at = 0;
    let mut ranges: Vec<_> = highlighted
        .iter()
        .filter(|r| r.start <= r.end && r.end <= fragment.len())
        .filter(|r| fragment.is_char_boundary(r.start) && fragment.is_char_boundary(r.end))
        .cloned()
        .collect();
    ranges.sort_by_key(|r| r.start);
    for r in ranges {
        if r.start < at {
            continue;
        }
        escape_html(&fragment[at..r.start], &mut out);
        out.push_str("<mark>");
        escape_html(&fragment[r.clone()], &mut out);
        out.push_str("</mark>");
        at = r.end;
    }
    escape_html(&fragment[at..], &mut out);
    out
}

/// The first `max` characters of `text`, escaped, cut at a word boundary.
fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    let cut = text.char_indices().nth(max).map(|(i, _)| i);
    match cut {
        None => escape_html(text, &mut out),
        Some(i) => {
            let head = &text[..i];
            let head = head.rfind(' ').map_or(head, |j| &head[..j]);
            escape_html(head, &mut out);
            out.push('…');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn marks_escape_everything_outside_and_inside() {
        assert_eq!(
            mark("a <b> heparin & c", &[(6..13)]),
            "a &lt;b&gt; <mark>heparin</mark> &amp; c"
        );
        assert_eq!(mark("<x>", &[(0..99)]), "&lt;x&gt;");
    }

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
    fn excerpts_cut_at_words() {
        assert_eq!(excerpt("one two three", 100), "one two three");
        assert_eq!(excerpt("one two three", 9), "one two…");
    }
}
