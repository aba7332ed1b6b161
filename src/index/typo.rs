//! Typo tolerance, as Meilisearch practises it: a word of 5 to 8 letters also finds the
//! index terms one edit away, a longer word those two edits away (a transposition is one
//! edit); shorter words, numbers and the words of the synonym list (which holds the
//! clinical abbreviations, already spelled every way they are written) match exactly.
//!
//! The terms a typo may stand for are looked up in the term dictionaries once per word and
//! request, capped at [`MAX_TERMS`], and added to the query as alternatives that weigh
//! [`TYPO_BOOST`] of an exact match: a case with the word as typed ranks above one that
//! has it one letter off, and highlighting marks the near match too.

use std::collections::HashMap;

use tantivy::query::FuzzyTermQuery;
use tantivy::query_grammar::{Delimiter, Occur, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::Field;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{Searcher, Term};

use super::cache::Kept;
use super::synonyms::Synonyms;

/// Weight of a near match relative to an exact one.
pub const TYPO_BOOST: f64 = 0.2;
/// Most index terms one typed word may stand for.
pub const MAX_TERMS: usize = 8;
/// Most dictionary entries looked at per word, field and segment.
const MAX_SCANNED: usize = 256;

/// Words a letter or two apart that name different things: a typo must not turn one into
/// the other. Each entry is a pair of stems (as the index holds them) or, with a trailing
/// `-`, of word beginnings. Written for this project from well-known clinical confusions
/// (prefixes of opposite meaning; sound-alike anatomy and symptoms; drug names on the
/// ISMP list of confused drug names that are within two edits of each other).
const CONFUSABLE: &[(&str, &str)] = &[
    ("hypo-", "hyper-"),
    ("intra-", "inter-"),
    ("micro-", "macro-"),
    ("ante-", "anti-"),
    ("abduct", "adduct"),
    ("dysphagia", "dysphasia"),
    ("ileum", "ilium"),
    ("perineal", "peroneal"),
    ("prednison", "prednisolon"),
    ("hydroxyzin", "hydralazin"),
    ("quinin", "quinidin"),
    ("celexa", "celebrex"),
    ("zyrtec", "zyprexa"),
    ("novolog", "novolin"),
    ("humalog", "humulin"),
    ("clonidin", "klonopin"),
];

fn confusable(a: &str, b: &str) -> bool {
    CONFUSABLE.iter().any(|(x, y)| {
        let pair = |p: &str, q: &str| match (p.strip_suffix('-'), q.strip_suffix('-')) {
            (Some(p), Some(q)) => a.starts_with(p) && b.starts_with(q),
            _ => a == p && b == q,
        };
        pair(x, y) || pair(y, x)
    })
}

/// The edits a typo in `term` (an index term) may have, if it may have any.
pub fn allowed_edits(term: &str) -> Option<u8> {
    if !term.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    match term.len() {
        0..=4 => None,
        5..=8 => Some(1),
        _ => Some(2),
    }
}

/// Index terms of `text` as the case-text analyzer makes them.
pub fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Most words whose near terms one searcher generation keeps.
const KEPT_WORDS: usize = 4096;

/// The near terms found for words, kept for the searcher generation that found them (a
/// generation never changes its term dictionaries), so that a word typed again costs no
/// dictionary scan. Keyed by a digest of the field and the word: what a member typed is
/// not kept, only index terms.
pub struct NearTerms(Kept<[u8; 32], Vec<String>>);

impl Default for NearTerms {
    fn default() -> Self {
        NearTerms(Kept::new(KEPT_WORDS))
    }
}

impl NearTerms {
    fn key(field: Option<&str>, term: &str) -> [u8; 32] {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(field.unwrap_or("").as_bytes());
        ctx.update(&[0]);
        ctx.update(term.as_bytes());
        let mut out = [0; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }
}

/// Looks up the index terms typed words may stand for, remembering them for the
/// searcher's generation ([`NearTerms`]).
pub struct Typos<'a> {
    searcher: &'a Searcher,
    synonyms: &'a Synonyms,
    analyzer: TextAnalyzer,
    /// The text fields, by name.
    fields: &'a [(&'static str, Field)],
    kept: &'a NearTerms,
}

impl<'a> Typos<'a> {
    pub fn new(
        searcher: &'a Searcher,
        synonyms: &'a Synonyms,
        analyzer: TextAnalyzer,
        fields: &'a [(&'static str, Field)],
        kept: &'a NearTerms,
    ) -> Self {
        Typos {
            searcher,
            synonyms,
            analyzer,
            fields,
            kept,
        }
    }

    /// Whether `word` yields an index term (stop words and punctuation do not).
    pub fn indexes_something(&mut self, word: &str) -> bool {
        !analyze(&mut self.analyzer, word).is_empty()
    }

    /// `ast` with each required plain word that may hold a typo replaced by
    /// `(word OR (near terms)^TYPO_BOOST)`. Phrases, excluded words, prefixes and words
    /// with a slop or boost of their own are left as typed.
    pub fn rewrite(&mut self, ast: UserInputAst) -> tantivy::Result<UserInputAst> {
        self.rewrite_under(ast, false)
    }

    fn rewrite_under(
        &mut self,
        ast: UserInputAst,
        excluded: bool,
    ) -> tantivy::Result<UserInputAst> {
        Ok(match ast {
            UserInputAst::Clause(children) => UserInputAst::Clause(
                children
                    .into_iter()
                    .map(|(occur, child)| {
                        let excluded = excluded || occur == Some(Occur::MustNot);
                        Ok((occur, self.rewrite_under(child, excluded)?))
                    })
                    .collect::<tantivy::Result<_>>()?,
            ),
            UserInputAst::Boost(inner, boost) => {
                UserInputAst::Boost(Box::new(self.rewrite_under(*inner, excluded)?), boost)
            }
            UserInputAst::Leaf(leaf) => match *leaf {
                UserInputLeaf::Literal(literal)
                    if !excluded
                        && literal.delimiter == Delimiter::None
                        && literal.slop == 0
                        && !literal.prefix =>
                {
                    let near = self.near(literal.field_name.as_deref(), &literal.phrase)?;
                    if near.is_empty() {
                        UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(literal)))
                    } else {
                        let alternatives = near
                            .into_iter()
                            .map(|term| {
                                let leaf = UserInputLeaf::Literal(UserInputLiteral {
                                    field_name: literal.field_name.clone(),
                                    phrase: term,
                                    delimiter: Delimiter::None,
                                    slop: 0,
                                    prefix: false,
                                });
                                (Some(Occur::Should), UserInputAst::Leaf(Box::new(leaf)))
                            })
                            .collect();
                        let exact = UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(literal)));
                        let near = UserInputAst::Boost(
                            Box::new(UserInputAst::Clause(alternatives)),
                            TYPO_BOOST.into(),
                        );
                        UserInputAst::Clause(vec![
                            (Some(Occur::Should), exact),
                            (Some(Occur::Should), near),
                        ])
                    }
                }
                other => UserInputAst::Leaf(Box::new(other)),
            },
        })
    }

    /// The index terms, other than its own, that `word` (in `field`, or any text field)
    /// may be a typo of: most frequent first, at most [`MAX_TERMS`].
    pub fn near(&mut self, field: Option<&str>, word: &str) -> tantivy::Result<Vec<String>> {
        if self.synonyms.lookup(word).is_some() {
            return Ok(Vec::new());
        }
        let terms = analyze(&mut self.analyzer, word);
        let [term] = terms.as_slice() else {
            return Ok(Vec::new());
        };
        let Some(edits) = allowed_edits(term) else {
            return Ok(Vec::new());
        };
        let generation = self.searcher.generation().generation_id();
        let key = NearTerms::key(field, term);
        if let Some(near) = self.kept.0.get(generation, &key) {
            return Ok(near);
        }
        let fields: Vec<Field> = self
            .fields
            .iter()
            .filter(|(name, _)| field.map_or(true, |f| f == *name))
            .map(|(_, f)| *f)
            .collect();
        let Some(&any_field) = fields.first() else {
            return Ok(Vec::new());
        };
        let first = term.as_bytes()[0];
        let mut counts: HashMap<String, u64> = HashMap::new();
        // The automaton depends on the word alone: built once, run on every field.
        let automaton =
            FuzzyTermQuery::new(Term::from_field_text(any_field, term), edits, true).automaton()?;
        for f in fields {
            for segment in self.searcher.segment_readers() {
                let inverted = segment.inverted_index(f)?;
                let mut stream = inverted.terms().search(&automaton).into_stream()?;
                let mut scanned = 0;
                while scanned < MAX_SCANNED && stream.advance() {
                    scanned += 1;
                    let Ok(candidate) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    // A typo rarely hits the first letter; keeping it keeps `nstemi`
                    // from finding `stemi`.
                    if candidate == term
                        || candidate.as_bytes().first() != Some(&first)
                        || confusable(term, candidate)
                    {
                        continue;
                    }
                    *counts.entry(candidate.to_owned()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
        let mut near: Vec<(String, u64)> = counts
            .into_iter()
            // The term goes back through the analyzer: keep only terms it leaves alone.
            .filter(|(t, _)| analyze(&mut self.analyzer, t) == [t.as_str()])
            .collect();
        near.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let near: Vec<String> = near.into_iter().take(MAX_TERMS).map(|(t, _)| t).collect();
        self.kept.0.put(generation, key, near.clone());
        Ok(near)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_words_and_numbers_are_exact() {
        assert_eq!(allowed_edits("pca"), None);
        assert_eq!(allowed_edits("fall"), None);
        assert_eq!(allowed_edits("sepsi"), Some(1));
        assert_eq!(allowed_edits("hydromorphin"), Some(2));
        assert_eq!(allowed_edits("1000000"), None);
        assert_eq!(allowed_edits("covid19"), None);
    }

    #[test]
    fn confusable_words_stay_apart() {
        assert!(confusable("hypoglycemia", "hyperglycemia"));
        assert!(confusable("hypertens", "hypotens"));
        assert!(confusable("prednisolon", "prednison"));
        assert!(confusable("dysphagia", "dysphasia"));
        assert!(!confusable("hydromorphin", "hydromorphon"));
        assert!(!confusable("hyperkalemia", "hyperkalaemia"));
    }
}
