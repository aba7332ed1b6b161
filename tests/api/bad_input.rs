//! Bad input gets a clear 4xx, names the field and not the value, and stores nothing.

use crate::backend_tests;
use crate::helpers::{case_with, Db, TestApp};

fn stored_cases(app: &TestApp) -> usize {
    let (status, list) = app.call("GET", "/cases", Some("curator"), None);
    assert_eq!(status, 200);
    list.as_array().map(Vec::len).unwrap_or(0)
}

fn bad_submissions_are_rejected_and_nothing_is_stored(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let secret = "Zorbatxyzq";
    let mut cases: Vec<(&str, Vec<u8>, u16, &str)> = Vec::new();

    cases.push((
        "malformed JSON",
        b"{\"schema_version\": \"1\", ".to_vec(),
        400,
        "malformed",
    ));
    cases.push(("not an object", b"[1,2,3]".to_vec(), 422, "schema"));
    cases.push((
        "invalid UTF-8",
        b"{\"schema_version\": \"\xff\xfe\"}".to_vec(),
        400,
        "malformed",
    ));

    let mut wrong_type = case_with(1);
    wrong_type["patient"]["age_years"] = serde_json::json!(format!("{secret} ninety"));
    cases.push((
        "wrong type",
        wrong_type.to_string().into_bytes(),
        422,
        "schema",
    ));

    let mut unknown = case_with(2);
    unknown["patient"]["ssn"] = serde_json::json!(format!("{secret}-123-45-6789"));
    cases.push((
        "unknown field",
        unknown.to_string().into_bytes(),
        422,
        "schema",
    ));

    let mut bad_enum = case_with(3);
    bad_enum["event"]["harm"] = serde_json::json!(secret);
    cases.push(("bad enum", bad_enum.to_string().into_bytes(), 422, "schema"));

    let mut bad_date = case_with(4);
    bad_date["event"]["occurred_on"] = serde_json::json!(format!("{secret} 3/14"));
    cases.push(("bad date", bad_date.to_string().into_bytes(), 422, "schema"));

    let mut missing = case_with(5);
    missing.as_object_mut().unwrap().remove("lessons_learned");
    cases.push((
        "missing field",
        missing.to_string().into_bytes(),
        422,
        "schema",
    ));

    let mut huge = case_with(6);
    huge["patient"]["name"] = serde_json::json!(format!(
        "{secret} {}",
        "x".repeat(safetable::case::MAX_BODY_BYTES)
    ));
    cases.push((
        "oversize body",
        huge.to_string().into_bytes(),
        413,
        "too_large",
    ));

    for (what, body, want, code) in &cases {
        let (status, response) = app.call("POST", "/cases", Some("contributor"), Some(body));
        assert_eq!(status, *want, "{what}: {response}");
        assert_eq!(response["error"], *code, "{what}: {response}");
        assert!(response["message"].is_string(), "{what}: {response}");
        assert!(
            !response.to_string().contains(secret),
            "{what} echoed the value: {response}"
        );
    }
    // Schema errors name the field path.
    let (_, response) = app.call("POST", "/cases", Some("contributor"), Some(&cases[3].1));
    assert!(
        response.to_string().contains("patient.age_years"),
        "{response}"
    );
    let (_, response) = app.call("POST", "/cases", Some("contributor"), Some(&cases[5].1));
    assert!(response.to_string().contains("event.harm"), "{response}");

    // No token: 401 and nothing stored either.
    let (status, _) = app.call(
        "POST",
        "/cases",
        None,
        Some(case_with(7).to_string().as_bytes()),
    );
    assert_eq!(status, 401);
    assert_eq!(stored_cases(&app), 0);
}

fn bad_bodies_on_curation_endpoints_are_4xx(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let id = app.submit("contributor", &case_with(8));
    for (path, body, want) in [
        (format!("/cases/{id}/return"), "{", 400),
        (format!("/cases/{id}/return"), r#"{"comment": 5}"#, 422),
        (format!("/cases/{id}/return"), r#"{"comment": ""}"#, 422),
        (
            format!("/cases/{id}/redactions"),
            r#"{"field":"nowhere","text":"x","placeholder":"[X]"}"#,
            422,
        ),
        (
            format!("/cases/{id}/redactions"),
            r#"{"field":"event.summary","text":"x","placeholder":"<b>"}"#,
            422,
        ),
        ("/cases/not-a-case-id/publish".to_owned(), "", 404),
        (
            "/cases/0123456789abcdef0123456789abcdef/publish".to_owned(),
            "",
            404,
        ),
    ] {
        let body_opt = (!body.is_empty()).then_some(body.as_bytes());
        let (status, response) = app.call("POST", &path, Some("curator"), body_opt);
        assert_eq!(status, want, "{path} {body}: {response}");
    }
    // The case is untouched.
    let (_, view) = app.call("GET", &format!("/cases/{id}"), Some("curator"), None);
    assert_eq!(view["status"], "in_review");
}

fn bad_search_queries_are_400(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    for q in [
        "/search?q=%22unclosed",
        "/search?category=not-a-category",
        "/search?limit=many",
        "/search?q=summary:(",
        // Repeated single-valued parameters, and unknown ones, the same on every endpoint.
        "/search?limit=5&limit=6",
        "/search?offset=0&offset=10",
        "/search?q=a&colour=red",
        "/cases/0123456789abcdef0123456789abcdef/similar?limit=2&limit=3",
        "/cases/0123456789abcdef0123456789abcdef/similar?limit=0",
        "/cases/0123456789abcdef0123456789abcdef/similar?colour=red",
        "/cases?limit=5&limit=6",
        "/cases?offset=-1",
        "/cases?colour=red",
        "/measures?from=2024-Q1&from=2024-Q2",
    ] {
        let (status, response) = app.call("GET", q, Some("member"), None);
        assert_eq!(status, 400, "{q}: {response}");
        assert_eq!(response["error"], "bad_query", "{q}: {response}");
    }
    // A facet filter repeats by design.
    let (status, response) = app.call(
        "GET",
        "/search?harm=severe&harm=death",
        Some("member"),
        None,
    );
    assert_eq!(status, 200, "{response}");
}

/// A page refuses a parameter it does not take, or one given twice, with its 400 page.
fn pages_refuse_unknown_and_repeated_parameters(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let cookie = format!("safetable_session={}", app.token("contributor"));
    for path in ["/cases?colour=red", "/cases?page=1&page=2", "/account?x=1"] {
        let status = match agent
            .get(&format!("{}{path}", app.root()))
            .set("Cookie", &cookie)
            .call()
        {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(code, _)) => code,
            Err(e) => panic!("{path}: {e}"),
        };
        assert_eq!(status, 400, "{path}");
    }
    let ok = agent
        .get(&format!("{}/cases?page=1", app.root()))
        .set("Cookie", &cookie)
        .call()
        .expect("a known parameter is taken");
    assert_eq!(ok.status(), 200);
}

/// A valid case the pipeline cannot redact (its identifier matcher cannot be built, or
/// the pipeline panics part-way) is refused with 422 `redaction_failed`, naming no case
/// text, and nothing of it is stored; the same case goes through once the fault is gone.
fn a_case_the_pipeline_cannot_redact_is_refused_and_not_stored(db: Db) {
    use safetable::redaction::fault::{arm, Fault};
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    for (n, fault) in [(20, Fault::Matcher), (21, Fault::Panic)] {
        let mut case = case_with(n);
        // Unique to this test and backend: a fault is armed for the whole process.
        case["external_ref"] = serde_json::json!(format!("REFUSED-{db:?}-{n}"));
        let body = case.to_string().into_bytes();
        let before = stored_cases(&app);
        let armed = arm(case["external_ref"].as_str(), fault);
        let (status, response) = app.call("POST", "/cases", Some("contributor"), Some(&body));
        assert_eq!(status, 422, "{fault:?}: {response}");
        assert_eq!(
            response["error"], "redaction_failed",
            "{fault:?}: {response}"
        );
        let message = response["message"].as_str().unwrap_or_default();
        assert!(message.contains("could not be redacted"), "{response}");
        for planted in crate::helpers::planted(n) {
            assert!(
                !response.to_string().contains(&planted),
                "{fault:?}: case text in the response: {response}"
            );
        }
        assert!(!response.to_string().contains("REFUSED"), "{response}");
        assert_eq!(
            stored_cases(&app),
            before,
            "{fault:?}: a refused case was stored"
        );
        drop(armed);
        app.submit("contributor", &case);
        assert_eq!(stored_cases(&app), before + 1);
    }
}

backend_tests!(
    pages_refuse_unknown_and_repeated_parameters,
    a_case_the_pipeline_cannot_redact_is_refused_and_not_stored,
    bad_submissions_are_rejected_and_nothing_is_stored,
    bad_bodies_on_curation_endpoints_are_4xx,
    bad_search_queries_are_400,
);
