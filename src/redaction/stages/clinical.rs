//! Stage 6, clinical protection: words inside a clinical phrase or an eponym (`Bair
//! Hugger`, `Murphy's sign`) are never names, and a measurement the patterns protected
//! (`bp 90-101/50`, `FiO2 50%`) stays whole.

use super::tokens::{between, Token};
use crate::redaction::category::Category;
use crate::redaction::rules::{lex, RuleSet};
use crate::redaction::span::{Span, PRIORITY_KNOWN};

/// Tokens inside a clinical phrase (`Stevens-Johnson`, `Bair Hugger`).
pub(super) fn protected_by_phrases(text: &str, toks: &[Token], rules: &RuleSet) -> Vec<bool> {
    let mut out = vec![false; toks.len()];
    if rules.clinical_phrases.is_empty() {
        return out;
    }
    // An eponym: a capitalised word (or a hyphenated pair) before a head noun.
    for j in 1..toks.len() {
        if !toks[j].has(lex::EPONYM_HEAD) {
            continue;
        }
        let mut i = j;
        while i > 0 && i + 3 > j {
            let sep = between(text, &toks[i - 1], &toks[i]);
            let ok = if i == j {
                matches!(sep, " " | "'s " | "\u{2019}s " | "' " | "-")
            } else {
                sep == "-" || sep == " "
            };
            if !ok || !toks[i - 1].cap {
                break;
            }
            let before = if i >= 2 { Some(&toks[i - 2]) } else { None };
            if before.is_some_and(|b| rules.context.titles.contains(&b.key)) {
                break;
            }
            out[i - 1] = true;
            i -= 1;
            if sep == " " && i < j {
                break;
            }
        }
    }
    let mut key = String::new();
    for i in 0..toks.len() {
        // No phrase of several words begins with this one.
        if !toks[i].has(lex::PHRASE_HEAD) {
            continue;
        }
        key.clear();
        key.push_str(&toks[i].key);
        for j in i + 1..toks.len().min(i + 6) {
            let sep = between(text, &toks[j - 1], &toks[j]);
            if !matches!(sep, " " | "-" | "'s " | "\u{2019}s " | "' ") {
                break;
            }
            key.push(' ');
            key.push_str(&toks[j].key);
            if rules.clinical_phrases.contains(&key) {
                for flag in &mut out[i..=j] {
                    *flag = true;
                }
            }
            if !rules.clinical_phrase_prefixes.contains(&key) {
                break;
            }
        }
    }
    out
}

/// A measurement stays whole: nothing found inside it is replaced, but for the case's own
/// identifiers and the kinds of text no measurement holds.
pub(super) fn keep_measurements(text: &str, keep: &[(usize, usize)], spans: &mut Vec<Span>) {
    if keep.is_empty() {
        return;
    }
    spans.retain(|s| {
        beats_measurement(s)
            || !keep.iter().any(|&(a, b)| {
                let inside = a <= s.start && s.end <= b;
                // An ID or phone that only reaches into a measurement, with too few
                // digits to be a number of its own (`U/O50-100cc/hr`, `+10 40%`).
                let overlaps = a < s.end && s.start < b;
                let digits = text[s.start..s.end]
                    .bytes()
                    .filter(u8::is_ascii_digit)
                    .count();
                // A cued identifier (`SN T5H-61649`, `MRN …`) stands on its own.
                let cued = s.category == Category::Id && s.priority >= 60;
                (inside && !cued)
                    || (overlaps
                        && !cued
                        && matches!(s.category, Category::Id | Category::Phone | Category::Unit)
                        && digits < 7)
            })
    });
}

/// Whether a span may replace text inside a protected measurement: the case's own
/// identifiers and the kinds of text no measurement holds always may.
fn beats_measurement(s: &Span) -> bool {
    s.priority >= PRIORITY_KNOWN
        || matches!(
            s.category,
            Category::Email
                | Category::Url
                | Category::Ip
                | Category::Address
                | Category::Location
                | Category::AgeOver89
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::redaction::category::Category;
    use crate::redaction::rules::test_rules;
    use crate::redaction::span::Repl;

    fn protected_words(text: &str) -> Vec<String> {
        let rules = test_rules();
        let toks = super::super::tokens::tokenize(text, rules);
        let flags = protected_by_phrases(text, &toks, rules);
        toks.iter()
            .zip(flags)
            .filter(|(_, p)| *p)
            .map(|(t, _)| t.key.clone())
            .collect()
    }

    #[test]
    fn eponyms_and_phrases_are_protected_but_a_title_makes_a_name() {
        assert!(protected_words("positive Murphy's sign today").contains(&"murphy".to_owned()));
        assert_eq!(
            protected_words("warmed with a Bair Hugger"),
            ["bair", "hugger"]
        );
        assert!(protected_words("asked Dr. Murphy's team").is_empty());
        assert!(protected_words("Murphy called back").is_empty());
    }

    fn span(start: usize, end: usize, category: Category, priority: u8) -> Span {
        Span {
            start,
            end,
            category,
            priority,
            repl: Repl::Category,
        }
    }

    #[test]
    fn a_measurement_stays_whole_but_for_known_identifiers_and_contacts() {
        let text = "bp 90-101/50 at 10:00";
        let mut spans = vec![
            span(3, 12, Category::Date, 50),
            span(6, 12, Category::Id, 40),
            span(3, 12, Category::Name, PRIORITY_KNOWN),
            span(3, 12, Category::Email, 101),
        ];
        keep_measurements(text, &[(0, 12)], &mut spans);
        let left: Vec<Category> = spans.iter().map(|s| s.category).collect();
        assert_eq!(left, [Category::Name, Category::Email]);
        // Nothing kept, nothing dropped.
        let mut spans = vec![span(3, 12, Category::Date, 50)];
        keep_measurements(text, &[], &mut spans);
        assert_eq!(spans.len(), 1);
    }
}
