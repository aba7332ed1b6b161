//! Stage 7, rendering: the spans resolved (priority, then length), placeholders written,
//! counts kept per category, and the output rescanned for known identifiers that a
//! replacement exposed (`KatrinaRN7663794` → `Katrina[ID]`).

use std::collections::BTreeMap;

use super::known::People;
use super::CaseContext;
use crate::redaction::category::Category;
use crate::redaction::fold::Folded;
use crate::redaction::span::{resolve_in, Repl, Span};

/// Whether a placeholder now touches what was glued to the removed text: a letter or digit
/// right beside it, or a digit behind a few separators (a number run it split).
fn touches(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let glued = |c: u8| c.is_ascii_alphanumeric() || c >= 0x80;
    let sep = |c: u8| matches!(c, b' ' | b'\t' | b'-' | b'.' | b'/' | b'(' | b')' | b'+');
    if (start > 0 && glued(b[start - 1])) || (end < b.len() && glued(b[end])) {
        return true;
    }
    let mut k = start;
    while k > 0 && start - k < 3 && sep(b[k - 1]) {
        k -= 1;
    }
    if k < start && k > 0 && b[k - 1].is_ascii_digit() {
        return true;
    }
    let mut k = end;
    while k < b.len() && k - end < 3 && sep(b[k]) {
        k += 1;
    }
    k > end && k < b.len() && b[k].is_ascii_digit()
}

/// Redacts `text`: resolves the spans and renders placeholders, counting per category;
/// also tells whether any replaced span touched glued text (only then can a
/// rescan find a new identifier).
fn render_spans_glued(
    text: &str,
    spans: Vec<Span>,
    people: &People,
    counts: &mut BTreeMap<String, u32>,
) -> (String, bool) {
    let mut glued = false;
    let kept = resolve_in(text, spans);
    let mut out = String::with_capacity(text.len() + 16);
    let mut pos = 0;
    let mut last: Option<(String, usize)> = None; // placeholder, output length after it
    for s in kept {
        if s.start < pos
            || s.end > text.len()
            || !text.is_char_boundary(s.start)
            || !text.is_char_boundary(s.end)
        {
            continue;
        }
        let repl: String = match &s.repl {
            Repl::Category => s.category.placeholder().to_owned(),
            Repl::Person(p) => people
                .placeholders
                .get(*p)
                .cloned()
                .unwrap_or_else(|| "[PERSON]".to_owned()),
            Repl::Text(t) => t.clone(),
        };
        let gap = &text[pos..s.start];
        // Merge "[RN-A] [RN-A]" (first and last name found apart) into one placeholder.
        if let Some((prev, len)) = &last {
            if *prev == repl
                && *len == out.len()
                && s.category != Category::AgeOver89
                && !gap.is_empty()
                && gap.chars().all(|c| c == ' ' || c == '-')
                && repl.starts_with('[')
            {
                pos = s.end;
                continue;
            }
        }
        glued = glued || touches(text, s.start, s.end);
        out.push_str(gap);
        out.push_str(&repl);
        *counts.entry(s.category.as_str().to_owned()).or_insert(0) += 1;
        last = Some((repl, out.len()));
        pos = s.end;
    }
    out.push_str(&text[pos..]);
    (out, glued)
}

/// Removing one identifier can expose another glued to it (`KatrinaRN7663794` →
/// `Katrina[ID]`): the output is scanned for known identifiers again until none is left.
/// Whether `start..end` of `out` lies inside one of the pipeline's placeholders: a `[`
/// before it and a `]` after it with nothing but placeholder characters (capitals, digits,
/// space, `-`, `+`) between them.
fn inside_placeholder(out: &str, start: usize, end: usize) -> bool {
    let before = &out[..start];
    let Some(open) = before.rfind('[') else {
        return false;
    };
    let after = &out[end..];
    let Some(close) = after.find(']') else {
        return false;
    };
    let content = &out[open + 1..end + close];
    !content.is_empty()
        && content.len() <= 40
        && content.bytes().all(|b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'+')
        })
}

pub(crate) fn rescan_known(
    mut out: String,
    mut glued: bool,
    ctx: &CaseContext<'_>,
    counts: &mut BTreeMap<String, u32>,
) -> String {
    for _ in 0..4 {
        if !glued {
            break;
        }
        let mut spans = Vec::new();
        let folded = Folded::new(&out);
        ctx.known.find(&out, &folded, &mut spans);
        drop(folded);
        // Never inside a placeholder: `[DAY 0]` is no surname Day. A literal `[` of the
        // text that no placeholder closes hides nothing (`[SummersBrightwater`).
        spans.retain(|s| !inside_placeholder(&out, s.start, s.end));
        if spans.is_empty() {
            break;
        }
        (out, glued) = render_spans_glued(&out, spans, &ctx.people, counts);
    }
    out
}

/// Redacts `text` and rescans the output for identifiers its replacements exposed.
pub(crate) fn render_and_rescan(
    text: &str,
    spans: Vec<Span>,
    ctx: &CaseContext<'_>,
    counts: &mut BTreeMap<String, u32>,
) -> String {
    let (out, glued) = render_spans_glued(text, spans, &ctx.people, counts);
    rescan_known(out, glued, ctx, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::redaction::category::Category;
    use crate::redaction::span::Repl;

    #[test]
    fn placeholders_replace_spans_and_neighbours_merge() {
        let mut people = People::default();
        let p = people.add("RN");
        let text = "RN Maria Lopez saw the patient";
        let spans = vec![
            Span {
                start: 3,
                end: 8,
                category: Category::Name,
                priority: 30,
                repl: Repl::Person(p),
            },
            Span {
                start: 9,
                end: 14,
                category: Category::Name,
                priority: 30,
                repl: Repl::Person(p),
            },
        ];
        let mut counts = BTreeMap::new();
        let (out, glued) = render_spans_glued(text, spans, &people, &mut counts);
        assert_eq!(out, "RN [RN-A] saw the patient");
        assert!(!glued);
        assert_eq!(counts.get("NAME"), Some(&1));
    }

    #[test]
    fn glued_text_is_noticed_and_placeholders_are_recognised() {
        assert!(touches("Katrina7663794", 7, 14));
        assert!(!touches("call 555 now", 5, 8));
        assert!(inside_placeholder("[DAY 0] x", 1, 4));
        assert!(!inside_placeholder("[Summers x", 1, 8));
    }
}
