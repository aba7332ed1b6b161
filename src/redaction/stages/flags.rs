//! Stage 8, flags: capitalised words of the redacted text that no list knows, for a
//! curator to look at. Never a value: a flag is a field, a byte range and a reason.

use super::tokens::tokenize_capitals;
use crate::redaction::rules::{lex, RuleSet};

/// Most flags reported per field.
const MAX_FLAGS_PER_FIELD: usize = 50;

/// Flags for a curator: capitalised words of the redacted `out` found in no list.
pub(crate) fn flag_unknown_words(
    out: &str,
    rules: &RuleSet,
    field: &str,
    flags: &mut Vec<crate::case::RedactionFlag>,
) {
    let mut n = 0;
    let mut depth = 0usize;
    let mut last_end = 0;
    for t in tokenize_capitals(out, rules) {
        // Skip placeholders: count brackets between tokens.
        for c in out[last_end..t.start].chars() {
            match c {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        last_end = t.start;
        if depth > 0
            || !t.cap
            || t.sentence_start
            || (t.upper && t.key.len() <= 5)
            || t.key.len() < 2
        {
            continue;
        }
        if t.has(lex::COMMON | lex::CLINICAL | lex::ROLE)
            || rules.context.facility_generic.contains(&t.key)
        {
            continue;
        }
        if n >= MAX_FLAGS_PER_FIELD {
            break;
        }
        flags.push(crate::case::RedactionFlag {
            field: field.to_owned(),
            start: t.start,
            end: t.end,
            reason: "capitalized-unknown-word".to_owned(),
        });
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::redaction::rules::test_rules;

    #[test]
    fn unknown_capitalised_words_are_flagged_outside_placeholders() {
        let mut flags = Vec::new();
        let out = "Met [PERSON-A] and Zorblatt at the Foley check.";
        flag_unknown_words(out, test_rules(), "event.summary", &mut flags);
        let words: Vec<&str> = flags.iter().map(|f| &out[f.start..f.end]).collect();
        assert_eq!(words, ["Zorblatt"]);
        assert_eq!(flags[0].field, "event.summary");
    }
}
