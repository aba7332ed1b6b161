//! Parsing and validating a submitted case against `spec/case.schema.json`.
//!
//! Error messages name the field path and what was expected, never the value that was
//! sent: a rejected case may be full of identifiers, and errors end up in logs, HTTP
//! responses and import summaries.

use serde::Serialize;

use super::SubmittedCase;

/// The largest case body accepted by every submission path (API and import line).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

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
    let case: SubmittedCase = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = display_path(&e.path().to_string());
        ParseError::Schema(vec![FieldError {
            problem: describe(&e.inner().to_string()),
            path,
        }])
    })?;
    let errors = check(&case);
    if errors.is_empty() {
        Ok(case)
    } else {
        Err(ParseError::Schema(errors))
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

struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    fn fail(&mut self, path: impl Into<String>, problem: impl Into<String>) {
        self.errors.push(FieldError {
            path: path.into(),
            problem: problem.into(),
        });
    }

    fn len(&mut self, path: &str, value: &str, min: usize, max: Option<usize>) {
        let n = value.chars().count();
        if n < min {
            self.fail(path, format!("must not be shorter than {min} characters"));
        }
        if let Some(max) = max {
            if n > max {
                self.fail(path, format!("must not be longer than {max} characters"));
            }
        }
    }

    fn opt_len(&mut self, path: &str, value: &Option<String>, max: usize) {
        if let Some(v) = value {
            self.len(path, v, 0, Some(max));
        }
    }
}

/// The constraints of the schema that serde's types do not express.
fn check(case: &SubmittedCase) -> Vec<FieldError> {
    let mut c = Checker { errors: Vec::new() };
    if case.schema_version != "1" {
        c.fail("schema_version", "must be \"1\"");
    }
    c.len("external_ref", &case.external_ref, 1, Some(64));
    c.opt_len("event.service", &case.event.service, 120);
    c.len("event.summary", &case.event.summary, 1, Some(100_000));
    if let Some(age) = case.patient.age_years {
        if age > 130 {
            c.fail("patient.age_years", "must be between 0 and 130");
        }
    }
    if case.people.len() > 200 {
        c.fail("people", "must not have more than 200 items");
    }
    for (i, p) in case.people.iter().enumerate() {
        c.len(&format!("people[{i}].name"), &p.name, 1, None);
        c.len(&format!("people[{i}].role"), &p.role, 1, Some(80));
    }
    if let Some(com) = &case.communication {
        c.opt_len(
            "communication.disclosed_by_role",
            &com.disclosed_by_role,
            80,
        );
        c.opt_len("communication.notes", &com.notes, 100_000);
    }
    if let Some(r) = &case.review {
        c.opt_len("review.findings", &r.findings, 100_000);
    }
    if let Some(r) = &case.resolution {
        c.opt_len("resolution.notes", &r.notes, 100_000);
    }
    c.len("lessons_learned", &case.lessons_learned, 1, Some(100_000));
    if case.improvement_actions.len() > 100 {
        c.fail("improvement_actions", "must not have more than 100 items");
    }
    for (i, a) in case.improvement_actions.iter().enumerate() {
        c.len(
            &format!("improvement_actions[{i}].description"),
            &a.description,
            1,
            Some(20_000),
        );
    }
    c.errors
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
