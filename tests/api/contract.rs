//! The contract at its edges: what no handler takes (unknown routes, wrong methods,
//! over-long URIs, non-JSON bodies, unknown parameters) is a JSON error with the right
//! status; queries on fields that cannot be searched are 400; a curator's manual
//! redaction reaches every field the pipeline rewrites; a return comment is redacted.

use std::time::Duration;

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{case_with, letters, Db, TestApp};

/// A request with full control of the headers: status, the `Allow` header, JSON body.
fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    who: Option<&str>,
    content_type: Option<&str>,
    body: Option<&[u8]>,
) -> (u16, Option<String>, Value) {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut req = agent.request(method, &format!("{}{path}", app.base()));
    if let Some(w) = who {
        req = req.set("Authorization", &format!("Bearer {}", app.token(w)));
    }
    if let Some(ct) = content_type {
        req = req.set("Content-Type", ct);
    }
    let result = match body {
        Some(b) => req.send_bytes(b),
        None => req.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request {method} failed: {e}"),
    };
    let status = response.status();
    let allow = response.header("Allow").map(str::to_owned);
    let text = response.into_string().unwrap_or_default();
    (
        status,
        allow,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn unknown_routes_methods_and_long_uris_are_json_errors(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let (status, _, body) = raw(&app, "GET", "/no-such-endpoint", Some("member"), None, None);
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found", "{body}");

    let (status, allow, body) = raw(&app, "PUT", "/cases", Some("curator"), None, None);
    assert_eq!(status, 405, "{body}");
    assert_eq!(body["error"], "method_not_allowed");
    assert_eq!(allow.as_deref(), Some("GET, POST"));
    let (status, allow, _) = raw(&app, "PATCH", "/search", Some("member"), None, None);
    assert_eq!((status, allow.as_deref()), (405, Some("GET")));

    let long = format!("/search?q={}", "a".repeat(20_000));
    let (status, _, body) = raw(&app, "GET", &long, Some("member"), None, None);
    assert_eq!(status, 414, "{body}");
    assert_eq!(body["error"], "uri_too_long");
}

fn unsearchable_fields_non_json_bodies_and_unknown_parameters_are_refused(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let id = app.submit("contributor", &case_with(1));
    app.publish(&id);
    app.wait_indexed(1);
    for q in [
        "id:*",
        "summary:*",
        "lessons:*",
        "view:*",
        "facets:*",
        "roles:*",
    ] {
        let (status, _, body) = raw(
            &app,
            "GET",
            &format!("/search?q={}", q.replace(':', "%3A").replace('*', "%2A")),
            Some("member"),
            None,
            None,
        );
        assert_eq!(status, 400, "q={q}: {body}");
        assert_eq!(body["error"], "bad_query", "q={q}");
    }

    let case = serde_json::to_vec(&case_with(2)).unwrap();
    let (status, _, body) = raw(
        &app,
        "POST",
        "/cases",
        Some("contributor"),
        Some("text/plain"),
        Some(&case),
    );
    assert_eq!(status, 415, "{body}");
    assert_eq!(body["error"], "unsupported_media_type");
    let (status, _, _) = raw(
        &app,
        "POST",
        "/cases",
        Some("contributor"),
        Some("application/json; charset=utf-8"),
        Some(&case),
    );
    assert_eq!(status, 201, "a JSON body with a charset is JSON");

    for path in [
        format!("/cases/{id}?verbose=1"),
        "/cases?colour=red".to_owned(),
        format!("/cases/{id}/similar?size=3"),
        "/healthz?x=1".to_owned(),
    ] {
        let (status, _, body) = raw(&app, "GET", &path, Some("curator"), None, None);
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"], "bad_query", "{path}");
    }
    // A parameter name that is not a plain name is not echoed back.
    let (_, _, body) = raw(
        &app,
        "GET",
        "/cases?Zorbat%20Quillane=1",
        Some("curator"),
        None,
        None,
    );
    assert!(
        !body.to_string().contains("Zorbat"),
        "the parameter name was echoed: {body}"
    );
    // Health tells anyone that the service answers, and nothing more.
    let (status, _, body) = raw(&app, "GET", "/healthz", None, None, None);
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "status": "ok" }));
}

fn manual_redaction_reaches_the_roles_and_who_disclosed(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let mut case = case_with(3);
    case["people"][0]["role"] = json!("float pool RN");
    case["communication"] = json!({
        "disclosed_by_role": "chief medical officer",
        "apology": "responsibility",
        "notes": "The family met the team."
    });
    let id = app.submit("contributor", &case);
    let (_, before) = app.call("GET", &format!("/cases/{id}"), Some("curator"), None);
    assert!(
        before["roles"][0].as_str().unwrap().starts_with("float "),
        "{before}"
    );
    assert_eq!(
        before["communication"]["disclosed_by_role"],
        "chief medical officer"
    );
    for (field, text, placeholder) in [
        ("roles[0]", "float", "[UNIT]"),
        (
            "communication.disclosed_by_role",
            "chief medical officer",
            "[LEADER]",
        ),
    ] {
        let body = json!({ "field": field, "text": text, "placeholder": placeholder });
        let (status, answer) = app.call(
            "POST",
            &format!("/cases/{id}/redactions"),
            Some("curator"),
            Some(&serde_json::to_vec(&body).unwrap()),
        );
        assert_eq!(status, 200, "{field}: {answer}");
        assert!(
            answer["replaced"].as_u64().unwrap() >= 1,
            "{field}: {answer}"
        );
    }
    let (_, after) = app.call("GET", &format!("/cases/{id}"), Some("curator"), None);
    let role = after["roles"][0].as_str().unwrap();
    assert!(
        role.starts_with("[UNIT] ") && role.ends_with(" RN"),
        "{after}"
    );
    assert_eq!(after["communication"]["disclosed_by_role"], "[LEADER]");

    // A redaction never rewrites inside a placeholder: `UNIT` is not in the text.
    let body = json!({ "field": "roles", "text": "UNIT", "placeholder": "[X]" });
    let (status, answer) = app.call(
        "POST",
        &format!("/cases/{id}/redactions"),
        Some("curator"),
        Some(&serde_json::to_vec(&body).unwrap()),
    );
    assert_eq!(status, 422, "{answer}");
}

fn a_return_comment_is_redacted_before_it_is_stored(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let t = letters(4);
    let id = app.submit("contributor", &case_with(4));
    let comment = format!(
        "Please remove Zorbat{t} Quillane{t} and the Org A name from the summary, call me at 555-201-7788."
    );
    let (status, body) = app.call(
        "POST",
        &format!("/cases/{id}/return"),
        Some("curator"),
        Some(&serde_json::to_vec(&json!({ "comment": comment })).unwrap()),
    );
    assert_eq!(status, 200, "{body}");
    let (_, seen) = app.call("GET", &format!("/cases/{id}"), Some("contributor"), None);
    let stored = seen["return_comment"].as_str().expect("a return comment");
    for secret in [
        format!("Zorbat{t}"),
        format!("Quillane{t}"),
        "555-201-7788".to_owned(),
        "Org A".to_owned(),
    ] {
        assert!(!stored.contains(&secret), "{secret} kept in {stored:?}");
    }
    assert!(stored.contains("from the summary"), "{stored:?}");
}

fn cases_the_schema_cannot_mean_are_refused_with_422(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let base = serde_json::to_string(&case_with(5)).unwrap();
    let mut edits: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut edit = |name: &'static str, f: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_str(&base).unwrap();
        f(&mut v);
        edits.push((name, serde_json::to_vec(&v).unwrap()));
    };
    edit("closed before it happened", &|v| {
        v["closed_on"] = json!("2024-01-01")
    });
    edit("year 0000", &|v| {
        v["event"]["occurred_on"] = json!("0000-03-14")
    });
    edit("NUL", &|v| {
        v["lessons_learned"] = json!("Hourly\u{0} rounding.")
    });
    edit("a name of a megabyte", &|v| {
        v["patient"]["name"] = json!("Quillane ".repeat(120_000))
    });
    edit("50,000 factors", &|v| {
        v["review"]["contributing_factors"] = json!(vec!["other"; 50_000])
    });
    let dup = base.replacen(
        "\"harm\":\"moderate\"",
        "\"harm\":\"moderate\",\"harm\":\"death\"",
        1,
    );
    assert_ne!(dup, base);
    edits.push(("a repeated key", dup.into_bytes()));
    for (name, body) in edits {
        let (status, answer) = app.call("POST", "/cases", Some("contributor"), Some(&body));
        assert_eq!(status, 422, "{name}: {answer}");
        assert_eq!(answer["error"], "schema", "{name}");
        assert!(!answer.to_string().contains("Quillane"), "{name}: echoed");
    }
    let (_, listed) = app.call("GET", "/cases", Some("contributor"), None);
    assert_eq!(listed, json!([]), "nothing was stored");
}

backend_tests!(
    cases_the_schema_cannot_mean_are_refused_with_422,
    unknown_routes_methods_and_long_uris_are_json_errors,
    unsearchable_fields_non_json_bodies_and_unknown_parameters_are_refused,
    manual_redaction_reaches_the_roles_and_who_disclosed,
    a_return_comment_is_redacted_before_it_is_stored,
);

/// The Rust validation and `spec/case.schema.json` agree on every property: the same
/// names, the same required ones, the same enum values, and every `maxLength`,
/// `maxItems`, `minimum` and `maximum` the spec sets. (Rust may bound what the spec
/// leaves open: those are extensions, named in the issue notes.)
fn the_rust_validation_does_not_drift_from_the_case_schema() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/case.schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the spec sits beside the checkout)",
            path.display()
        )
    });
    let spec: Value = serde_json::from_str(&text).unwrap();
    let ours = safetable::case::json_schema();
    let mut problems = Vec::new();
    compare(&spec, &ours, "", &mut problems);
    assert!(problems.is_empty(), "drift:\n{}", problems.join("\n"));
}

fn compare(spec: &Value, ours: &Value, path: &str, problems: &mut Vec<String>) {
    let at = if path.is_empty() { "." } else { path };
    if let Some(c) = spec.get("const") {
        if ours["enum"] != json!([c]) {
            problems.push(format!("{at}: const {c} vs {}", ours["enum"]));
        }
    }
    if let Some(values) = spec.get("enum") {
        if ours.get("enum") != Some(values) {
            problems.push(format!("{at}: enum {values} vs {}", ours["enum"]));
        }
    }
    for key in [
        "maxLength",
        "minLength",
        "maxItems",
        "minimum",
        "maximum",
        "format",
    ] {
        if let Some(v) = spec.get(key) {
            if ours.get(key) != Some(v) {
                problems.push(format!("{at}: {key} {v} vs {:?}", ours.get(key)));
            }
        }
    }
    let types = |v: &Value| v.get("type").cloned();
    if let (Some(a), Some(b)) = (types(spec), types(ours)) {
        if a != b {
            problems.push(format!("{at}: type {a} vs {b}"));
        }
    }
    let required = |v: &Value| {
        let mut r: Vec<String> = v["required"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        r.sort();
        r
    };
    if required(spec) != required(ours) {
        problems.push(format!(
            "{at}: required {:?} vs {:?}",
            required(spec),
            required(ours)
        ));
    }
    if let Some(props) = spec.get("properties").and_then(Value::as_object) {
        let theirs = ours["properties"].as_object().cloned().unwrap_or_default();
        for (name, sub) in props {
            let p = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            match theirs.get(name) {
                Some(o) => compare(sub, o, &p, problems),
                None => problems.push(format!("{p}: in the spec, not validated")),
            }
        }
        for name in theirs.keys() {
            if !props.contains_key(name) {
                problems.push(format!("{path}.{name}: validated, not in the spec"));
            }
        }
    }
    if let Some(items) = spec.get("items") {
        compare(items, &ours["items"], &format!("{path}[]"), problems);
    }
}

/// The OpenAPI document validates, and schemathesis with every check, once per role,
/// finds no failure: no 5xx, no undocumented status, no response off its schema, no
/// schema-valid request refused nor invalid one accepted (but where
/// `tests/contract/schemathesis.toml` says why JSON Schema cannot tell).
fn the_openapi_document_validates_and_schemathesis_finds_nothing_for_any_role() {
    crate::harness::require(crate::harness::Needs::ContractTools);
    let app = TestApp::spawn(Db::Sqlite).expect("SQLite is always available");
    // Data in every state, so that operations on a case reach their logic.
    for n in 0..4 {
        let id = app.submit("contributor", &case_with(40 + n));
        match n {
            0 | 1 => app.publish(&id),
            2 => {
                let body = serde_json::to_vec(&json!({ "comment": "Remove the unit." })).unwrap();
                let (status, _) = app.call(
                    "POST",
                    &format!("/cases/{id}/return"),
                    Some("curator"),
                    Some(&body),
                );
                assert_eq!(status, 200);
            }
            _ => {}
        }
    }
    app.wait_indexed(2);
    let (status, doc) = app.call("GET", "/openapi.json", None, None);
    assert_eq!(status, 200);
    let doc_path = app.dir.path().join("openapi.json");
    std::fs::write(&doc_path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&doc_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openapi-spec-validator: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let origin = app.base().trim_end_matches("/api/v1").to_owned();
    let config =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract/schemathesis.toml");
    let mut failed = Vec::new();
    for role in ["curator", "contributor", "member", "faculty"] {
        let out = std::process::Command::new("python3")
            .args(["-m", "schemathesis.cli", "--no-color", "--config-file"])
            .arg(&config)
            .args([
                "run",
                &format!("{origin}/api/v1/openapi.json"),
                "--url",
                &origin,
            ])
            .args([
                "--checks",
                "all",
                "--max-examples",
                "25",
                "--seed",
                "20261201",
            ])
            .args(["-H", &format!("Authorization: Bearer {}", app.token(role))])
            .current_dir(app.dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let summary = text.lines().last().unwrap_or("").to_owned();
        eprintln!("schemathesis as {role}: {summary}");
        if summary.contains("warning") {
            // What schemathesis could not exercise (say so; it is not a failure).
            let from = text.find("WARNINGS").unwrap_or(0);
            eprintln!("{}", &text[from..]);
        }
        if !out.status.success() {
            failed.push(format!(
                "--- as {role}:\n{text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

crate::tests!(the_rust_validation_does_not_drift_from_the_case_schema);
crate::tests!(needs [ContractTools]: the_openapi_document_validates_and_schemathesis_finds_nothing_for_any_role);
