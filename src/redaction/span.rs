//! Candidate spans and their deterministic resolution.

use std::collections::BTreeMap;

use super::category::Category;

/// Identifiers from the structured fields beat everything.
pub(crate) const PRIORITY_KNOWN: u8 = 100;
/// Dictionary and context name hits lose to every pattern rule.
pub(crate) const PRIORITY_NAME: u8 = 30;

/// What replaces a span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Repl {
    /// The category's placeholder (`[PHONE]`, `[ID]`, …).
    Category,
    /// A person's placeholder (`[PATIENT]`, `[RN-A]`).
    Person(usize),
    /// A computed text (`[DAY +3]`, `90+`).
    Text(String),
}

/// A byte range of the original text to replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub category: Category,
    pub priority: u8,
    pub repl: Repl,
}

/// Keeps a non-overlapping subset: higher priority first, then the longer span, then the
/// earlier one. Returns the kept spans sorted by start.
///
/// A case's own identifier (priority [`PRIORITY_KNOWN`] or more) that only partly overlaps
/// what is already kept is not dropped: the parts of it nothing covers are kept on their
/// own (`eharding@gmail.comLake Brendaport` keeps `Brendaport` after the e-mail took
/// `…comLake`), so no piece of a known identifier survives.
#[cfg(test)]
pub(crate) fn resolve(spans: Vec<Span>) -> Vec<Span> {
    resolve_in("", spans)
}

/// [`resolve`], with the text the spans point into: a left-over piece of a known
/// identifier is kept only when it holds a letter or digit of `text`.
pub(crate) fn resolve_in(text: &str, mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| s.end > s.start);
    spans.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
            .then(a.category.cmp(&b.category))
    });
    let mut kept: BTreeMap<usize, Span> = BTreeMap::new();
    for s in spans {
        let overlapping: Vec<(usize, usize)> = kept
            .range(..s.end)
            .rev()
            .take_while(|(_, k)| k.end > s.start || k.start >= s.start)
            .filter(|(_, k)| k.end > s.start && k.start < s.end)
            .map(|(_, k)| (k.start, k.end))
            .collect();
        if overlapping.is_empty() {
            kept.insert(s.start, s);
            continue;
        }
        if s.priority < PRIORITY_KNOWN {
            continue;
        }
        // The uncovered pieces of a known identifier.
        let mut cover = overlapping;
        cover.sort_unstable();
        let mut pos = s.start;
        let mut pieces = Vec::new();
        for (a, b) in cover {
            if a > pos {
                pieces.push((pos, a));
            }
            pos = pos.max(b);
        }
        if pos < s.end {
            pieces.push((pos, s.end));
        }
        for (a, b) in pieces {
            let meaningful = text
                .get(a..b)
                .map_or(b - a >= 2, |p| p.chars().any(char::is_alphanumeric));
            if meaningful {
                kept.insert(
                    a,
                    Span {
                        start: a,
                        end: b,
                        ..s.clone()
                    },
                );
            }
        }
    }
    kept.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize, priority: u8) -> Span {
        Span {
            start,
            end,
            category: Category::Name,
            priority,
            repl: Repl::Category,
        }
    }

    #[test]
    fn uncovered_pieces_of_a_known_identifier_stay_redacted() {
        let text = "mail x@y.comLake Brendaport now";
        let email = Span {
            category: Category::Email,
            ..span(5, 16, 101)
        };
        let known = Span {
            category: Category::Location,
            ..span(12, 27, 100)
        };
        let kept = resolve_in(text, vec![email, known]);
        let ranges: Vec<(usize, usize)> = kept.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(ranges, vec![(5, 16), (16, 27)]);
    }

    #[test]
    fn higher_priority_wins_then_longer() {
        let kept = resolve(vec![
            span(0, 10, 30),
            span(2, 4, 100),
            span(5, 12, 30),
            span(20, 22, 10),
        ]);
        let ranges: Vec<(usize, usize)> = kept.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(ranges, vec![(2, 4), (5, 12), (20, 22)]);
    }

    #[test]
    fn resolution_is_order_independent() {
        let a = vec![span(0, 5, 50), span(3, 8, 50), span(8, 9, 50)];
        let mut b = a.clone();
        b.reverse();
        assert_eq!(resolve(a), resolve(b));
    }
}
