//! The authorization matrix: every endpoint × every role × own/other organization.

use crate::backend_tests;
use crate::helpers::{case_with, Db, TestApp};

/// Which case a row acts on.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// No case in the path.
    NoCase,
    /// A fresh case of organization A, in review (made for this row).
    InReview,
    /// The shared published case of organization A.
    Published,
}

use Target::{InReview, NoCase, Published};

const ANON: &str = "anonymous";
const ROLES: [&str; 6] = [
    ANON,
    "curator",
    "contributor",
    "contributor_b",
    "member",
    "faculty",
];

/// (method, path with {id}, body, target, expected status for each of ROLES).
/// `contributor` belongs to organization A (the owner), `contributor_b` to B.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, &str, Target, [u16; 6])] = &[
    ("POST", "/cases", "CASE", NoCase, [401, 403, 201, 201, 403, 403]),
    ("GET", "/cases", "", NoCase, [401, 200, 200, 200, 403, 403]),
    ("GET", "/cases/{id}", "", InReview, [401, 200, 200, 404, 404, 404]),
    ("GET", "/cases/{id}", "", Published, [401, 200, 200, 404, 200, 200]),
    ("POST", "/cases/{id}/publish", "", InReview, [401, 200, 403, 403, 403, 403]),
    ("POST", "/cases/{id}/return", r#"{"comment":"please fix"}"#, InReview, [401, 200, 403, 403, 403, 403]),
    ("POST", "/cases/{id}/redactions", r#"{"field":"event.summary","text":"heparin","placeholder":"[DRUG]"}"#, InReview, [401, 200, 403, 403, 403, 403]),
    ("DELETE", "/cases/{id}", "", InReview, [401, 204, 204, 404, 403, 403]),
    ("GET", "/search?q=heparin", "", NoCase, [401, 200, 403, 403, 200, 200]),
    ("GET", "/cases/{id}/similar", "", Published, [401, 200, 403, 403, 200, 200]),
    ("GET", "/measures", "", NoCase, [401, 200, 200, 200, 200, 200]),
    ("GET", "/measures/export.csv", "", NoCase, [401, 200, 200, 200, 200, 200]),
    ("GET", "/measures/report.pdf", "", NoCase, [401, 403, 200, 200, 403, 403]),
    ("GET", "/healthz", "", NoCase, [200, 200, 200, 200, 200, 200]),
    ("GET", "/openapi.json", "", NoCase, [200, 200, 200, 200, 200, 200]),
];

fn authorization_matrix(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let n = std::cell::Cell::new(100);
    let next = || {
        n.set(n.get() + 1);
        n.get()
    };
    let fresh = |app: &TestApp| app.submit("contributor", &case_with(next()));
    let published = fresh(&app);
    app.publish(&published);
    app.wait_indexed(1);

    let mut failures = Vec::new();
    for (method, path, body, target, expected) in MATRIX {
        for (who, want) in ROLES.iter().zip(expected) {
            let id = match target {
                NoCase => String::new(),
                InReview => fresh(&app),
                Published => published.clone(),
            };
            let body = if *body == "CASE" {
                case_with(next()).to_string()
            } else {
                body.to_string()
            };
            let path = path.replace("{id}", &id);
            let who_opt = (*who != ANON).then_some(*who);
            let body_opt = (!body.is_empty()).then_some(body.as_bytes());
            let (got, response) = app.call(method, &path, who_opt, body_opt);
            if got != *want {
                failures.push(format!(
                    "{method} {path} as {who} ({target:?}): expected {want}, got {got} {response}"
                ));
            }
            if got >= 400 && response != serde_json::Value::Null {
                assert!(
                    response["error"].is_string(),
                    "error body without a code: {response}"
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix:\n{}",
        failures.join("\n")
    );
}

fn an_invalid_token_is_401(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let (status, body) = crate::helpers::call(
        app.base(),
        "GET",
        "/search?q=x",
        Some("st_not_a_token"),
        None,
    );
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthenticated");
}

backend_tests!(authorization_matrix, an_invalid_token_is_401);
