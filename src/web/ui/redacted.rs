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
    fn brackets_that_are_not_placeholders_stay_text() {
        assert_eq!(
            Redacted("dose [sic] and [ ] and [a-b]").to_string(),
            "dose [sic] and [ ] and [a-b]"
        );
    }
}
