//! The query box, read as a person types it: facet terms (`category:fall`) become
//! filters, a query that finds nothing is relaxed by dropping words from its end, and
//! errors quote what was typed, never the internal rewriting (synonym expansion).
//!
//! A query is first cut into [`Token`]s: words, phrases, `field:word`, operators and
//! parentheses, each with its byte range in the typed text, so that a relaxed query is
//! the typed text with whole tokens blanked out, never a re-spelled one.

use std::ops::Range;

use super::request::FacetKind;
use super::SearchError;

/// What a token of the query is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open,
    Close,
    And,
    Or,
    Not,
    /// A plain word: no field, no quote, no operator character.
    Word,
    /// Anything else: `"phrases"`, `field:word`, `+word`, `-word`, `word^2`, `word~`.
    Other,
}

/// A token of the typed query.
#[derive(Debug, Clone)]
struct Token {
    range: Range<usize>,
    kind: Kind,
    /// Parentheses around it (an unbalanced `)` counts as depth 0).
    depth: usize,
}

fn tokens(query: &str) -> Vec<Token> {
    let bytes = query.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if b == b'(' {
            out.push(Token {
                range: i..i + 1,
                kind: Kind::Open,
                depth,
            });
            depth += 1;
            i += 1;
            continue;
        }
        if b == b')' {
            depth = depth.saturating_sub(1);
            out.push(Token {
                range: i..i + 1,
                kind: Kind::Close,
                depth,
            });
            i += 1;
            continue;
        }
        let start = i;
        let mut quoted = false;
        while i < bytes.len() {
            let c = bytes[i];
            if c == b'"' {
                quoted = !quoted;
            } else if !quoted && (c.is_ascii_whitespace() || c == b'(' || c == b')') {
                break;
            }
            i += 1;
        }
        let text = &query[start..i];
        let kind = match text {
            "AND" => Kind::And,
            "OR" => Kind::Or,
            "NOT" => Kind::Not,
            _ if is_plain_word(text) => Kind::Word,
            _ => Kind::Other,
        };
        out.push(Token {
            range: start..i,
            kind,
            depth,
        });
    }
    out
}

fn is_plain_word(text: &str) -> bool {
    !text.starts_with(['+', '-'])
        && !text.contains([
            ':', '"', '\'', '^', '~', '*', '[', ']', '{', '}', '\\', '/', '!', '&', '|',
        ])
}

/// `query` with the tokens at `removed` blanked out, trimmed.
fn without(query: &str, tokens: &[Token], removed: &[bool]) -> String {
    let mut out = String::with_capacity(query.len());
    let mut at = 0;
    for (token, gone) in tokens.iter().zip(removed) {
        if *gone {
            out.push_str(&query[at..token.range.start]);
            out.push(' ');
            at = token.range.end;
        }
    }
    out.push_str(&query[at..]);
    out.trim().to_owned()
}

/// The longest piece of typed text an error message quotes.
const QUOTED_CHARS: usize = 60;

/// Typed text as an error message quotes it: control characters dropped, cut to
/// [`QUOTED_CHARS`] characters.
pub fn quoted(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    match clean.char_indices().nth(QUOTED_CHARS) {
        Some((i, _)) => format!("`{}…`", &clean[..i]),
        None => format!("`{clean}`"),
    }
}

/// Facet filters typed in the query box, and the text that is left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetTerms {
    /// The query without its facet terms; `None` if nothing else was typed.
    pub text: Option<String>,
    /// `(facet, value)` in the order typed, values as the facet spells them.
    pub filters: Vec<(FacetKind, String)>,
}

/// Moves the facet terms of a typed query (`category:fall`, `harm:severe`,
/// `setting:"behavioral health"`, any [`FacetKind`] name) out of the text. A facet term
/// narrows the whole search like the facet's filter: it must stand at the top level of the
/// query, be required (not after `NOT`, `-` or next to `OR`) and name a value the facet
/// takes; anything else is a [`SearchError::BadQuery`] saying how to write it.
pub fn take_facet_terms(query: &str) -> Result<FacetTerms, SearchError> {
    let tokens = tokens(query);
    let mut removed = vec![false; tokens.len()];
    let mut filters = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.kind != Kind::Other {
            continue;
        }
        let text = &query[token.range.clone()];
        let (excluded, bare) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let Some((name, value)) = bare.split_once(':') else {
            continue;
        };
        let Some(kind) = FacetKind::from_name(&name.to_ascii_lowercase()) else {
            continue;
        };
        let facet = kind.name();
        let before = i.checked_sub(1).map(|j| tokens[j].kind);
        let after = tokens.get(i + 1).map(|t| t.kind);
        if excluded || before == Some(Kind::Not) {
            return Err(SearchError::BadQuery(format!(
                "`{facet}:` cannot be excluded; name the values to keep instead \
                 (several `{facet}:` terms are alternatives)"
            )));
        }
        if token.depth > 0 || before == Some(Kind::Or) || after == Some(Kind::Or) {
            return Err(SearchError::BadQuery(format!(
                "`{facet}:` narrows the whole search: write it outside parentheses and OR \
                 (several `{facet}:` terms are alternatives)"
            )));
        }
        if value.is_empty() {
            return Err(SearchError::BadQuery(format!(
                "`{facet}:` needs one value right after it, e.g. `{facet}:{}`",
                example_value(kind)
            )));
        }
        let value = value
            .trim_matches('"')
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-")
            .to_ascii_lowercase();
        if !kind.accepts(&value) {
            return Err(SearchError::BadQuery(format!(
                "`{facet}:` takes {}",
                accepted_values(kind)
            )));
        }
        if !filters.contains(&(kind, value.clone())) {
            filters.push((kind, value));
        }
        removed[i] = true;
        // `heparin AND category:fall`: the AND goes with it.
        if before == Some(Kind::And) && !removed[i - 1] {
            removed[i - 1] = true;
        } else if after == Some(Kind::And) {
            removed[i + 1] = true;
        }
    }
    if filters.is_empty() {
        let text = query.trim();
        return Ok(FacetTerms {
            text: (!text.is_empty()).then(|| text.to_owned()),
            filters,
        });
    }
    let text = without(query, &tokens, &removed);
    Ok(FacetTerms {
        text: (!text.is_empty()).then_some(text),
        filters,
    })
}

fn example_value(kind: FacetKind) -> &'static str {
    match kind {
        FacetKind::Year => "2024",
        _ => kind.values().first().copied().unwrap_or("value"),
    }
}

fn accepted_values(kind: FacetKind) -> String {
    match kind {
        FacetKind::Year => "a year from 1900 to 2200, e.g. `year:2024`".to_owned(),
        _ => format!("one of {}", kind.values().join(", ")),
    }
}

/// How a query that found nothing can be relaxed: its droppable words (plain words at
/// the top level, required, that are not stop words), in the order typed.
#[derive(Debug)]
pub struct Relaxation<'q> {
    query: &'q str,
    tokens: Vec<Token>,
    /// Token index of each droppable word.
    words: Vec<usize>,
    /// Per token: a word that yields no index term (a stop word).
    silent: Vec<bool>,
    /// Whether something positive stays when every word is dropped (a phrase, a
    /// `field:word`, a group).
    kept_without_words: bool,
}

/// One relaxed form of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelaxedText {
    /// The query to run: the typed text without the dropped words.
    pub text: String,
    /// What it still requires, as typed.
    pub required: Vec<String>,
    /// The words dropped, as typed, in the order typed.
    pub dropped: Vec<String>,
}

impl<'q> Relaxation<'q> {
    /// The relaxation of `query`, if it has a word to drop. `indexes_something` says
    /// whether a word yields an index term (stop words do not, and are never reported).
    /// A query with `OR` at its top level is already a disjunction: not relaxed.
    pub fn of(query: &'q str, mut indexes_something: impl FnMut(&str) -> bool) -> Option<Self> {
        let tokens = tokens(query);
        if tokens.iter().any(|t| t.kind == Kind::Or && t.depth == 0) {
            return None;
        }
        let mut words = Vec::new();
        let mut silent = vec![false; tokens.len()];
        let mut kept_without_words = false;
        for (i, token) in tokens.iter().enumerate() {
            let text = &query[token.range.clone()];
            if token.kind == Kind::Word && !indexes_something(text) {
                silent[i] = true;
                continue;
            }
            if token.depth > 0 {
                continue;
            }
            let negated = i > 0 && tokens[i - 1].kind == Kind::Not;
            match token.kind {
                Kind::Word if !negated => words.push(i),
                Kind::Other if !negated && !text.starts_with('-') => kept_without_words = true,
                Kind::Open if !negated => kept_without_words = true,
                _ => {}
            }
        }
        let droppable = words.len() > usize::from(!kept_without_words);
        droppable.then_some(Relaxation {
            query,
            tokens,
            words,
            silent,
            kept_without_words,
        })
    }

    /// Number of droppable words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Fewest words a relaxed query keeps: one, unless something else stays.
    pub fn min_kept(&self) -> usize {
        usize::from(!self.kept_without_words)
    }

    /// The query keeping the first `kept` droppable words (and everything that is not a
    /// droppable word; top-level `AND`s, implied anyway, are left out).
    pub fn keeping(&self, kept: usize) -> RelaxedText {
        let mut removed = vec![false; self.tokens.len()];
        let mut dropped = Vec::new();
        for (n, &i) in self.words.iter().enumerate() {
            if n >= kept {
                removed[i] = true;
                dropped.push(self.query[self.tokens[i].range.clone()].to_owned());
            }
        }
        for (i, token) in self.tokens.iter().enumerate() {
            if token.kind == Kind::And && token.depth == 0 {
                removed[i] = true;
            }
        }
        let mut required = Vec::new();
        let mut group: Option<usize> = None;
        for (i, token) in self.tokens.iter().enumerate() {
            if removed[i] || self.silent[i] {
                continue;
            }
            let negated = i > 0 && self.tokens[i - 1].kind == Kind::Not;
            match (token.kind, token.depth) {
                (Kind::Open, 0) if !negated => group = Some(token.range.start),
                (Kind::Close, 0) => {
                    if let Some(start) = group.take() {
                        required.push(self.query[start..token.range.end].to_owned());
                    }
                }
                (Kind::Word | Kind::Other, 0) if !negated => {
                    let text = &self.query[token.range.clone()];
                    if !text.starts_with('-') {
                        required.push(text.to_owned());
                    }
                }
                _ => {}
            }
        }
        RelaxedText {
            text: without(self.query, &self.tokens, &removed),
            required,
            dropped,
        }
    }

    /// Each dropped word alone, as a query (to rank by how many of them a case has).
    pub fn dropped_words(&self, kept: usize) -> impl Iterator<Item = &'q str> + '_ {
        self.words
            .iter()
            .skip(kept)
            .map(|&i| &self.query[self.tokens[i].range.clone()])
    }
}

/// The message for a query that does not parse, quoting the part of the typed text at
/// fault where it can be found, else the typed query.
pub fn syntax_error(query: &str) -> SearchError {
    let tokens = tokens(query);
    let quotes = query.bytes().filter(|b| *b == b'"').count();
    let message = if quotes % 2 == 1 {
        let at = query.rfind('"').unwrap_or(0);
        format!("a quotation mark is not closed: {}", quoted(&query[at..]))
    } else if let Some(problem) = parenthesis_problem(query, &tokens) {
        problem
    } else if let Some(problem) = operator_problem(query, &tokens) {
        problem
    } else if let Some(t) = tokens
        .iter()
        .find(|t| t.kind == Kind::Other && query[t.range.clone()].ends_with(':'))
    {
        format!(
            "{} needs a word or a \"phrase\" right after the colon",
            quoted(&query[t.range.clone()])
        )
    } else {
        format!(
            "{} cannot be read as a query; write words, \"phrases\", AND/OR/NOT, \
             parentheses, field:word (fields: summary, findings, notes, lessons, actions, \
             service, roles) or facet:value (e.g. category:fall)",
            quoted(query)
        )
    };
    SearchError::BadQuery(message)
}

fn parenthesis_problem(query: &str, tokens: &[Token]) -> Option<String> {
    let mut open: Vec<usize> = Vec::new();
    for token in tokens {
        match token.kind {
            Kind::Open => open.push(token.range.start),
            Kind::Close if open.pop().is_none() => {
                return Some(format!(
                    "{} closes a parenthesis that was not opened",
                    quoted(&query[..token.range.end])
                ));
            }
            _ => {}
        }
    }
    open.first()
        .map(|&at| format!("a parenthesis is not closed: {}", quoted(&query[at..])))
}

fn operator_problem(query: &str, tokens: &[Token]) -> Option<String> {
    let is_op = |k: Kind| matches!(k, Kind::And | Kind::Or | Kind::Not);
    for (i, token) in tokens.iter().enumerate() {
        if !is_op(token.kind) {
            continue;
        }
        let name = &query[token.range.clone()];
        let next = tokens.get(i + 1).map(|t| t.kind);
        let prev = i.checked_sub(1).map(|j| tokens[j].kind);
        let nothing_after = matches!(next, None | Some(Kind::Close))
            || next.is_some_and(|k| is_op(k) && k != Kind::Not);
        if nothing_after {
            return Some(format!(
                "{}: `{name}` needs a word or a group after it",
                quoted(&query[..token.range.end])
            ));
        }
        let nothing_before = matches!(prev, None | Some(Kind::Open))
            || prev.is_some_and(|k| is_op(k) && k != Kind::Not);
        if token.kind != Kind::Not && nothing_before {
            return Some(format!(
                "{}: `{name}` needs a word or a group before it",
                quoted(&query[token.range.start..])
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facets(q: &str) -> (Option<String>, Vec<(&'static str, String)>) {
        let t = take_facet_terms(q).unwrap();
        (
            t.text,
            t.filters.into_iter().map(|(k, v)| (k.name(), v)).collect(),
        )
    }

    #[test]
    fn facet_terms_become_filters() {
        assert_eq!(
            facets("category:fall with injury"),
            (
                Some("with injury".to_owned()),
                vec![("category", "fall".to_owned())]
            )
        );
        assert_eq!(
            facets("heparin AND Harm:Severe setting:\"behavioral health\" +year:2024"),
            (
                Some("heparin".to_owned()),
                vec![
                    ("harm", "severe".to_owned()),
                    ("setting", "behavioral-health".to_owned()),
                    ("year", "2024".to_owned())
                ]
            )
        );
        assert_eq!(
            facets("category:fall AND (bed OR alarm) category:fall category:blood"),
            (
                Some("(bed OR alarm)".to_owned()),
                vec![
                    ("category", "fall".to_owned()),
                    ("category", "blood".to_owned())
                ]
            )
        );
        assert_eq!(facets("strength:stronger").0, None);
        // Text fields and phrases are left alone.
        assert_eq!(
            facets("lessons:fall \"category:fall\""),
            (Some("lessons:fall \"category:fall\"".to_owned()), vec![])
        );
    }

    #[test]
    fn facet_terms_that_cannot_act_as_filters_say_how_to_write_them() {
        for (q, says) in [
            ("category:falls", "takes one of blood, device, fall"),
            ("category:", "needs one value"),
            ("category:(fall OR blood)", "needs one value"),
            ("-category:fall", "cannot be excluded"),
            ("heparin NOT harm:death", "cannot be excluded"),
            ("heparin OR harm:death", "outside parentheses and OR"),
            ("(heparin harm:death)", "outside parentheses and OR"),
            ("year:24", "a year from 1900"),
        ] {
            let Err(SearchError::BadQuery(message)) = take_facet_terms(q) else {
                panic!("{q} was accepted");
            };
            assert!(message.contains(says), "{q}: {message}");
        }
    }

    fn words(text: &str) -> bool {
        !matches!(text.to_ascii_lowercase().as_str(), "with" | "the" | "of")
    }

    #[test]
    fn relaxation_drops_words_from_the_end_and_keeps_the_rest() {
        let r = Relaxation::of("fall with injury at night", words).unwrap();
        assert_eq!((r.len(), r.min_kept()), (4, 1));
        let one = r.keeping(3);
        assert_eq!(one.text, "fall with injury at");
        assert_eq!(one.dropped, ["night"]);
        let r = Relaxation::of("fall with injury", words).unwrap();
        let k = r.keeping(1);
        assert_eq!(k.text, "fall with");
        assert_eq!(k.required, ["fall"]);
        assert_eq!(k.dropped, ["injury"]);
        assert_eq!(r.dropped_words(1).collect::<Vec<_>>(), ["injury"]);

        // Phrases, fields, groups and exclusions stay; AND is implied.
        let r = Relaxation::of(
            "\"bed alarm\" AND fall lessons:rounding (night) NOT hip injury",
            words,
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.min_kept(), 0);
        let k = r.keeping(0);
        assert_eq!(
            k.text.split_whitespace().collect::<Vec<_>>().join(" "),
            "\"bed alarm\" lessons:rounding (night) NOT hip"
        );
        assert_eq!(k.required, ["\"bed alarm\"", "lessons:rounding", "(night)"]);
        assert_eq!(k.dropped, ["fall", "injury"]);
    }

    #[test]
    fn some_queries_are_not_relaxed() {
        assert!(Relaxation::of("heparin", words).is_none());
        assert!(Relaxation::of("heparin with the", words).is_none());
        assert!(Relaxation::of("heparin OR warfarin bleed", words).is_none());
        assert!(Relaxation::of("\"heparin drip\"", words).is_none());
        assert!(Relaxation::of("NOT heparin bleed", words).is_none());
        assert!(Relaxation::of("(a b c)", words).is_none());
    }

    #[test]
    fn syntax_errors_quote_the_typed_text() {
        for (q, says) in [
            ("(lasix", "a parenthesis is not closed: `(lasix`"),
            ("lasix)", "`lasix)` closes a parenthesis"),
            (
                "\"lasix drip",
                "quotation mark is not closed: `\"lasix drip`",
            ),
            (
                "lasix AND",
                "`lasix AND`: `AND` needs a word or a group after it",
            ),
            (
                "OR lasix",
                "`OR lasix`: `OR` needs a word or a group before it",
            ),
            ("summary:", "`summary:` needs a word"),
        ] {
            let SearchError::BadQuery(message) = syntax_error(q) else {
                unreachable!()
            };
            assert!(message.contains(says), "{q}: {message}");
        }
        let SearchError::BadQuery(message) = syntax_error(&"x".repeat(500)) else {
            unreachable!()
        };
        assert!(message.len() < 400, "{message}");
    }
}
