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
pub(crate) fn resolve(mut spans: Vec<Span>) -> Vec<Span> {
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
        if let Some((_, prev)) = kept.range(..s.end).next_back() {
            if prev.end > s.start {
                continue;
            }
        }
        kept.insert(s.start, s);
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
