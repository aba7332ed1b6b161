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

    let long = format!("/search?q={}", "a".repeat(9000));
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

backend_tests!(
    unknown_routes_methods_and_long_uris_are_json_errors,
    unsearchable_fields_non_json_bodies_and_unknown_parameters_are_refused,
    manual_redaction_reaches_the_roles_and_who_disclosed,
    a_return_comment_is_redacted_before_it_is_stored,
);
