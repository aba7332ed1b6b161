//! Parsing and validating a submitted case against `spec/case.schema.json`.
//!
//! Error messages name the field path and what was expected, never the value that was
//! sent: a rejected case may be full of identifiers, and errors end up in logs, HTTP
//! responses and import summaries.

use serde::Serialize;

use super::SubmittedCase;

/// The largest case body accepted by every submission path (API and import line): 32 MiB.
///
/// The schema bounds 2,678,864 characters of text (five narratives of 100,000, a hundred
/// action descriptions of 20,000, two hundred roles of 80, 813 names, numbers and address
/// lines of 200). Written the most expensive way JSON allows, every character as a
/// `\uXXXX\uXXXX` surrogate pair (12 bytes), that is 32.1 MB with its keys; a limit of
/// 32 MiB accepts every case the schema allows.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// One schema violation: where, and what was expected. Never the offending value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON path, e.g. `event.category` or `people[2].name`; `.` for the whole document.
    pub path: String,
    /// What is wrong, e.g. `must be one of: death, severe, …`.
    pub problem: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

/// Why a body is not an acceptable case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the case is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the body is not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 { offset: usize },
    #[error("malformed JSON at line {line}, column {column}")]
    Malformed { line: usize, column: usize },
    #[error("the case does not match the schema: {}", join(.0))]
    Schema(Vec<FieldError>),
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Parses and validates one case from raw bytes (an API body or one import line).
pub fn parse_case(bytes: &[u8]) -> Result<SubmittedCase, ParseError> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ParseError::TooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    // Syntax first, so that "not JSON" is a 400 and "JSON of the wrong shape" a 422.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ParseError::Malformed {
            line: e.line(),
            column: e.column(),
        })?;
    // JSON allows an object to repeat a key and keeps the last; a case that says two
    // things about one field is refused, not read one way here and another elsewhere.
    if let Err(e) = serde_json::from_str::<NoDuplicateKeys>(text) {
        return Err(ParseError::Schema(vec![FieldError {
            path: ".".into(),
            problem: format!(
                "an object repeats a key (line {}, column {}); every key may appear once",
                e.line(),
                e.column()
            ),
        }]));
    }
    // Every problem at once (up to MAX_ERRORS), from the schema's table.
    let errors = super::schema::check(&value);
    if !errors.is_empty() {
        return Err(ParseError::Schema(errors));
    }
    // What the table accepts, the types accept; should they ever disagree, the first
    // problem serde meets is still reported, by path.
    let case: SubmittedCase = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = display_path(&e.path().to_string());
        ParseError::Schema(vec![FieldError {
            problem: describe(&e.inner().to_string()),
            path,
        }])
    })?;
    Ok(case)
}

/// A JSON document in which no object repeats a key (reads nothing else).
struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeys {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(self)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut keys = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !keys.insert(key) {
                // The key is not quoted: it came from the input.
                return Err(serde::de::Error::custom("repeated key"));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(self)
    }
}

/// Checks a small JSON body (not a case) that parsed into `value`: no object repeats a
/// key, no string holds a NUL character. The problem, if any, names where (the path of
/// the string, or line and column for a repeated key), never what.
pub fn check_plain_json(text: &str, value: &serde_json::Value) -> Result<(), FieldError> {
    if let Err(e) = serde_json::from_str::<NoDuplicateKeys>(text) {
        return Err(FieldError {
            path: ".".into(),
            problem: format!(
                "an object repeats a key (line {}, column {}); every key may appear once",
                e.line(),
                e.column()
            ),
        });
    }
    match nul_at(value, String::new()) {
        Some(path) => Err(FieldError {
            path: display_path(&path),
            problem: "must not contain NUL characters".into(),
        }),
        None => Ok(()),
    }
}

/// The path of the first string (or key: the path of its object) holding a NUL.
fn nul_at(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::String(s) => s.contains('\0').then_some(path),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_at(v, format!("{path}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                return Some(path.clone());
            }
            let key = crate::params::shown(k);
            let inner = if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            };
            nul_at(v, inner)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod plain_json_tests {
    use super::check_plain_json;

    fn check(text: &str) -> Result<(), super::FieldError> {
        check_plain_json(text, &serde_json::from_str(text).unwrap())
    }

    #[test]
    fn repeated_keys_and_nuls_are_refused_anywhere_without_quoting() {
        assert!(check(r#"{"a": [1, {"b": "x"}], "c": null}"#).is_ok());
        let e = check(r#"{"comment": "a", "comment": "secret"}"#).unwrap_err();
        assert!(e.problem.starts_with("an object repeats a key"), "{e:?}");
        assert!(!e.problem.contains("secret"));
        let e = check(r#"{"x": [{"k": 1, "k": 2}]}"#).unwrap_err();
        assert!(e.problem.starts_with("an object repeats a key"), "{e:?}");
        let e = check(r#"{"comment": "a\u0000secret"}"#).unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.problem.as_str()),
            ("comment", "must not contain NUL characters")
        );
        let e = check(r#"{"cases": [{"t": "ok"}, {"t": "\u0000"}]}"#).unwrap_err();
        assert_eq!(e.path, "cases[1].t");
        let e = check(r#"{"a\u0000": 1}"#).unwrap_err();
        assert_eq!(e.path, ".");
    }
}

fn display_path(path: &str) -> String {
    if path.is_empty() || path == "?" {
        ".".to_owned()
    } else {
        path.to_owned()
    }
}

/// Turns a serde message into one that keeps the expectation (from our own types) and
/// drops anything quoted from the input.
fn describe(message: &str) -> String {
    let expected = message
        .split_once(", expected ")
        .map(|(_, e)| e.trim_end_matches('.').to_owned());
    if message.starts_with("missing field") {
        // The field name comes from our schema, not from the input.
        let field = message.split('`').nth(1).unwrap_or("?");
        return format!("missing required field `{field}`");
    }
    if message.starts_with("unknown field") {
        let field: String = message
            .split('`')
            .nth(1)
            .unwrap_or("?")
            .chars()
            .take(64)
            .collect();
        return format!("unknown field `{field}` (the schema allows no other fields)");
    }
    if message.starts_with("unknown variant") {
        return format!(
            "not an allowed value; expected {}",
            expected.unwrap_or_else(|| "a value from the schema".into())
        );
    }
    if message.starts_with("invalid type") {
        return format!(
            "wrong type; expected {}",
            expected.unwrap_or_else(|| "another type".into())
        );
    }
    if message.starts_with("invalid value") {
        return format!(
            "invalid value; expected {}",
            expected.unwrap_or_else(|| "another value".into())
        );
    }
    if message.starts_with("invalid length") {
        return format!(
            "wrong number of items; expected {}",
            expected.unwrap_or_else(|| "another length".into())
        );
    }
    // chrono's parse errors ("input contains invalid characters", "premature end of input",
    // "input is out of range") carry no input, but say plainly what we want.
    if message.contains("input") {
        return "not a valid date (YYYY-MM-DD) or date-time (RFC 3339)".to_owned();
    }
    "invalid value".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(body: &[u8]) -> ParseError {
        match parse_case(body) {
            Ok(_) => panic!("the case was accepted"),
            Err(e) => e,
        }
    }

    const MINIMAL: &str = r#"{"schema_version":"1","external_ref":"CRP-1","closed_on":"2024-05-02",
        "event":{"occurred_on":"2024-03-01","category":"fall","harm":"mild","setting":"inpatient","summary":"Fell."},
        "patient":{},"lessons_learned":"Hourly rounding."}"#;

    fn with(path_edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
        let mut v: serde_json::Value = serde_json::from_str(MINIMAL).unwrap();
        path_edit(&mut v);
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn minimal_case_parses() {
        let case = parse_case(MINIMAL.as_bytes()).unwrap();
        assert_eq!(case.external_ref, "CRP-1");
    }

    #[test]
    fn enum_error_names_the_path_and_not_the_value() {
        let body = with(|v| v["event"]["harm"] = "Jane Secret".into());
        let err = parse_err(&body);
        let text = err.to_string();
        assert!(text.contains("event.harm"), "{text}");
        assert!(text.contains("death"), "{text}");
        assert!(!text.contains("Jane Secret"), "{text}");
    }

    #[test]
    fn wrong_type_does_not_echo_the_value() {
        let body = with(|v| v["patient"]["age_years"] = "ninety-one Smith".into());
        let text = parse_err(&body).to_string();
        assert!(text.contains("patient.age_years"), "{text}");
        assert!(!text.contains("Smith"), "{text}");
    }

    #[test]
    fn bad_date_is_a_schema_error_without_the_value() {
        let body = with(|v| v["closed_on"] = "03/14/2025".into());
        let err = parse_err(&body);
        let ParseError::Schema(errors) = &err else {
            panic!("expected schema error")
        };
        assert_eq!(errors[0].path, "closed_on");
        assert!(!err.to_string().contains("03/14"));
    }

    #[test]
    fn unknown_and_missing_fields_are_rejected() {
        let body = with(|v| v["patient"]["ssn"] = "123-45-6789".into());
        let text = parse_err(&body).to_string();
        assert!(text.contains("unknown field `ssn`"), "{text}");
        assert!(!text.contains("123-45"), "{text}");
        let body = with(|v| {
            v.as_object_mut().unwrap().remove("lessons_learned");
        });
        let text = parse_err(&body).to_string();
        assert!(
            text.contains("missing required field `lessons_learned`"),
            "{text}"
        );
    }

    #[test]
    fn lengths_and_versions_are_checked() {
        let body = with(|v| {
            v["schema_version"] = "2".into();
            v["external_ref"] = "x".repeat(65).into();
            v["lessons_learned"] = "".into();
        });
        let ParseError::Schema(errors) = parse_err(&body) else {
            panic!("expected schema errors")
        };
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["schema_version", "external_ref", "lessons_learned"]);
    }

    #[test]
    fn every_problem_is_reported_up_to_twenty() {
        let body = with(|v| {
            v["event"]["harm"] = "Jane Secret".into();
            v["patient"]["age_years"] = "Smith".into();
            v["closed_on"] = "03/14/2025".into();
            v["patient"]["ssn"] = "123-45-6789".into();
            v.as_object_mut().unwrap().remove("lessons_learned");
        });
        let err = parse_err(&body);
        let ParseError::Schema(errors) = &err else {
            panic!("expected schema errors")
        };
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "closed_on",
                "event.harm",
                "patient.age_years",
                "patient",
                "lessons_learned"
            ],
            "{err}"
        );
        let text = err.to_string();
        for secret in ["Jane Secret", "Smith", "03/14", "123-45"] {
            assert!(!text.contains(secret), "{text}");
        }
        // Thirty bad people: twenty problems, no more.
        let body = with(|v| {
            v["people"] = serde_json::json!((0..30)
                .map(|_| serde_json::json!({"name": ""}))
                .collect::<Vec<_>>());
        });
        let ParseError::Schema(errors) = parse_err(&body) else {
            panic!("expected schema errors")
        };
        assert_eq!(errors.len(), super::super::schema::MAX_ERRORS);
    }

    /// The largest case the schema's bounded fields allow, every character outside the
    /// Basic Multilingual Plane and written as an escaped surrogate pair.
    #[test]
    fn the_body_limit_accepts_the_largest_bounded_case_in_its_longest_encoding() {
        let s = |n: usize| "\u{1F600}".repeat(n);
        let body = with(|v| {
            v["external_ref"] = s(64).into();
            v["event"]["service"] = s(120).into();
            v["event"]["summary"] = s(100_000).into();
            v["lessons_learned"] = s(100_000).into();
            v["communication"] =
                serde_json::json!({"disclosed_by_role": s(80), "notes": s(100_000)});
            v["review"] = serde_json::json!({"findings": s(100_000)});
            v["resolution"] = serde_json::json!({"notes": s(100_000)});
            let short = || s(super::super::schema::MAX_SHORT_CHARS);
            v["people"] = (0..200)
                .map(|_| {
                    serde_json::json!({"name": short(), "role": s(80),
                    "license_number": short(), "email": short(), "phone": short()})
                })
                .collect::<Vec<_>>()
                .into();
            v["patient"] = serde_json::json!({"name": short(), "mrn": short(), "phone": short(),
                "email": short(), "insurance_id": short(),
                "address": {"street": short(), "city": short(), "state": short(), "zip": short()}});
            v["facility"] = serde_json::json!({"name": short(), "unit": short(),
                "city": short(), "state": short()});
            v["improvement_actions"] = (0..100)
                .map(|_| serde_json::json!({"description": s(20_000), "strength": "weaker", "status": "planned"}))
                .collect::<Vec<_>>()
                .into();
        });
        let mut escaped = String::with_capacity(MAX_BODY_BYTES);
        for c in String::from_utf8(body).unwrap().chars() {
            if c.is_ascii() {
                escaped.push(c);
            } else {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    escaped.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        assert!(escaped.len() > 32_000_000, "{}", escaped.len());
        assert!(escaped.len() <= MAX_BODY_BYTES, "{}", escaped.len());
        assert_eq!(
            super::super::schema::bounded_characters(),
            2_678_864,
            "the schema's bounds changed: recompute MAX_BODY_BYTES"
        );
        assert!(parse_case(escaped.as_bytes()).is_ok());
    }

    #[test]
    fn a_repeated_key_is_refused_wherever_it_is() {
        for body in [
            r#"{"schema_version":"1","schema_version":"1"}"#,
            r#"{"event":{"harm":"mild","harm":"death"}}"#,
            r#"{"people":[{"name":"A","name":"B"}]}"#,
        ] {
            match parse_err(body.as_bytes()) {
                ParseError::Schema(errors) => {
                    assert!(errors[0].problem.contains("repeats a key"), "{errors:?}")
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(parse_case(MINIMAL.as_bytes()).is_ok());
    }

    #[test]
    fn syntax_utf8_and_size_errors() {
        assert!(matches!(
            parse_case(b"{\"a\":"),
            Err(ParseError::Malformed { .. })
        ));
        assert!(matches!(
            parse_case(b"{\"a\":\"\xff\"}"),
            Err(ParseError::InvalidUtf8 { offset: 6 })
        ));
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert!(matches!(parse_case(&big), Err(ParseError::TooLarge { .. })));
    }
}
