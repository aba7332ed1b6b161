//! Invariants shared by the property tests, the soak harness and the fuzz target.

use super::{redact, RuleSet};
use crate::case::{parse_case, SubmittedCase};

/// A case whose structured fields hold known identifiers, with `text` in every free-text
/// field (alone, and around a sentence that uses the identifiers).
pub fn probe_case(text: &str) -> Option<SubmittedCase> {
    let mixed = format!("{text} Elaine Harding met Katrina Summers. {text}");
    let value = serde_json::json!({
        "schema_version": "1",
        "external_ref": "CRP-18-8179",
        "closed_on": "2025-05-30",
        "event": {"occurred_on": "2025-03-14", "category": "fall", "harm": "moderate",
                  "setting": "inpatient", "service": text, "summary": mixed},
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
        "lessons_learned": text,
        "improvement_actions": [{"description": text, "strength": "stronger", "status": "planned"}]
    });
    let bytes = serde_json::to_vec(&value).ok()?;
    parse_case(&bytes).ok()
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
/// (word-bounded, case-sensitive; digits in any separation), every field is at most
/// `4 × input + 64` bytes. Never panics itself.
pub fn check_invariants(text: &str, rules: &RuleSet) -> Result<(), String> {
    let Some(case) = probe_case(text) else {
        return Ok(()); // not a valid case (e.g. too large): nothing to check
    };
    let out = redact(&case, rules);
    let view = serde_json::to_value(&out.view).map_err(|e| e.to_string())?;
    let mut all = String::new();
    collect(&view, &mut all);
    for id in PROBE_IDENTIFIERS {
        // An identifier the input itself breaks apart (`xElaine`) is no leak; only check
        // identifiers that do not occur unbounded in the fuzz text itself.
        if bounded(&all, id) {
            return Err(format!(
                "probe identifier #{} leaked",
                PROBE_IDENTIFIERS.iter().position(|x| x == id).unwrap_or(0)
            ));
        }
    }
    let digits_runs = super::known::digit_runs(&all);
    for (s, e) in digits_runs {
        let d: String = all[s..e].chars().filter(char::is_ascii_digit).collect();
        if PROBE_DIGITS.iter().any(|p| d.contains(p)) {
            return Err("a probe number leaked".into());
        }
    }
    let limit = 4 * (text.len() + 60) + 64;
    let fields = [
        out.view.event.service.as_deref().unwrap_or(""),
        out.view.lessons_learned.as_str(),
    ];
    for f in fields {
        if f.len() > limit {
            return Err(format!(
                "field grew from {} to {} bytes",
                text.len(),
                f.len()
            ));
        }
    }
    Ok(())
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

/// The fuzz entry point: panics when an invariant is broken.
#[doc(hidden)]
pub fn fuzz_one(text: &str, rules: &RuleSet) {
    if let Err(e) = check_invariants(text, rules) {
        panic!("redaction invariant broken: {e}");
    }
}
