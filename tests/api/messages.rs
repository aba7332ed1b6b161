//! What the service says when it refuses: a different case reusing a number, a wrong
//! password, a manual redaction that matches nothing, a return without a comment, every
//! schema problem at once, and the body limit against the largest case the schema allows.

use serde_json::json;

use crate::backend_tests;
use crate::confidentiality::{ok, safetable};
use crate::helpers::{case_with, Db, TestApp};

fn import_reports_a_different_case_reusing_a_number_as_a_conflict(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    app.stop();
    let dir = app.dir.path();
    let first = dir.join("first.jsonl");
    std::fs::write(&first, format!("{}\n", case_with(801))).unwrap();
    let ids = dir.join("first.ids.tsv");
    let out = ok(
        safetable(
            &app,
            &[
                "import",
                first.to_str().unwrap(),
                "--org",
                "Org A",
                "--ids-out",
                ids.to_str().unwrap(),
            ],
        ),
        "first import",
    );
    assert!(out.contains("1 created"), "{out}");

    let reference = case_with(801)["external_ref"].as_str().unwrap().to_owned();
    // The same case, written differently; a different case with the same number; a new
    // case; and the different case again within the file.
    let same = case_with(801).to_string().replace(",\"", ", \"");
    let mut different = case_with(801);
    different["event"]["harm"] = json!("severe");
    let lines = [
        same,
        different.to_string(),
        case_with(802).to_string(),
        different.to_string(),
    ];
    let second = dir.join("second.jsonl");
    std::fs::write(&second, lines.join("\n") + "\n").unwrap();
    let ids = dir.join("second.ids.tsv");
    let out = safetable(
        &app,
        &[
            "import",
            second.to_str().unwrap(),
            "--org",
            "Org A",
            "--ids-out",
            ids.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a conflict must fail the import: {stdout}{stderr}"
    );
    assert!(
        stdout.contains("1 created")
            && stdout.contains("1 already present")
            && stdout.contains("2 conflicts"),
        "{stdout}"
    );
    for line in ["line 2: conflict", "line 4: conflict"] {
        assert!(stderr.contains(line), "{line} not reported: {stderr}");
    }
    assert!(!stderr.contains("line 1"), "{stderr}");
    assert!(
        !stderr.contains(&reference),
        "the case number is echoed: {stderr}"
    );
    let tsv = std::fs::read_to_string(&ids).unwrap();
    let outcomes: Vec<&str> = tsv
        .lines()
        .skip(1)
        .map(|l| l.rsplit('\t').next().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["already-present", "conflict", "created", "conflict"],
        "{tsv}"
    );
    // Nothing of the different case was stored: two cases, the first one unchanged.
    let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
    let filter = safetable::store::CaseFilter {
        limit: 100,
        ..Default::default()
    };
    let cases = store.list_cases(&filter).unwrap();
    assert_eq!(cases.len(), 2);
    assert!(cases
        .iter()
        .all(|c| c.harm == safetable::case::Harm::Moderate));
    let out = safetable(&app, &["audit", "verify"]);
    assert!(out.status.success());
}

fn a_wrong_password_says_so(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    for body in [
        json!({"email": "member@test.invalid", "password": "not-the-password"}),
        json!({"email": "nobody@test.invalid", "password": "pw-12345"}),
    ] {
        let (status, response) =
            app.call("POST", "/tokens", None, Some(body.to_string().as_bytes()));
        assert_eq!(status, 401, "{response}");
        assert_eq!(response["error"], "wrong_password", "{response}");
        let message = response["message"].as_str().unwrap();
        assert!(message.contains("password"), "{message}");
        assert!(!message.contains("Bearer"), "{message}");
    }
    // No token at all still says how to authenticate.
    let (status, response) = app.call("GET", "/cases", None, None);
    assert_eq!(status, 401);
    assert_eq!(response["error"], "unauthenticated");
}

fn a_manual_redaction_that_matches_nothing_in_its_field_is_422(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let id = app.submit("contributor", &case_with(810));
    let path = format!("/cases/{id}/redactions");
    for (field, text) in [
        ("event.summary", "Qzorbnowhere"),
        // In the case (lessons_learned), but not in the field named.
        ("event.summary", "Smart pump"),
    ] {
        let body = json!({"field": field, "text": text, "placeholder": "[X]"});
        let (status, response) = app.call(
            "POST",
            &path,
            Some("curator"),
            Some(body.to_string().as_bytes()),
        );
        assert_eq!(status, 422, "{text}: {response}");
        assert_eq!(response["error"], "schema", "{response}");
        assert_eq!(response["fields"][0]["path"], "text", "{response}");
        assert!(!response.to_string().contains(text), "{response}");
    }
    let (_, view) = app.call("GET", &format!("/cases/{id}"), Some("curator"), None);
    assert_eq!(
        view["redaction"]["manual"].as_u64().unwrap_or(0),
        0,
        "{view}"
    );
    // Text that is there is still redacted.
    let body = json!({"field": "lessons_learned", "text": "Smart pump", "placeholder": "[X]"});
    let (status, response) = app.call(
        "POST",
        &path,
        Some("curator"),
        Some(body.to_string().as_bytes()),
    );
    assert_eq!(status, 200, "{response}");
    assert_eq!(response["replaced"], 1);
}

fn a_return_without_a_comment_says_a_comment_is_required(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let id = app.submit("contributor", &case_with(820));
    let path = format!("/cases/{id}/return");
    for body in [
        None,
        Some("{}"),
        Some(r#"{"comment": ""}"#),
        Some(r#"{"comment": null}"#),
    ] {
        let (status, response) = app.call("POST", &path, Some("curator"), body.map(str::as_bytes));
        assert_eq!(status, 422, "{body:?}: {response}");
        assert_eq!(response["fields"][0]["path"], "comment", "{response}");
        assert!(
            response["message"]
                .as_str()
                .unwrap()
                .contains("a comment is required"),
            "{body:?}: {response}"
        );
    }
    let (_, view) = app.call("GET", &format!("/cases/{id}"), Some("curator"), None);
    assert_eq!(view["status"], "in_review");
    let (status, _) = app.call(
        "POST",
        &path,
        Some("curator"),
        Some(br#"{"comment": "Please remove the unit name."}"#),
    );
    assert_eq!(status, 200);
}

fn validation_reports_every_problem_not_only_the_first(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let mut case = case_with(830);
    case["event"]["harm"] = json!("Qzorbharm");
    case["patient"]["age_years"] = json!("Qzorbage");
    case["people"][1]["role"] = json!("");
    case["improvement_actions"][0]["strength"] = json!("strongest");
    case.as_object_mut().unwrap().remove("lessons_learned");
    let (status, response) = app.call(
        "POST",
        "/cases",
        Some("contributor"),
        Some(case.to_string().as_bytes()),
    );
    assert_eq!(status, 422, "{response}");
    let paths: Vec<&str> = response["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "event.harm",
            "patient.age_years",
            "people[1].role",
            "lessons_learned",
            "improvement_actions[0].strength"
        ],
        "{response}"
    );
    assert!(!response.to_string().contains("Qzorb"), "{response}");
    // Many problems: twenty reported.
    let mut case = case_with(831);
    case["people"] = json!((0..40).map(|_| json!({"name": ""})).collect::<Vec<_>>());
    let (status, response) = app.call(
        "POST",
        "/cases",
        Some("contributor"),
        Some(case.to_string().as_bytes()),
    );
    assert_eq!(status, 422);
    assert_eq!(
        response["fields"].as_array().unwrap().len(),
        safetable::case::MAX_ERRORS
    );
}

fn a_case_larger_than_one_mebibyte_within_the_schema_is_accepted(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let mut case = case_with(840);
    let prose = |n: usize| "The pump library was bypassed on override. ".repeat(n / 44);
    case["event"]["summary"] = json!(format!(
        "{} {}",
        case["event"]["summary"].as_str().unwrap(),
        prose(90_000)
    ));
    case["lessons_learned"] = json!(prose(99_000));
    case["review"]["findings"] = json!(prose(99_000));
    case["improvement_actions"] = json!((0..45)
        .map(|_| json!({"description": prose(19_900), "strength": "stronger", "status": "implemented"}))
        .collect::<Vec<_>>());
    let body = case.to_string();
    assert!(body.len() > 1024 * 1024, "{}", body.len());
    assert!(safetable::case::parse_case(body.as_bytes()).is_ok());
    let (status, response) = app.call("POST", "/cases", Some("contributor"), Some(body.as_bytes()));
    assert_eq!(status, 201, "{response}");
}

backend_tests!(
    import_reports_a_different_case_reusing_a_number_as_a_conflict,
    a_wrong_password_says_so,
    a_manual_redaction_that_matches_nothing_in_its_field_is_422,
    a_return_without_a_comment_says_a_comment_is_required,
    validation_reports_every_problem_not_only_the_first,
    a_case_larger_than_one_mebibyte_within_the_schema_is_accepted,
);
