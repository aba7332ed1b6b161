//! The hits of a search, made from the cases' published views: the index stores no text,
//! so it answers ranked ids ([`RankedHits`], [`SearchPage`]) and the caller hands over the
//! views of that page, read from the store; the summary, the highlighted passages and the
//! facts a hit shows come from them.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::snippet::SnippetGenerator;

use super::{escape_html, Highlight, RelaxedQuery, SearchHit, SearchResults, SNIPPET_CHARS};
use crate::case::{CaseId, IndexField, SharedView};
use crate::store::{PublishedText, StoreError};

/// A page of hits as the index ranks them: case ids and scores, and what highlights the
/// query's terms. The index stores no text, so the passages are made from the cases'
/// published views, read from the store for this page only ([`RankedHits::into_hits`]).
pub struct RankedHits {
    ranked: Vec<(CaseId, f32)>,
    /// What makes the hits, shared by every page of one answer.
    maker: Arc<HitMaker>,
}

/// Most hits one answer keeps made (its first three pages of ten).
const MAX_MADE: usize = 30;

/// Makes the hits of one answer from the cases' stored text, and keeps the first
/// [`MAX_MADE`].
pub(super) struct HitMaker {
    /// One per text field, in the order of [`IndexField::ALL`]; `None` when no text was
    /// queried (a listing, similar cases): the summary's opening then stands for the case.
    generators: Option<Vec<SnippetGenerator>>,
    /// The hits made so far, each with the fingerprint of the stored text it was made
    /// from ([`RankedHits::hits_from_texts`]).
    made: Mutex<HashMap<CaseId, (u64, SearchHit)>>,
}

impl HitMaker {
    pub(super) fn new(generators: Option<Vec<SnippetGenerator>>) -> Self {
        HitMaker {
            generators,
            made: Mutex::default(),
        }
    }
}

/// The index's answer to a query and its filters, for one searcher generation: the
/// total, the facet counts, and the documents ranked to some depth (their addresses hold
/// for that generation only). A page is a slice of it ([`SearchIndex::search_cached`]).
///
/// [`SearchIndex::search_cached`]: super::SearchIndex::search_cached
pub(super) struct Answer {
    pub(super) total: usize,
    pub(super) facets: BTreeMap<&'static str, BTreeMap<String, u64>>,
    pub(super) relaxed: Option<RelaxedQuery>,
    pub(super) top: Vec<(f32, tantivy::DocAddress)>,
    pub(super) maker: Arc<HitMaker>,
}

impl Answer {
    /// Whether the ranking reaches `depth` documents, or every match.
    pub(super) fn covers(&self, depth: usize) -> bool {
        self.top.len() >= depth.min(self.total)
    }
}

/// A keyed digest of a published case's stored text (its view and its takeaways): equal
/// digests mean the same text. The key is drawn once per process, so nobody can write a
/// view whose digest matches another's.
fn fingerprint(text: &PublishedText) -> u64 {
    static KEY: OnceLock<std::hash::RandomState> = OnceLock::new();
    KEY.get_or_init(std::hash::RandomState::new)
        .hash_one((&text.view, &text.takeaways))
}

impl RankedHits {
    pub(super) fn new(ranked: Vec<(CaseId, f32)>, maker: Arc<HitMaker>) -> Self {
        RankedHits { ranked, maker }
    }

    /// Whether `other` is a page of the same answer (for tests).
    #[cfg(test)]
    pub(super) fn shares_answer(&self, other: &RankedHits) -> bool {
        Arc::ptr_eq(&self.maker, &other.maker)
    }

    /// The ids of the page, best first.
    pub fn ids(&self) -> Vec<CaseId> {
        self.ranked.iter().map(|(id, _)| id.clone()).collect()
    }

    /// The hits, best first, made from the published views of the page's cases. A case
    /// with no view among `views` (withdrawn after the index was searched, before the
    /// index applied it) is left out: what is shown is only ever what is published now.
    pub fn into_hits(self, views: impl IntoIterator<Item = SharedView>) -> Vec<SearchHit> {
        self.hits(views)
    }

    /// [`RankedHits::into_hits`] without giving up the ranking (an answer the index keeps
    /// serves many requests).
    pub fn hits(&self, views: impl IntoIterator<Item = SharedView>) -> Vec<SearchHit> {
        let mut views: HashMap<CaseId, SharedView> = views
            .into_iter()
            .filter_map(|v| v.id.clone().map(|id| (id, v)))
            .collect();
        let generators = self.maker.generators.as_deref();
        self.ranked
            .iter()
            .filter_map(|(id, score)| {
                let view = views.remove(id)?;
                Some(hit(id.clone(), *score, &view, generators))
            })
            .collect()
    }
}

impl RankedHits {
    /// [`RankedHits::hits`] from the page's cases as the store holds them now. An answer
    /// the index keeps serves many requests: a hit made before from the same stored text
    /// is shown again as it was made, and only a case whose text is new or changed is
    /// parsed and highlighted. A case missing from `texts` (withdrawn meanwhile) is left
    /// out, as in [`RankedHits::hits`].
    pub fn hits_from_texts(&self, texts: &[PublishedText]) -> Result<Vec<SearchHit>, StoreError> {
        let by_id: HashMap<&CaseId, &PublishedText> = texts.iter().map(|t| (&t.id, t)).collect();
        let generators = self.maker.generators.as_deref();
        let mut out = Vec::with_capacity(self.ranked.len());
        for (id, score) in &self.ranked {
            let Some(text) = by_id.get(id) else {
                continue;
            };
            let print = fingerprint(text);
            let kept = self
                .maker
                .made
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(id)
                .filter(|(p, _)| *p == print)
                .map(|(_, hit)| hit.clone());
            let made = match kept {
                Some(hit) => hit,
                None => {
                    let hit = hit(id.clone(), *score, &text.parse()?, generators);
                    let mut made = self
                        .maker
                        .made
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    // Bounded: the first pages are read most; deeper hits are made again.
                    if made.len() < MAX_MADE || made.contains_key(id) {
                        made.insert(id.clone(), (print, hit.clone()));
                    }
                    hit
                }
            };
            out.push(made);
        }
        Ok(out)
    }
}

/// What the index answers to a search: the total and the facet counts of the whole result
/// set, and the ranked page ([`SearchPage::into_results`] makes it [`SearchResults`]).
pub struct SearchPage {
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub facets: BTreeMap<&'static str, BTreeMap<String, u64>>,
    pub relaxed: Option<RelaxedQuery>,
    pub hits: RankedHits,
}

impl SearchPage {
    /// The results, with the hits made from the published views of the page's cases
    /// (see [`RankedHits::into_hits`]).
    pub fn into_results(self, views: impl IntoIterator<Item = SharedView>) -> SearchResults {
        SearchResults {
            total: self.total,
            offset: self.offset,
            limit: self.limit,
            hits: self.hits.into_hits(views),
            facets: self.facets,
            relaxed: self.relaxed,
        }
    }

    /// [`SearchPage::into_results`] from the page's cases as the store holds them now
    /// ([`RankedHits::hits_from_texts`]).
    pub fn results_from_texts(&self, texts: &[PublishedText]) -> Result<SearchResults, StoreError> {
        Ok(SearchResults {
            total: self.total,
            offset: self.offset,
            limit: self.limit,
            hits: self.hits.hits_from_texts(texts)?,
            facets: self.facets.clone(),
            relaxed: self.relaxed.clone(),
        })
    }
}

/// The hit of a case from its published view: the summary and the other fields' passages
/// that match, highlighted by `generators` (one per text field), or the summary's opening.
fn hit(
    id: CaseId,
    score: f32,
    view: &SharedView,
    generators: Option<&[SnippetGenerator]>,
) -> SearchHit {
    let mut summary = None;
    let mut highlights = Vec::new();
    if let Some(generators) = generators {
        let texts = view.index_texts();
        for ((kind, text), generator) in IndexField::ALL.iter().zip(&texts).zip(generators) {
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
                highlights.push(Highlight {
                    field: kind.name(),
                    html,
                });
            }
        }
    }
    let summary = summary.unwrap_or_else(|| excerpt(&view.event.summary, SNIPPET_CHARS));
    SearchHit {
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
    fn excerpts_cut_at_words() {
        assert_eq!(excerpt("one two three", 100), "one two three");
        assert_eq!(excerpt("one two three", 9), "one two…");
    }
}
