//! `spec/case.schema.json` as a table, checked over the parsed JSON before it is turned
//! into a [`super::SubmittedCase`], so that a rejected case is told every problem at once
//! (up to [`MAX_ERRORS`]), not only the first one serde meets.
//!
//! Problems name the path and what was expected, never the value that was sent.

use std::sync::LazyLock;

use chrono::Datelike;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::Value;

use super::vocab::*;
use super::FieldError;

/// The most problems reported for one case.
pub const MAX_ERRORS: usize = 20;

/// One node of the schema.
enum Rule {
    /// Properties in schema order: name, required, rule. No other property is allowed.
    Object(Vec<(&'static str, bool, Rule)>),
    Text {
        min: usize,
        max: Option<usize>,
    },
    Const(&'static str),
    OneOf(Vec<&'static str>),
    Date,
    DateTime,
    Integer {
        min: i64,
        max: i64,
    },
    Bool,
    Array {
        max: Option<usize>,
        items: Box<Rule>,
    },
}

/// The longest short identifying field (a name, a number, an address line), in
/// characters. The published schema leaves these unbounded; bounding them is what lets
/// one body limit accept every case the schema allows, and refuse the rest.
pub const MAX_SHORT_CHARS: usize = 200;

/// The most people involved one case may name.
pub const MAX_PEOPLE: usize = 200;
/// The most improvement actions one case may hold.
pub const MAX_ACTIONS: usize = 100;

fn text() -> Rule {
    Rule::Text {
        min: 0,
        max: Some(MAX_SHORT_CHARS),
    }
}

fn text_len(min: usize, max: Option<usize>) -> Rule {
    Rule::Text { min, max }
}

macro_rules! one_of {
    ($vocab:ty) => {
        Rule::OneOf(<$vocab>::ALL.iter().map(|v| v.as_str()).collect())
    };
}

/// The largest free-text narrative field, in characters.
pub const MAX_NARRATIVE_CHARS: usize = 100_000;

static CASE: LazyLock<Rule> = LazyLock::new(|| {
    let narrative = || text_len(0, Some(MAX_NARRATIVE_CHARS));
    let address = Rule::Object(vec![
        ("street", false, text()),
        ("city", false, text()),
        ("state", false, text()),
        ("zip", false, text()),
    ]);
    Rule::Object(vec![
        ("schema_version", true, Rule::Const("1")),
        ("external_ref", true, text_len(1, Some(64))),
        ("closed_on", true, Rule::Date),
        (
            "event",
            true,
            Rule::Object(vec![
                ("occurred_on", true, Rule::Date),
                ("discovered_on", false, Rule::Date),
                ("category", true, one_of!(Category)),
                ("harm", true, one_of!(Harm)),
                ("setting", true, one_of!(Setting)),
                ("service", false, text_len(0, Some(120))),
                ("summary", true, text_len(1, Some(MAX_NARRATIVE_CHARS))),
            ]),
        ),
        (
            "patient",
            true,
            Rule::Object(vec![
                ("name", false, text()),
                ("mrn", false, text()),
                ("birth_date", false, Rule::Date),
                ("age_years", false, Rule::Integer { min: 0, max: 130 }),
                ("sex", false, one_of!(Sex)),
                ("address", false, address),
                ("phone", false, text()),
                ("email", false, text()),
                ("insurance_id", false, text()),
            ]),
        ),
        (
            "people",
            false,
            Rule::Array {
                max: Some(MAX_PEOPLE),
                items: Box::new(Rule::Object(vec![
                    ("name", true, text_len(1, Some(MAX_SHORT_CHARS))),
                    ("role", true, text_len(1, Some(80))),
                    ("license_number", false, text()),
                    ("email", false, text()),
                    ("phone", false, text()),
                ])),
            },
        ),
        (
            "facility",
            false,
            Rule::Object(vec![
                ("name", false, text()),
                ("unit", false, text()),
                ("city", false, text()),
                ("state", false, text()),
            ]),
        ),
        (
            "communication",
            false,
            Rule::Object(vec![
                ("first_contact_at", false, Rule::DateTime),
                ("disclosed_by_role", false, text_len(0, Some(80))),
                ("apology", false, one_of!(Apology)),
                ("notes", false, narrative()),
            ]),
        ),
        (
            "review",
            false,
            Rule::Object(vec![
                ("method", false, one_of!(ReviewMethod)),
                ("standard_of_care_met", false, one_of!(StandardOfCare)),
                (
                    "contributing_factors",
                    false,
                    Rule::Array {
                        max: Some(ContributingFactor::ALL.len()),
                        items: Box::new(one_of!(ContributingFactor)),
                    },
                ),
                ("findings", false, narrative()),
            ]),
        ),
        (
            "resolution",
            false,
            Rule::Object(vec![
                ("loop_closed_with_family", false, Rule::Bool),
                ("loop_closed_on", false, Rule::Date),
                ("compensation", false, one_of!(Compensation)),
                ("clinician_support_offered", false, Rule::Bool),
                ("notes", false, narrative()),
            ]),
        ),
        (
            "lessons_learned",
            true,
            text_len(1, Some(MAX_NARRATIVE_CHARS)),
        ),
        (
            "improvement_actions",
            false,
            Rule::Array {
                max: Some(MAX_ACTIONS),
                items: Box::new(Rule::Object(vec![
                    ("description", true, text_len(1, Some(20_000))),
                    ("strength", true, one_of!(ActionStrength)),
                    ("status", true, one_of!(ActionStatus)),
                    ("due_on", false, Rule::Date),
                ])),
            },
        ),
    ])
});

/// Every way `value` departs from the case schema, in schema order, at most
/// [`MAX_ERRORS`].
pub fn check(value: &Value) -> Vec<FieldError> {
    let mut out = Walk { errors: Vec::new() };
    out.walk(&CASE, value, "");
    if out.errors.is_empty() {
        out.check_order(value);
    }
    out.errors
}

/// The rule table as a JSON Schema (draft 2020-12): what the OpenAPI document gives as
/// the body of a submission, and what the drift test compares with
/// `spec/case.schema.json`.
pub fn json_schema() -> Value {
    fn node(rule: &Rule) -> Value {
        match rule {
            Rule::Object(props) => {
                let required: Vec<&str> = props
                    .iter()
                    .filter(|(_, r, _)| *r)
                    .map(|(n, _, _)| *n)
                    .collect();
                let properties: serde_json::Map<String, Value> = props
                    .iter()
                    .map(|(n, _, r)| ((*n).to_owned(), node(r)))
                    .collect();
                let mut o = serde_json::json!({
                    "type": "object",
                    "additionalProperties": false,
                    "properties": properties,
                });
                if !required.is_empty() {
                    o["required"] = required.into();
                }
                o
            }
            Rule::Text { min, max } => {
                let mut o = serde_json::json!({ "type": "string" });
                if *min > 0 {
                    o["minLength"] = (*min).into();
                }
                if let Some(max) = max {
                    o["maxLength"] = (*max).into();
                }
                o
            }
            Rule::Const(c) => serde_json::json!({ "type": "string", "enum": [c] }),
            Rule::OneOf(values) => serde_json::json!({ "type": "string", "enum": values }),
            Rule::Date => serde_json::json!({ "type": "string", "format": "date" }),
            Rule::DateTime => serde_json::json!({ "type": "string", "format": "date-time" }),
            Rule::Integer { min, max } => {
                serde_json::json!({ "type": "integer", "minimum": min, "maximum": max })
            }
            Rule::Bool => serde_json::json!({ "type": "boolean" }),
            Rule::Array { max, items } => {
                let mut o = serde_json::json!({ "type": "array", "items": node(items) });
                if let Some(max) = max {
                    o["maxItems"] = (*max).into();
                }
                o
            }
        }
    }
    node(&CASE)
}

/// The years a date may fall in.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

struct Walk {
    errors: Vec<FieldError>,
}

fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn shown(path: &str) -> String {
    if path.is_empty() {
        ".".to_owned()
    } else {
        path.to_owned()
    }
}

impl Walk {
    /// Dates that must not come before the event.
    fn check_order(&mut self, case: &Value) {
        let date = |path: &[&str]| {
            path.iter()
                .try_fold(case, |v, k| v.get(k))
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<NaiveDate>().ok())
        };
        let Some(occurred) = date(&["event", "occurred_on"]) else {
            return;
        };
        for (path, name) in [
            (&["closed_on"][..], "closed_on"),
            (&["event", "discovered_on"][..], "event.discovered_on"),
            (
                &["resolution", "loop_closed_on"][..],
                "resolution.loop_closed_on",
            ),
        ] {
            if date(path).is_some_and(|d| d < occurred) {
                self.fail(name, "must not be before event.occurred_on");
            }
        }
    }

    fn fail(&mut self, path: &str, problem: impl Into<String>) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(FieldError {
                path: shown(path),
                problem: problem.into(),
            });
        }
    }

    fn full(&self) -> bool {
        self.errors.len() >= MAX_ERRORS
    }

    fn walk(&mut self, rule: &Rule, value: &Value, path: &str) {
        if self.full() {
            return;
        }
        match rule {
            Rule::Object(props) => {
                let Some(map) = value.as_object() else {
                    return self.fail(path, "wrong type; expected an object");
                };
                for (name, required, sub) in props {
                    let p = child(path, name);
                    match map.get(*name) {
                        // An optional field is left out, not sent as null: the schema
                        // gives every field one type.
                        None if !required => {}
                        None => self.fail(&p, format!("missing required field `{name}`")),
                        Some(v) => self.walk(sub, v, &p),
                    }
                }
                for key in map.keys() {
                    if !props.iter().any(|(name, _, _)| name == key) {
                        let key: String = key.chars().take(64).collect();
                        self.fail(
                            path,
                            format!("unknown field `{key}` (the schema allows no other fields)"),
                        );
                    }
                }
            }
            Rule::Text { min, max } => {
                let Some(s) = value.as_str() else {
                    return self.fail(path, "wrong type; expected a string");
                };
                let n = s.chars().count();
                if s.contains('\0') {
                    self.fail(path, "must not contain NUL characters");
                }
                if n < *min {
                    self.fail(path, format!("must not be shorter than {min} characters"));
                }
                if let Some(max) = max {
                    if n > *max {
                        self.fail(path, format!("must not be longer than {max} characters"));
                    }
                }
            }
            Rule::Const(want) => {
                if value.as_str() != Some(want) {
                    self.fail(path, format!("must be \"{want}\""));
                }
            }
            Rule::OneOf(values) => {
                if !value.as_str().is_some_and(|s| values.contains(&s)) {
                    self.fail(
                        path,
                        format!(
                            "not an allowed value; expected one of: {}",
                            values.join(", ")
                        ),
                    );
                }
            }
            Rule::Date => match value.as_str().map(str::parse::<NaiveDate>) {
                Some(Ok(d)) if YEARS.contains(&d.year()) => {}
                Some(Ok(_)) => self.fail(path, "the year must be from 1900 to 2199"),
                _ => self.fail(path, "not a valid date (YYYY-MM-DD)"),
            },
            Rule::DateTime => match value.as_str().map(str::parse::<DateTime<FixedOffset>>) {
                Some(Ok(t)) if YEARS.contains(&t.year()) => {}
                Some(Ok(_)) => self.fail(path, "the year must be from 1900 to 2199"),
                _ => self.fail(
                    path,
                    "not a valid date-time (RFC 3339, e.g. 2024-03-14T15:30:00-05:00)",
                ),
            },
            Rule::Integer { min, max } => match value.as_i64() {
                Some(n) if (*min..=*max).contains(&n) => {}
                Some(_) => self.fail(path, format!("must be between {min} and {max}")),
                None if value.as_u64().is_some() => {
                    self.fail(path, format!("must be between {min} and {max}"))
                }
                None => self.fail(path, "wrong type; expected a whole number"),
            },
            Rule::Bool => {
                if !value.is_boolean() {
                    self.fail(path, "wrong type; expected true or false");
                }
            }
            Rule::Array { max, items } => {
                let Some(list) = value.as_array() else {
                    return self.fail(path, "wrong type; expected an array");
                };
                if let Some(max) = max {
                    if list.len() > *max {
                        // Not walked further: the items of an oversized list are not
                        // looked at one by one.
                        return self.fail(path, format!("must not have more than {max} items"));
                    }
                }
                for (i, item) in list.iter().enumerate() {
                    if self.full() {
                        return;
                    }
                    self.walk(items, item, &format!("{path}[{i}]"));
                }
            }
        }
    }
}

/// How many characters the schema bounds (the sum of every `maxLength` times the
/// `maxItems` of the arrays holding it): every string is bounded.
#[cfg(test)]
pub fn bounded_characters() -> usize {
    fn count(rule: &Rule) -> usize {
        match rule {
            Rule::Object(props) => props.iter().map(|(_, _, r)| count(r)).sum(),
            Rule::Text { max, .. } => max.unwrap_or(0),
            Rule::Array { max, items } => max.unwrap_or(0) * count(items),
            _ => 0,
        }
    }
    count(&CASE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bounded_text_of_a_case_fits_the_body_limit_however_it_is_escaped() {
        // 5 narratives of 100,000, 100 actions of 20,000, 200 roles of 80, 813 short
        // fields of 200 (200 people's names and numbers, the patient's, the facility's).
        assert_eq!(bounded_characters(), 2_678_864);
        // Every character as a `\uXXXX\uXXXX` surrogate pair is 12 bytes; what is left
        // holds the keys and punctuation of the largest case (about 150 KB).
        let worst = bounded_characters() * 12;
        assert!(worst + 1_000_000 < crate::case::MAX_BODY_BYTES, "{worst}");
    }

    fn errors_of(value: serde_json::Value) -> Vec<String> {
        check(&value)
            .into_iter()
            .map(|e| format!("{}: {}", e.path, e.problem))
            .collect()
    }

    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "schema_version": "1", "external_ref": "R-1", "closed_on": "2024-06-30",
            "event": {"occurred_on": "2024-03-14", "category": "fall", "harm": "mild",
                      "setting": "inpatient", "summary": "A fall."},
            "patient": {}, "lessons_learned": "Rounding."
        })
    }

    #[test]
    fn dates_out_of_order_or_range_nul_characters_and_long_lists_are_refused() {
        assert!(errors_of(minimal()).is_empty());
        let mut c = minimal();
        c["closed_on"] = "2024-03-13".into();
        assert_eq!(
            errors_of(c),
            ["closed_on: must not be before event.occurred_on"]
        );
        let mut c = minimal();
        c["event"]["occurred_on"] = "0000-03-14".into();
        c["closed_on"] = "0000-06-30".into();
        assert_eq!(errors_of(c).len(), 2);
        let mut c = minimal();
        c["event"]["summary"] = "A fall\u{0}.".into();
        assert_eq!(
            errors_of(c),
            ["event.summary: must not contain NUL characters"]
        );
        let mut c = minimal();
        c["patient"]["name"] = "x".repeat(MAX_SHORT_CHARS + 1).into();
        assert_eq!(errors_of(c).len(), 1);
        let mut c = minimal();
        c["review"] = serde_json::json!({ "contributing_factors": vec!["other"; 50_000] });
        assert_eq!(
            errors_of(c),
            ["review.contributing_factors: must not have more than 12 items"]
        );
    }
}
