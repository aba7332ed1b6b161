//! CRP measures over HTTP: who sees which figures, the store keeping the facts in step
//! with the cases (withdrawal), bad input, the CSV and the board report's text.

use std::time::Duration;

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{case_with, Db, TestApp};

const MARKING: &str =
    "Patient Safety Work Product — privileged and confidential under the Patient Safety and Quality Improvement Act";

/// A case of `n`, with a first contact on day `contact` (none when `None`), the loop closed
/// or not, and the given harm.
fn case(n: u32, contact: Option<u32>, loop_closed: bool, harm: &str) -> Value {
    let mut c = case_with(n);
    c["event"]["harm"] = json!(harm);
    if let Some(d) = contact {
        c["communication"] = json!({
            "first_contact_at": format!("2024-03-{:02}T10:00:00Z", 14 + d),
            "apology": "empathy",
        });
    }
    c["resolution"] = json!({
        "loop_closed_with_family": loop_closed,
        "clinician_support_offered": true,
        "compensation": "bill-waiver",
    });
    c
}

/// Org A: 12 cases (first contact on day 1 for 11 of them), org B: 11 cases.
pub(crate) fn seed(app: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 0..12 {
        let contact = (n != 0).then_some(1);
        ids.push(app.submit(
            "contributor",
            &case(1000 + n, contact, n % 2 == 0, "moderate"),
        ));
    }
    for n in 0..11 {
        ids.push(app.submit("contributor_b", &case(2000 + n, Some(3), true, "severe")));
    }
    ids
}

pub(crate) fn get(app: &TestApp, path: &str, who: &str) -> (u16, String, Vec<u8>) {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let result = agent
        .get(&format!("{}{path}", app.base()))
        .set("Authorization", &format!("Bearer {}", app.token(who)))
        .call();
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("GET {path}: {e}"),
    };
    let status = response.status();
    let kind = response.content_type().to_owned();
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut body).unwrap();
    (status, kind, body)
}

fn summary_row<'a>(report: &'a Value, label: &str) -> &'a Vec<Value> {
    report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "summary")
        .unwrap()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == label)
        .unwrap_or_else(|| panic!("no row {label}"))["values"]
        .as_array()
        .unwrap()
}

fn count(v: &Value) -> Option<u64> {
    (v["kind"] == "count").then(|| v["value"].as_u64().unwrap())
}

fn measures_follow_the_roles(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    seed(&app);

    // Members and faculty: the collaborative only, never a name.
    for who in ["member", "faculty"] {
        let (status, body) = app.call("GET", "/measures", Some(who), None);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["view"], "collaborative");
        assert_eq!(body["populations"], json!(["Collaborative"]));
        assert_eq!(count(&summary_row(&body, "Cases")[0]), Some(23));
        let text = body.to_string();
        assert!(
            !text.contains("Org A") && !text.contains("Org B"),
            "{who} sees a name"
        );
        assert!(!text.contains("distribution"));
        // 22 with a first contact and 1 without: both hidden, so is the share.
        assert_eq!(
            summary_row(&body, "Share with an initial communication")[0]["kind"],
            "suppressed"
        );
    }

    // A contributor: its organization beside the collaborative.
    let (status, body) = app.call("GET", "/measures", Some("contributor"), None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["view"], "own_and_collaborative");
    assert_eq!(
        body["populations"],
        json!(["Your organization", "Collaborative"])
    );
    let cases = summary_row(&body, "Cases");
    assert_eq!((count(&cases[0]), count(&cases[1])), (Some(12), Some(23)));
    let median = summary_row(&body, "Median days from event to first contact");
    assert_eq!(median[0], json!({"kind": "days", "value": 1.0}));
    assert!(!body.to_string().contains("Org B"));

    // A curator: unsuppressed, with the distribution by name.
    let (status, body) = app.call("GET", "/measures", Some("curator"), None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["view"], "curator");
    assert_eq!(
        summary_row(&body, "Share with an initial communication")[0],
        json!({"kind": "percent", "value": 95.7})
    );
    let text = body.to_string();
    assert!(text.contains("Org A") && text.contains("Org B"));

    // Filters narrow; the same for every role.
    let (_, body) = app.call("GET", "/measures?harm=severe", Some("member"), None);
    assert_eq!(count(&summary_row(&body, "Cases")[0]), Some(11));
    assert_eq!(body["selection"], "harm severe");
    let (_, body) = app.call("GET", "/measures?year_from=2025", Some("member"), None);
    assert_eq!(count(&summary_row(&body, "Cases")[0]), Some(0));
}

fn a_withdrawn_case_leaves_the_measures(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let ids = seed(&app);
    let (status, _) = app.call(
        "DELETE",
        &format!("/cases/{}", ids[0]),
        Some("contributor"),
        None,
    );
    assert_eq!(status, 204);
    let (_, body) = app.call("GET", "/measures", Some("curator"), None);
    assert_eq!(count(&summary_row(&body, "Cases")[0]), Some(22));
    // Organization A has 11 cases left, all with a first contact.
    let (_, body) = app.call("GET", "/measures", Some("contributor"), None);
    let cases = summary_row(&body, "Cases");
    assert_eq!((count(&cases[0]), count(&cases[1])), (Some(11), Some(22)));
}

fn bad_measures_queries_are_400_naming_the_parameter(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    // Cases, so that a period can cover part of what the release holds.
    seed(&app);
    for (query, says) in [
        ("from=2025-Q9", "from must be a quarter"),
        ("to=yesterday", "to must be a quarter"),
        ("from=2025-Q4&to=2025-Q1", "from must not be after to"),
        (
            "year_from=2030&year_to=2020",
            "year_from must not be after year_to",
        ),
        ("year_to=99999999999999999999", "year_to must be a year"),
        ("harm=fatal", "harm must be one of"),
        ("category=Fall", "category must be one of"),
        ("setting=ward", "setting must be one of"),
        ("org=1", "unknown parameter `org`"),
        ("harm=death&harm=mild", "`harm` may be given once"),
        // Answers come from one release of single slices and periods (no two answers
        // may be subtracted): a contributor narrows by one slice and one kind of period.
        (
            "category=fall&harm=severe",
            "one of category, harm and setting",
        ),
        ("from=2099-Q1&year_from=2099", "not both"),
    ] {
        for path in ["/measures", "/measures/export.csv", "/measures/report.pdf"] {
            let (status, body) =
                app.call("GET", &format!("{path}?{query}"), Some("contributor"), None);
            assert_eq!(status, 400, "{path}?{query}: {body}");
            assert_eq!(body["error"], "bad_query");
            let message = body["message"].as_str().unwrap();
            assert!(message.contains(says), "{query}: {message}");
        }
    }
    let (status, _) = app.call("GET", "/measures", None, None);
    assert_eq!(status, 401);
}

fn the_csv_holds_exactly_the_tables_of_the_json(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    seed(&app);
    let (_, json) = app.call("GET", "/measures?harm=severe", Some("contributor"), None);
    let (status, kind, csv) = get(&app, "/measures/export.csv?harm=severe", "contributor");
    assert_eq!(status, 200);
    assert_eq!(kind, "text/csv");
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with(MARKING));
    for t in json["tables"].as_array().unwrap() {
        assert!(
            csv.contains(&format!("table,{},", t["id"].as_str().unwrap())),
            "{}",
            t["id"]
        );
    }
    // Organization A has no severe case: its column is 0; the collaborative 11.
    assert!(csv.contains("\r\nCases,0,11\r\n"), "{csv}");
    // Suppression travels: every hidden figure is <11 in the CSV as on the page.
    let (_, json) = app.call("GET", "/measures", Some("contributor"), None);
    let (_, _, csv) = get(&app, "/measures/export.csv", "contributor");
    let csv = String::from_utf8(csv).unwrap();
    let hidden = json
        .to_string()
        .matches("{\"kind\":\"suppressed\"}")
        .count();
    assert!(hidden > 0);
    let note = json["suppression_note"]
        .as_str()
        .unwrap()
        .matches("<11")
        .count();
    assert_eq!(csv.matches("<11").count(), hidden + note, "{csv}");
}

fn the_board_report_is_a_marked_pdf_with_extractable_text(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    seed(&app);
    let (status, kind, pdf) = get(&app, "/measures/report.pdf?from=2000-Q1", "contributor");
    assert_eq!(status, 200);
    assert_eq!(kind, "application/pdf");
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdftotext(&pdf);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() >= 2, "{} pages", pages.len());
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains(MARKING), "page {} has no PSWP marking", i + 1);
    }
    for needle in [
        "CRP measures: quarterly board report",
        "Your organization",
        "Collaborative",
        "Share with an initial communication",
        "Suppression:",
        "<11",
        "Improvement actions by RCA² strength",
        "Definitions",
    ] {
        assert!(text.contains(needle), "the report lacks {needle:?}");
    }
    assert!(
        !text.contains("Org B"),
        "another organization's name in the report"
    );
    for who in ["member", "faculty", "curator"] {
        let (status, _, _) = get(&app, "/measures/report.pdf", who);
        assert_eq!(status, 403, "{who}");
    }
}

/// The PDF's text as `pdftotext` (poppler-utils) extracts it.
pub(crate) fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The page in a real browser, signed in as a contributor and as a member: the tables,
/// `<11` with its explanation, the charts with their titles, the CSV link; screenshots at
/// 1280×900 and 768×1024 and axe-core on both.
fn the_measures_page_in_a_browser() {
    let (app, b) = crate::browser::app_and_browser();
    seed(&app);
    b.sign_in("contributor@test.invalid", "pw-12345");
    b.open("/measures");
    assert_eq!(b.text("h1"), "CRP measures");
    assert_eq!(
        b.eval("return document.querySelectorAll('svg.st-chart title').length"),
        3
    );
    assert_eq!(
        b.eval("return [...document.querySelectorAll('svg.st-chart')].every(s => s.getBoundingClientRect().width > 200 && s.querySelector('desc').textContent.length > 20)"),
        true,
        "every chart is drawn and described"
    );
    assert!(b.text("#summary").contains("Your organization"));
    assert!(b.text("#suppression").contains("<11"));
    assert!(
        b.eval("return document.querySelectorAll('td.st-suppressed').length")
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(b.style("td.st-num", "text-align"), "right");
    assert_eq!(
        b.eval("return document.querySelector('a[href^=\"/measures/report.pdf\"]') !== null"),
        true
    );
    b.shots("measures-contributor");
    // The filters go into the URL.
    b.open("/measures?harm=severe&from=2000-Q1");
    assert_eq!(
        b.eval("return document.querySelector('#harm').value"),
        "severe"
    );
    assert!(b.text("#summary").contains("11"));
    b.open("/measures?harm=fatal");
    assert!(b.text(".usa-alert--error").contains("harm must be one of"));
    // Two slices at once are PSO staff's: the page says why and shows every case.
    b.open("/measures?harm=severe&setting=inpatient");
    assert!(b
        .text(".usa-alert--error")
        .contains("one of category, harm and setting"));
    assert!(b
        .text("#filters-hint")
        .contains("one of category, harm and setting"));
    assert_eq!(b.eval("return document.querySelector('#harm').value"), "");
    b.click(".st-user__out button");
    b.sign_in("member@test.invalid", "pw-12345");
    b.open("/measures");
    let text = b.text("main");
    assert!(!text.contains("Your organization"));
    assert!(!text.contains("Org A") && !text.contains("Org B"));
    assert_eq!(
        b.eval("return document.querySelector('a[href^=\"/measures/report.pdf\"]') === null"),
        true
    );
    b.shots("measures-member");
}

crate::tests!(browser: the_measures_page_in_a_browser);

backend_tests!(
    measures_follow_the_roles,
    a_withdrawn_case_leaves_the_measures,
    bad_measures_queries_are_400_naming_the_parameter,
    the_csv_holds_exactly_the_tables_of_the_json,
    the_board_report_is_a_marked_pdf_with_extractable_text,
);
