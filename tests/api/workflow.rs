//! The whole path of a case, role by role.

use crate::backend_tests;
use crate::helpers::{case_with, Db, TestApp};

fn contributor_submits_curator_publishes_member_finds(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let id = app.submit("contributor", &case_with(1));

    // The contributor sees its case in review; peers do not see it at all.
    let (status, view) = app.call("GET", &format!("/cases/{id}"), Some("contributor"), None);
    assert_eq!(status, 200);
    assert_eq!(view["status"], "in_review");
    assert_eq!(view["event"]["year"], 2024);
    assert_eq!(view["timeline"]["discovered_day"], 1);
    assert_eq!(view["patient"]["age_band"], "60-69");
    assert!(view.get("external_ref").is_none());
    assert_eq!(
        app.call("GET", &format!("/cases/{id}"), Some("member"), None)
            .0,
        404
    );
    assert_eq!(
        app.call("GET", &format!("/cases/{id}"), Some("contributor_b"), None)
            .0,
        404
    );

    // The curator sees the report and adds a manual redaction before publishing.
    let (status, view) = app.call("GET", &format!("/cases/{id}"), Some("curator"), None);
    assert_eq!(status, 200);
    assert!(view.get("redaction_report").is_some());
    let body = serde_json::json!({"field": "lessons_learned", "text": "tenfold", "placeholder": "[NUMBER]"});
    let (status, r) = app.call(
        "POST",
        &format!("/cases/{id}/redactions"),
        Some("curator"),
        Some(body.to_string().as_bytes()),
    );
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["replaced"], 1);
    let (_, view) = app.call("GET", &format!("/cases/{id}"), Some("curator"), None);
    assert!(view["lessons_learned"]
        .as_str()
        .unwrap()
        .contains("[NUMBER]"));
    assert!(!view.to_string().contains("tenfold"));

    let (status, _) = app.call(
        "POST",
        &format!("/cases/{id}/publish"),
        Some("curator"),
        Some(b"{}"),
    );
    assert_eq!(status, 200);
    // Publishing twice is a conflict, not a second publication.
    assert_eq!(
        app.call(
            "POST",
            &format!("/cases/{id}/publish"),
            Some("curator"),
            None
        )
        .0,
        409
    );

    // Members and faculty see it now, without status or organization.
    let (status, view) = app.call("GET", &format!("/cases/{id}"), Some("member"), None);
    assert_eq!(status, 200);
    assert!(view.get("status").is_none());
    assert!(!view.to_string().contains("Org A"));
    assert_eq!(
        app.call("GET", &format!("/cases/{id}"), Some("faculty"), None)
            .0,
        200
    );

    app.wait_indexed(1);
    let (status, results) = app.call("GET", "/search?q=heparin", Some("member"), None);
    assert_eq!(status, 200, "{results}");
    assert_eq!(results["total"], 1);
    assert_eq!(results["hits"][0]["id"], id.as_str());

    // Withdrawal removes it everywhere.
    assert_eq!(
        app.call("DELETE", &format!("/cases/{id}"), Some("contributor"), None)
            .0,
        204
    );
    assert_eq!(
        app.call("GET", &format!("/cases/{id}"), Some("member"), None)
            .0,
        404
    );
    assert_eq!(
        app.call("GET", &format!("/cases/{id}"), Some("curator"), None)
            .0,
        404
    );
    app.wait_indexed(0);
    let (_, results) = app.call("GET", "/search?q=heparin", Some("member"), None);
    assert_eq!(results["total"], 0);
}

fn duplicate_is_409_and_returned_case_is_replaced(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let case = case_with(2);
    let id = app.submit("contributor", &case);
    let (status, body) = app.call(
        "POST",
        "/cases",
        Some("contributor"),
        Some(case.to_string().as_bytes()),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "conflict");
    // Another organization may use the same number.
    app.submit("contributor_b", &case);

    let comment = serde_json::json!({"comment": "Please remove the unit name from the summary."});
    let (status, _) = app.call(
        "POST",
        &format!("/cases/{id}/return"),
        Some("curator"),
        Some(comment.to_string().as_bytes()),
    );
    assert_eq!(status, 200);
    let (_, view) = app.call("GET", &format!("/cases/{id}"), Some("contributor"), None);
    assert_eq!(view["status"], "returned");
    assert!(view["return_comment"]
        .as_str()
        .unwrap()
        .contains("unit name"));

    // Submitting the same number again replaces the returned case, same id, in review.
    let (status, body) = app.call(
        "POST",
        "/cases",
        Some("contributor"),
        Some(case.to_string().as_bytes()),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["replaced"], true);
    let (_, view) = app.call("GET", &format!("/cases/{id}"), Some("contributor"), None);
    assert_eq!(view["status"], "in_review");

    // The organization finds its case by its own number.
    let (status, list) = app.call(
        "GET",
        &format!(
            "/cases?external_ref=REF-{}-0002",
            crate::helpers::letters(2)
        ),
        Some("contributor"),
        None,
    );
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    let (_, list) = app.call(
        "GET",
        "/cases?external_ref=REF-nothing",
        Some("contributor"),
        None,
    );
    assert_eq!(list.as_array().unwrap().len(), 0);
}

fn contributor_lists_only_its_own_cases(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    app.submit("contributor", &case_with(3));
    app.submit("contributor", &case_with(4));
    app.submit("contributor_b", &case_with(5));
    let (_, mine) = app.call("GET", "/cases", Some("contributor"), None);
    assert_eq!(mine.as_array().unwrap().len(), 2);
    let (_, theirs) = app.call(
        "GET",
        "/cases?status=in_review",
        Some("contributor_b"),
        None,
    );
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    let (_, all) = app.call("GET", "/cases", Some("curator"), None);
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(
        app.call("GET", "/cases?status=bogus", Some("curator"), None)
            .0,
        400
    );
}

fn login_with_password_gives_a_working_token(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let body = serde_json::json!({"email": "member@test.invalid", "password": "pw-12345"});
    let (status, r) = crate::helpers::call(
        app.base(),
        "POST",
        "/tokens",
        None,
        Some(body.to_string().as_bytes()),
    );
    assert_eq!(status, 201, "{r}");
    let token = r["token"].as_str().unwrap();
    let (status, _) = crate::helpers::call(app.base(), "GET", "/search?q=pump", Some(token), None);
    assert_eq!(status, 200);
    let wrong = serde_json::json!({"email": "member@test.invalid", "password": "nope"});
    let (status, r) = crate::helpers::call(
        app.base(),
        "POST",
        "/tokens",
        None,
        Some(wrong.to_string().as_bytes()),
    );
    assert_eq!(status, 401, "{r}");
}

fn health_and_openapi_answer(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let (status, body) = app.call("GET", "/healthz", None, None);
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let (status, doc) = app.call("GET", "/openapi.json", None, None);
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/publish",
        "/api/v1/cases/{id}/return",
        "/api/v1/cases/{id}/redactions",
        "/api/v1/cases/{id}/similar",
        "/api/v1/search",
        "/api/v1/healthz",
        "/api/v1/openapi.json",
    ] {
        assert!(paths.contains_key(p), "openapi.json lacks {p}");
    }
}

backend_tests!(
    contributor_submits_curator_publishes_member_finds,
    duplicate_is_409_and_returned_case_is_replaced,
    contributor_lists_only_its_own_cases,
    login_with_password_gives_a_working_token,
    health_and_openapi_answer,
);
