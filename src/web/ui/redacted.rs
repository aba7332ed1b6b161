//! Shared-view text for a page: HTML-escaped, with every redaction placeholder
//! (`[RN-A]`, `[PATIENT]`, `[DAY +3]`, `[90+]`) wrapped in a chip
//! (`<span class="st-redaction">`), so that readers see a deliberate substitution.
//!
//! In a template: `{{ Redacted(text) }}` (the type is marked HTML-safe: it escapes
//! everything itself).

use std::fmt;
use std::sync::OnceLock;

use askama::filters::{Escaper, Html, HtmlSafe};
use regex::Regex;

/// Text of a shared view, displayed as escaped HTML with redaction chips.
pub struct Redacted<'a>(pub &'a str);

/// An upper-case or digit label in brackets, at most 32 characters inside.
fn placeholder() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\[[A-Z0-9][A-Z0-9 +\-]{0,31}\]").expect("the placeholder pattern compiles")
    })
}

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut last = 0;
        for m in placeholder().find_iter(self.0) {
            Html.write_escaped_str(&mut *f, &self.0[last..m.start()])?;
            f.write_str("<span class=\"st-redaction\" title=\"Redacted\">")?;
            Html.write_escaped_str(&mut *f, m.as_str())?;
            f.write_str("</span>")?;
            last = m.end();
        }
        Html.write_escaped_str(&mut *f, &self.0[last..])
    }
}

impl HtmlSafe for Redacted<'_> {}

/// Shared-view text with the pipeline's flagged spans marked for a curator: each span
/// in a `<mark class="st-flag">` that says why it was flagged (visibly in the review
/// panel's list, which links to the mark by its id; here for screen readers and as a
/// tooltip), placeholders as chips. Spans out of range, off a character boundary or
/// overlapping an earlier one are left unmarked (the text may have changed since the
/// flags were made).
pub struct Flagged<'a> {
    pub text: &'a str,
    /// `(start, end, reason)` in bytes of `text`.
    pub spans: Vec<(usize, usize, String)>,
    /// The marks' ids are `{anchor}-{n}`, n counting the marked spans from 0.
    pub anchor: String,
}

/// The spans of `spans` that can be marked in `text`, in order: in range, on character
/// boundaries, not overlapping an earlier one.
pub fn markable<'s>(
    text: &str,
    spans: &'s [(usize, usize, String)],
) -> Vec<&'s (usize, usize, String)> {
    let mut ok: Vec<&(usize, usize, String)> = spans
        .iter()
        .filter(|(s, e, _)| {
            s < e && *e <= text.len() && text.is_char_boundary(*s) && text.is_char_boundary(*e)
        })
        .collect();
    ok.sort_by_key(|(s, _, _)| *s);
    let mut at = 0;
    ok.retain(|(s, e, _)| {
        let keep = *s >= at;
        if keep {
            at = *e;
        }
        keep
    });
    ok
}

impl fmt::Display for Flagged<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut at = 0;
        for (n, (start, end, reason)) in markable(self.text, &self.spans).into_iter().enumerate() {
            fmt::Display::fmt(&Redacted(&self.text[at..*start]), f)?;
            f.write_str("<mark class=\"st-flag\" id=\"")?;
            Html.write_escaped_str(&mut *f, &self.anchor)?;
            write!(f, "-{n}\" tabindex=\"-1\" title=\"Flagged: ")?;
            Html.write_escaped_str(&mut *f, reason)?;
            f.write_str("\">")?;
            fmt::Display::fmt(&Redacted(&self.text[*start..*end]), f)?;
            f.write_str("<span class=\"usa-sr-only\"> (flagged: ")?;
            Html.write_escaped_str(&mut *f, reason)?;
            f.write_str(")</span></mark>")?;
            at = *end;
        }
        fmt::Display::fmt(&Redacted(&self.text[at..]), f)
    }
}

impl HtmlSafe for Flagged<'_> {}

/// Writes HTML that is escaped already, with each placeholder wrapped in a chip
/// (placeholders contain no character that escaping changes).
pub(super) fn write_chips(f: &mut fmt::Formatter<'_>, escaped: &str) -> fmt::Result {
    let mut last = 0;
    for m in placeholder().find_iter(escaped) {
        f.write_str(&escaped[last..m.start()])?;
        f.write_str("<span class=\"st-redaction\" title=\"Redacted\">")?;
        f.write_str(m.as_str())?;
        f.write_str("</span>")?;
        last = m.end();
    }
    f.write_str(&escaped[last..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_chips_and_the_rest_is_escaped() {
        let html = Redacted("[RN-A] found [PATIENT] <b>on</b> [DAY +3] & gave Lasix").to_string();
        assert_eq!(
            html,
            "<span class=\"st-redaction\" title=\"Redacted\">[RN-A]</span> found \
             <span class=\"st-redaction\" title=\"Redacted\">[PATIENT]</span> &#60;b&#62;on&#60;/b&#62; \
             <span class=\"st-redaction\" title=\"Redacted\">[DAY +3]</span> &#38; gave Lasix"
        );
    }

    #[test]
    fn flagged_spans_are_marked_with_their_reason_and_bad_spans_ignored() {
        let text = "seen by Dr Quill <x> on [DAY 0]";
        let spans = vec![
            (11, 16, "capitalized-unknown-word".into()),
            (12, 14, "overlap".into()),
            (3, 400, "out of range".into()),
        ];
        assert_eq!(markable(text, &spans), [&spans[0]]);
        let html = Flagged {
            text,
            spans,
            anchor: "flag-event-summary".into(),
        }
        .to_string();
        assert_eq!(
            html,
            "seen by Dr <mark class=\"st-flag\" id=\"flag-event-summary-0\" tabindex=\"-1\" \
             title=\"Flagged: capitalized-unknown-word\">Quill\
             <span class=\"usa-sr-only\"> (flagged: capitalized-unknown-word)</span></mark> &#60;x&#62; on \
             <span class=\"st-redaction\" title=\"Redacted\">[DAY 0]</span>"
        );
    }

    #[test]
    fn brackets_that_are_not_placeholders_stay_text() {
        assert_eq!(
            Redacted("dose [sic] and [ ] and [a-b]").to_string(),
            "dose [sic] and [ ] and [a-b]"
        );
    }
}
