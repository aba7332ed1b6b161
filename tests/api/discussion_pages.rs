//! Safe-table discussions in a real browser: faculty build one from search results and a
//! case page, reorder it, write questions and publish it; an invited member accepts the
//! confidentiality statement with the keyboard, opens the discussion and downloads the
//! watermarked packet; a member of an uninvited organization finds nothing. Screenshots
//! at 1280×900 and 768×1024 (`target/screenshots/`) and axe-core on every page.

use serde_json::{json, Value};

use crate::browser::{app_and_browser, Browser};
use crate::helpers::{case_with, TestApp};
use crate::measures::pdftotext;

const PASSWORD: &str = "pw-12345";

/// Cases 1..=n, published, each with its own lessons (`lesson-word` n).
fn published(app: &TestApp, words: &[&str]) -> Vec<String> {
    let ids: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut case = case_with(600 + i as u32);
            case["lessons_learned"] = json!(format!(
                "Independent double checks of {w} infusions catch rate errors before they reach the patient."
            ));
            let id = app.submit("contributor", &case);
            app.publish(&id);
            id
        })
        .collect();
    app.wait_indexed(words.len() as u64);
    ids
}

fn agenda(b: &Browser) -> Vec<String> {
    b.texts(".st-agenda__title a")
}

fn agenda_ids(b: &Browser) -> Vec<String> {
    b.eval(
        "return [...document.querySelectorAll('.st-agenda__title a')].map(a => a.getAttribute('href').replace('/cases/', ''));",
    )
    .as_array()
    .unwrap()
    .iter()
    .map(|v| v.as_str().unwrap().to_owned())
    .collect()
}

fn faculty_build_a_discussion_from_search_results_reorder_and_publish() {
    let (app, b) = app_and_browser();
    let cases = published(&app, &["nectarine", "tangerine", "persimmon"]);
    b.sign_in("faculty@test.invalid", PASSWORD);
    assert_eq!(
        b.path(),
        "/discussions",
        "faculty start at their safe tables"
    );
    assert!(b.text(".st-empty").contains("No upcoming discussion"));
    b.shots("discussions-empty");
    b.click("a[href='/discussions/new']");
    assert_eq!(b.text("h1"), "New safe-table discussion");
    // A mistake first: no title, and a time the clocks skip.
    b.fill("#field-starts_at", "2031-03-09T02:30");
    b.fill("#field-time_zone", "America/New_York");
    b.click(".st-discussion-form button[type=submit]");
    let summary = b.texts("#error-summary li");
    assert_eq!(summary.len(), 2, "{summary:?}");
    assert!(summary[0].contains("required"), "{summary:?}");
    assert!(summary[1].contains("skip"), "{summary:?}");
    assert_eq!(
        b.eval("return document.querySelector('#field-time_zone').value"),
        "America/New_York",
        "the typed values are kept"
    );
    b.shots("discussion-form-errors");
    b.fill("#field-title", "Heparin infusions at night");
    b.fill("#field-starts_at", "2031-01-14T15:00");
    b.fill("#field-time_zone", "America/Chicago");
    b.fill(
        "#field-description",
        "Two pump errors and what the teams changed.",
    );
    b.fill("#field-facilitator_notes", "Open with the override.");
    b.eval("document.querySelector('#invite-selected').checked = true; return true;");
    let org_a = b.eval(
        "const l = [...document.querySelectorAll('.st-org-choices label')].find(l => l.textContent.trim() === 'Org A');
         const box = document.getElementById(l.getAttribute('for')); box.checked = true; return box.value;",
    );
    assert!(org_a.as_str().is_some_and(|v| !v.is_empty()), "{org_a}");
    b.click(".st-discussion-form button[type=submit]");
    assert!(b.path().starts_with("/discussions/"), "{}", b.path());
    assert!(b.text(".usa-alert--success").contains("draft"));
    assert_eq!(b.text(".st-case-head .usa-tag"), "Draft");
    assert!(b
        .text(".st-case-head")
        .contains("Tuesday 14 January 2031, 15:00–16:30 CST"));
    let discussion = b.path();

    // From search results: add two cases.
    for word in ["nectarine", "tangerine"] {
        b.open(&format!("/search?q={word}"));
        assert_eq!(b.texts(".st-result").len(), 1, "{word}");
        if word == "nectarine" {
            b.shots("search-add-to-discussion");
        }
        b.click(".st-result .st-add-to button[type=submit]");
        assert_eq!(b.path(), discussion);
        assert!(b.text(".usa-alert--success").contains("added"));
    }
    // From a case page: the third.
    b.open(&format!("/cases/{}", cases[2]));
    b.click("form[action='/discussions/add'] button[type=submit]");
    assert_eq!(agenda_ids(&b), cases, "added in order");
    assert_eq!(agenda(&b).len(), 3);
    // Reorder: the first goes down, the last comes up.
    b.click(".st-agenda__item:nth-child(1) form[action$='/move'] input[value=down] ~ button");
    assert!(b.text(".usa-alert--success").contains("new order"));
    assert_eq!(
        agenda_ids(&b),
        vec![cases[1].clone(), cases[0].clone(), cases[2].clone()]
    );
    b.click(".st-agenda__item:nth-child(3) form[action$='/move'] input[value=up] ~ button");
    assert_eq!(
        agenda_ids(&b),
        vec![cases[1].clone(), cases[2].clone(), cases[0].clone()]
    );
    // Questions for the first case.
    b.fill(
        "#questions-1",
        "Why was the limit overridden?\nWhat would your pumps have done?",
    );
    b.click(".st-agenda__item:nth-child(1) .st-questions-form button[type=submit]");
    assert!(b.text(".usa-alert--success").contains("questions"));
    assert_eq!(
        b.eval("return document.querySelector('#questions-1').value"),
        "Why was the limit overridden?\nWhat would your pumps have done?"
    );
    // Remove the last one.
    b.click(".st-agenda__item:nth-child(3) form[action$='/remove'] button");
    assert_eq!(agenda(&b).len(), 2);
    b.shots("discussion-manage");
    b.click("form[action$='/publish'] button[type=submit]");
    assert!(b.text(".usa-alert--success").contains("published"));
    assert_eq!(b.text(".st-case-head .usa-tag"), "Published");
    // After the session: takeaways for the first case, shown on its page.
    b.fill(
        "#takeaways-1",
        "Read the pump's rate aloud at every handover.",
    );
    b.click("#takeaways form button[type=submit]");
    assert!(b
        .text(".usa-alert--success")
        .contains("takeaways are saved"));
    b.open(&format!("/cases/{}", cases[1]));
    assert!(b
        .text(".st-takeaways")
        .contains("Read the pump's rate aloud at every handover."));
    b.shots("case-with-takeaways");
    b.open("/discussions");
    assert_eq!(b.texts("tbody tr").len(), 1);
    assert!(b.text("tbody tr").contains("Published"));
    b.shots("discussions-faculty");
    // The API tells the same story.
    let id = discussion.trim_start_matches("/discussions/");
    let (status, d) = app.call("GET", &format!("/discussions/{id}"), Some("faculty"), None);
    assert_eq!(status, 200);
    assert_eq!(d["status"], "published");
    assert_eq!(d["cases"][0]["case_id"], cases[1].as_str());
    assert_eq!(d["cases"][0]["questions"].as_array().unwrap().len(), 2);
    assert_eq!(d["invited_orgs"][0]["name"], "Org A");
}

/// A published discussion for org A, made through the API.
fn discussion_for_org_a(app: &TestApp, cases: &[String]) -> i64 {
    let intake = safetable::intake::Intake::open(&app.settings).unwrap();
    let org_a = intake
        .store
        .list_orgs()
        .unwrap()
        .into_iter()
        .find(|o| o.name == "Org A")
        .unwrap()
        .id
        .get();
    let body = json!({
        "title": "Heparin infusions at night",
        "starts_at": "2031-01-14T15:00",
        "time_zone": "America/Chicago",
        "description": "Two pump errors and what the teams changed.",
        "facilitator_notes": "Open with the override.",
        "invited_orgs": [org_a],
    });
    let send = |method: &str, path: &str, body: Value| {
        let (status, answer) = app.call(
            method,
            path,
            Some("faculty"),
            Some(&serde_json::to_vec(&body).unwrap()),
        );
        assert!((200..300).contains(&status), "{path}: {answer}");
        answer
    };
    let id = send("POST", "/discussions", body)["id"].as_i64().unwrap();
    for c in cases {
        send(
            "POST",
            &format!("/discussions/{id}/cases"),
            json!({ "case_id": c, "questions": ["What would you change?"] }),
        );
    }
    let (status, _) = app.call(
        "POST",
        &format!("/discussions/{id}/publish"),
        Some("faculty"),
        None,
    );
    assert_eq!(status, 200);
    id
}

fn a_member_attests_opens_the_discussion_and_downloads_the_packet() {
    let (app, b) = app_and_browser();
    let cases = published(&app, &["nectarine", "tangerine"]);
    let id = discussion_for_org_a(&app, &cases);
    b.sign_in("member@test.invalid", PASSWORD);
    b.open("/discussions");
    assert!(b.text("tbody tr").contains("Accept the statement"));
    b.shots("discussions-member");
    b.click("tbody a.usa-link");
    assert_eq!(b.path(), format!("/discussions/{id}"));
    assert_eq!(b.text("#statement-heading"), "Confidentiality statement");
    assert!(
        b.texts(".st-case-head, .st-agenda").is_empty(),
        "content before the attestation"
    );
    b.shots("discussion-attest");
    // With the keyboard: the box, then the button.
    b.eval("document.querySelector('#accept').focus(); return true;");
    b.keys(" ");
    assert_eq!(
        b.eval("return document.querySelector('#accept').checked"),
        true
    );
    b.tab();
    assert!(b.focused().contains("Accept and open"), "{}", b.focused());
    b.eval("window.__stLeaving = true; return true;");
    b.keys(thirtyfour::Key::Enter);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while b.path() != format!("/discussions/{id}") || b.text(".usa-alert--success").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the attestation led nowhere"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(b
        .text(".usa-alert--success")
        .contains("acceptance is recorded"));
    let titles = b.texts(".st-discussion-case__title");
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(b.text("#case-1").contains("nectarine infusions"));
    assert!(b
        .text("#case-1 .st-questions")
        .contains("What would you change?"));
    assert!(
        !b.text("main").contains("Open with the override"),
        "facilitator notes shown"
    );
    b.shots("discussion-member");
    // The packet, as the browser downloads it.
    let got = b.eval_async(&format!(
        "fetch('/discussions/{id}/packet.pdf').then(r => r.arrayBuffer().then(buf => {{
            done([r.status, r.headers.get('content-type'), r.headers.get('content-disposition'), Array.from(new Uint8Array(buf))]);
         }}));"
    ));
    assert_eq!(got[0], 200, "{}", got[0]);
    assert_eq!(got[1], "application/pdf");
    assert!(
        got[2].as_str().unwrap().starts_with("attachment"),
        "{}",
        got[2]
    );
    let pdf: Vec<u8> = got[3]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u8)
        .collect();
    let text = pdftotext(&pdf);
    assert!(
        text.contains("Copy of member@test.invalid (Org A)"),
        "no watermark:\n{text}"
    );
    assert!(text.contains("nectarine infusions") && text.contains("tangerine infusions"));
    b.open(&format!("/discussions/{id}/packet"));
    assert!(b
        .text(".st-packet__watermark")
        .contains("member@test.invalid"));
    assert_eq!(b.texts(".st-packet__case").len(), 2);
    b.shots("discussion-packet");
    let downloads = {
        let intake = safetable::intake::Intake::open(&app.settings).unwrap();
        let (entries, _) = intake.store.audit_log().unwrap();
        entries
            .into_iter()
            .filter(|e| e.action == "packet_download")
            .count()
    };
    assert_eq!(downloads, 2, "the PDF and the printable page are audited");
}

fn an_uninvited_member_gets_nothing() {
    let (app, b) = app_and_browser();
    let cases = published(&app, &["nectarine"]);
    let id = discussion_for_org_a(&app, &cases);
    b.sign_in("member_b@test.invalid", PASSWORD);
    b.open("/discussions");
    assert!(b.text(".st-empty").contains("No upcoming safe table"));
    assert!(!b.text("main").contains("Heparin infusions at night"));
    b.shots("discussions-uninvited");
    for path in [
        format!("/discussions/{id}"),
        format!("/discussions/{id}/packet"),
        format!("/discussions/{id}/packet.pdf"),
        format!("/discussions/{id}/calendar.ics"),
    ] {
        b.open(&path);
        assert_eq!(b.text("h1"), "Page not found", "{path}");
        assert!(!b.text("main").contains("Heparin"), "{path}");
    }
    b.shots("discussion-uninvited");
}

crate::tests!(
    browser:
    faculty_build_a_discussion_from_search_results_reorder_and_publish,
    a_member_attests_opens_the_discussion_and_downloads_the_packet,
    an_uninvited_member_gets_nothing,
);
