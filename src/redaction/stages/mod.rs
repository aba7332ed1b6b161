//! The stages of the pipeline, run in this order on every free-text field of a case:
//!
//! 1. [`tokens`]: the words, with their shape and the lists that hold them;
//! 2. [`known`]: the identifiers the structured fields name, in every surface form;
//! 3. [`patterns`]: the rule files' patterns (dates, contacts, identifiers, ages,
//!    facilities) and the measurements they protect;
//! 4. [`clinical`]: clinical phrases and eponyms, never names;
//! 5. [`places`]: towns, facilities, wards and places;
//! 6. [`names`]: people, from the name lists and from context;
//! 7. [`render`]: spans resolved, placeholders written, output rescanned;
//! 8. [`flags`]: what a curator should look at.
//!
//! Stages 1 to 6 run on every field before any is rendered ([`detect`]), so that a name
//! found in one field is known in all ([`remembered`]). Every stage reads one compiled
//! [`RuleSet`], built once per process.

use chrono::NaiveDate;

use super::fold::Folded;
use super::rules::RuleSet;
use super::span::Span;

mod clinical;
mod flags;
pub(crate) mod known;
mod names;
mod patterns;
mod places;
mod render;
mod tokens;

pub(crate) use flags::flag_unknown_words;
pub(crate) use known::{Known, People};
pub(crate) use render::render_and_rescan;
pub(crate) use tokens::Token;

/// What one case's detection needs.
pub(crate) struct CaseContext<'a> {
    pub rules: &'a RuleSet,
    pub known: Known,
    pub people: People,
    pub occurred: NaiveDate,
    pub birth: Option<NaiveDate>,
}

/// Stages 1 to 6 on one field: candidate spans (unresolved) and the field's tokens.
pub(crate) fn detect(text: &str, ctx: &mut CaseContext<'_>) -> (Vec<Span>, Vec<Token>) {
    let rules = ctx.rules;
    let mut spans = Vec::new();
    let toks = tokens::tokenize(text, rules);
    let folded = Folded::new(text);
    ctx.known.find(text, &folded, &mut spans);
    known::extend_known_names(text, &mut spans, rules);
    known::nicknames_after_known(text, ctx, &mut spans);
    let mut keep = Vec::new();
    patterns::apply_rules(text, ctx, &mut spans, &mut keep);
    let protected = clinical::protected_by_phrases(text, &toks, rules);
    places::detect_cities(text, &toks, &protected, rules, &mut spans);
    places::detect_by_context(text, &toks, &protected, rules, &mut spans);
    names::detect(text, &toks, &protected, ctx, &mut spans);
    clinical::keep_measurements(text, &keep, &mut spans);
    (spans, toks)
}

/// Names found in any field of the case, wherever else they are written (stage 2 again,
/// once every field has been through [`detect`]).
pub(crate) fn remembered(toks: &[Token], ctx: &CaseContext<'_>, spans: &mut Vec<Span>) {
    known::detect_remembered(toks, ctx, spans);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redaction::rules::test_rules;

    /// A detection context for a case with no structured identifiers.
    pub(crate) fn bare_context(rules: &RuleSet) -> CaseContext<'_> {
        let case: crate::case::SubmittedCase = serde_json::from_value(serde_json::json!({
            "schema_version": "1", "external_ref": "t", "closed_on": "2024-03-01",
            "event": {"occurred_on": "2024-02-01", "category": "fall", "harm": "mild",
                      "setting": "inpatient", "summary": "x"},
            "patient": {},
            "lessons_learned": "y"
        }))
        .expect("a valid case");
        let mut people = People::default();
        let known = Known::build(&case, rules, &[], &mut people).expect("matcher");
        CaseContext {
            rules,
            known,
            people,
            occurred: case.event.occurred_on,
            birth: None,
        }
    }

    /// The texts of the spans of `text` found by stages 1 to 6, sorted.
    pub(crate) fn found(text: &str) -> Vec<String> {
        let rules = test_rules();
        let mut ctx = bare_context(rules);
        let (spans, _) = detect(text, &mut ctx);
        let mut out: Vec<String> = spans
            .iter()
            .map(|s| text[s.start..s.end].to_owned())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn every_stage_runs_on_a_field() {
        let text = "Son Bill called 3/14 from Fresno; bp 90/50, Foley in place.";
        let found = found(text);
        assert!(found.contains(&"Bill".to_owned()), "names: {found:?}");
        assert!(found.contains(&"3/14".to_owned()), "patterns: {found:?}");
        assert!(found.contains(&"Fresno".to_owned()), "places: {found:?}");
        assert!(
            !found
                .iter()
                .any(|f| f.contains("90/50") || f.contains("Foley")),
            "clinical protection: {found:?}"
        );
    }
}
