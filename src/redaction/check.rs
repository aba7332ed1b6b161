//! Invariants shared by the property tests, the soak harness and the fuzz target.

use super::{redact, RuleSet};
use crate::case::{parse_case, ParseError, SubmittedCase};

/// The longest text [`probe_case`] can place: the tightest schema cap of a field that
/// receives the text alone (`improvement_actions[].description`, 20,000 characters).
pub const MAX_PROBE_CHARS: usize = 20_000;

/// The schema cap of `event.service`: the text goes there only when it fits.
const SERVICE_MAX_CHARS: usize = 120;

/// The sentence [`probe_case`] wraps the text around in the mixed fields.
const PROBE_SENTENCE: &str = " Elaine Harding met Katrina Summers. ";

/// The JSON of the case [`probe_case`] parses: its structured fields hold known
/// identifiers, and `text` goes only where the schema allows it: alone into
/// `communication.notes`, `review.findings`, `lessons_learned` and the improvement
/// action's description (the last two need a character: an empty `text` gives them the
/// mixed form), around a sentence that uses the identifiers into `event.summary` and
/// `resolution.notes`, and into `event.service` only when it fits its 120 characters.
/// Every text of at most [`MAX_PROBE_CHARS`] characters gives a valid case (at most
/// 8 copies × 6 JSON bytes per character stay under the 1 MiB body limit).
pub fn probe_json(text: &str) -> serde_json::Value {
    let service = probe_service(text);
    let mixed = format!("{text}{PROBE_SENTENCE}{text}");
    let alone = if text.is_empty() {
        mixed.as_str()
    } else {
        text
    };
    serde_json::json!({
        "schema_version": "1",
        "external_ref": "CRP-18-8179",
        "closed_on": "2025-05-30",
        "event": {"occurred_on": "2025-03-14", "category": "fall", "harm": "moderate",
                  "setting": "inpatient", "service": service, "summary": mixed},
        "patient": {"name": "Elaine Harding", "mrn": "6613346", "birth_date": "1931-07-02",
                    "sex": "female", "phone": "(515) 410-7044", "email": "eharding@gmail.com",
                    "insurance_id": "3HG4-DG4-CB26",
                    "address": {"street": "424 Taylor Spurs", "city": "Lake Brendaport", "zip": "37160"}},
        "people": [{"name": "Katrina Summers", "role": "RN", "license_number": "RN7663794",
                    "phone": "816-276-4019", "email": "ksummers@rita.org"}],
        "facility": {"name": "Brightwater Medical Center", "unit": "Pavilion E", "city": "Matthewfurt"},
        "communication": {"notes": text},
        "review": {"findings": text},
        "resolution": {"notes": mixed},
        "lessons_learned": alone,
        "improvement_actions": [{"description": alone, "strength": "stronger", "status": "planned"}]
    })
}

/// What [`probe_json`] puts into `event.service`.
fn probe_service(text: &str) -> &str {
    if text.chars().count() <= SERVICE_MAX_CHARS {
        text
    } else {
        "orthopedics"
    }
}

/// The probe case around `text` (see [`probe_json`]), or why it is not a valid case.
/// Every text of at most [`MAX_PROBE_CHARS`] characters gives a case.
pub fn probe_case(text: &str) -> Result<SubmittedCase, ParseError> {
    let bytes = serde_json::to_vec(&probe_json(text)).map_err(|_| ParseError::TooLarge {
        limit: crate::case::MAX_BODY_BYTES,
    })?;
    parse_case(&bytes)
}

/// What one probe showed. Deliberately not a `Result`: a probe that checked nothing must
/// never pass for one that held.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Probe {
    /// The probe case was redacted and every invariant held.
    Held,
    /// Nothing was checked: the text is longer than [`MAX_PROBE_CHARS`] or holds a NUL
    /// character, so no valid case holds it. Harnesses count these and require them to be
    /// rare.
    Skipped,
    /// An invariant broke (or a probe case that should be valid was rejected or refused).
    /// The message names the invariant, never the input.
    Broken(String),
}

impl Probe {
    /// True when the probe was checked and held.
    pub fn held(&self) -> bool {
        *self == Probe::Held
    }
}

/// The identifiers of [`probe_case`] that must never appear in its shared view.
pub const PROBE_IDENTIFIERS: &[&str] = &[
    "Elaine Harding",
    "Elaine",
    "Harding",
    "Katrina Summers",
    "Katrina",
    "Summers",
    "6613346",
    "eharding@gmail.com",
    "3HG4-DG4-CB26",
    "424 Taylor Spurs",
    "Lake Brendaport",
    "Brendaport",
    "RN7663794",
    "ksummers@rita.org",
    "Brightwater Medical Center",
    "Brightwater",
    "Pavilion E",
    "Matthewfurt",
    "CRP-18-8179",
];

/// Digit forms (separators ignored) of the probe's numbers.
pub const PROBE_DIGITS: &[&str] = &["6613346", "5154107044", "8162764019", "7663794"];

fn bounded(hay: &str, needle: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = hay.get(from..).and_then(|h| h.find(needle)) {
        let s = from + i;
        let e = s + needle.len();
        if !hay[..s].ends_with(word) && !hay[e..].starts_with(word) {
            return true;
        }
        from = s + 1;
        while !hay.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// Redacts the probe case built around `text` and checks: no probe identifier survives
/// (word-bounded, case-sensitive; digits in any separation), every free-text field is at
/// most `4 × its input + 64` bytes. A text no valid case can hold (too long, or with a
/// NUL character, which the schema refuses) is [`Probe::Skipped`]; a shorter one whose probe case is rejected by validation or
/// refused by the pipeline is [`Probe::Broken`]. Never panics itself.
pub fn check_invariants(text: &str, rules: &RuleSet) -> Probe {
    if text.chars().count() > MAX_PROBE_CHARS || text.contains('\0') {
        return Probe::Skipped;
    }
    let case = match probe_case(text) {
        Ok(case) => case,
        Err(ParseError::Schema(fields)) => {
            let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
            return Probe::Broken(format!(
                "the probe case was rejected by validation at {}",
                paths.join(", ")
            ));
        }
        Err(e) => return Probe::Broken(format!("the probe case was rejected by validation: {e}")),
    };
    let out = match redact(&case, rules) {
        Ok(out) => out,
        Err(e) => return Probe::Broken(format!("the pipeline refused the probe case: {e}")),
    };
    let view = match serde_json::to_value(&out.view) {
        Ok(v) => v,
        Err(e) => return Probe::Broken(e.to_string()),
    };
    let mut all = String::new();
    collect(&view, &mut all);
    for (i, id) in PROBE_IDENTIFIERS.iter().enumerate() {
        // An identifier the input itself breaks apart (`xElaine`) is no leak; only check
        // identifiers that do not occur unbounded in the fuzz text itself.
        if bounded(&all, id) {
            return Probe::Broken(format!("probe identifier #{i} leaked"));
        }
    }
    let digits_runs = super::stages::known::digit_runs(&all);
    for (s, e) in digits_runs {
        let d: String = all[s..e].chars().filter(char::is_ascii_digit).collect();
        if PROBE_DIGITS.iter().any(|p| d.contains(p)) {
            return Probe::Broken("a probe number leaked".into());
        }
    }
    // Every free-text field of the registry: its output is bounded by what it was given
    // (a placeholder may be longer than a short word, never unboundedly).
    let given: std::collections::HashMap<_, usize> = case
        .text_fields()
        .into_iter()
        .map(|(field, t)| (field, t.len()))
        .collect();
    for (field, output) in out.view.text_fields() {
        let input = given.get(&field).copied().unwrap_or(0);
        if output.len() > 4 * input + 64 {
            return Probe::Broken(format!(
                "{} grew from {input} to {} bytes",
                field.path(),
                output.len()
            ));
        }
    }
    Probe::Held
}

fn collect(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect(x, out)),
        _ => {}
    }
}

/// The fuzz entry point: panics when an invariant is broken; returns what the probe
/// showed otherwise (a fuzzer may count [`Probe::Skipped`]).
#[doc(hidden)]
pub fn fuzz_one(text: &str, rules: &RuleSet) -> Probe {
    let probe = check_invariants(text, rules);
    if let Probe::Broken(e) = &probe {
        panic!("redaction invariant broken: {e}");
    }
    probe
}
