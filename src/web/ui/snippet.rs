//! Highlighted passages from the search index (already HTML-escaped, matches in
//! `<mark>`), with their redaction placeholders shown as chips like everywhere else.

use std::fmt;

use askama::filters::HtmlSafe;

/// A passage of escaped HTML made by the index ([`crate::index::SearchHit`]): only
/// `<mark>` tags, the rest escaped.
pub struct Snippet(String);

impl Snippet {
    /// Wraps HTML the index escaped itself. Anything else must go through
    /// [`super::redacted::Redacted`].
    pub fn trusted(html: String) -> Self {
        Snippet(html)
    }
}

impl fmt::Display for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::redacted::write_chips(f, &self.0)
    }
}

impl HtmlSafe for Snippet {}
