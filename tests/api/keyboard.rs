//! The core flows with the keyboard alone, in a real browser: a contributor's refused form
//! fixed from its error summary, a curator's manual redaction and publication. (Sign-in,
//! search and the safe-table attestation have their own keyboard checks.)

use std::time::{Duration, Instant};

use thirtyfour::Key;

use crate::browser::{app_and_browser, Browser};
use crate::helpers::case_with;
use crate::pages::{email, PASSWORD};

/// Presses Tab until the focused element's description contains `target`; fails when it
/// is not reached within `most` presses (the order is then not what a user can follow).
fn tab_to(b: &Browser, target: &str, most: usize) {
    let mut seen = Vec::new();
    for _ in 0..most {
        b.tab();
        let now = b.focused();
        if now.contains(target) {
            return;
        }
        seen.push(now);
    }
    panic!("Tab never reached {target}; it went through {seen:?}");
}

/// Presses `key` on the focused element and waits for the page it leads to.
fn press_and_wait(b: &Browser, key: Key) {
    b.eval("window.__stLeaving = true; return true;");
    b.keys(key);
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.eval("return window.__stLeaving === true || document.readyState !== 'complete'") == true
    {
        assert!(Instant::now() < deadline, "the key led to no new page");
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn a_contributor_fixes_a_refused_form_with_the_keyboard_alone() {
    let (_app, b) = app_and_browser();
    b.sign_in(&email("contributor"), PASSWORD);
    b.open("/contribute");
    for (field, value) in [
        ("#f-external_ref", "KEY-1"),
        ("#f-closed_on", "2024-06-30"),
        ("#f-event-occurred_on", "2024-03-14"),
        ("#f-event-category", "fall"),
        ("#f-event-harm", "moderate"),
        ("#f-event-setting", "inpatient"),
        (
            "#f-event-summary",
            "The patient was found on the floor beside the bed at 03:10.",
        ),
    ] {
        b.fill(field, value);
    }
    // Enter in a one-line field submits the form; the lessons are missing.
    b.eval("document.querySelector('#f-external_ref').focus(); return true;");
    press_and_wait(&b, Key::Enter);
    assert_eq!(b.path(), "/contribute");
    assert_eq!(
        b.focused(),
        "#error-summary",
        "the refused form does not start from its error summary"
    );
    b.tab();
    assert!(
        b.focused().contains("Lessons learned"),
        "the first Tab does not reach the summary's link: {}",
        b.focused()
    );
    b.keys(Key::Enter);
    assert_eq!(
        b.focused(),
        "#f-lessons_learned",
        "the summary's link does not move the focus to its field"
    );
    b.keys("Hourly rounding at night finds patients before they climb out.");
    tab_to(&b, "\"Contribute this case", 150);
    press_and_wait(&b, Key::Enter);
    assert!(
        b.path().starts_with("/cases/"),
        "not contributed: {}",
        b.path()
    );
    assert_eq!(b.text(".st-case-head .usa-tag"), "In review");
}

fn a_curator_redacts_and_publishes_with_the_keyboard_alone() {
    let (app, b) = app_and_browser();
    let id = app.submit("contributor", &case_with(7));
    b.sign_in(&email("curator"), PASSWORD);
    b.open("/review");
    tab_to(&b, "a.usa-link", 40);
    press_and_wait(&b, Key::Enter);
    assert_eq!(b.path(), format!("/cases/{id}"));
    // The typed alternative to a selection: the text, its field, the placeholder.
    tab_to(&b, "#redaction-text", 200);
    b.keys("library");
    b.tab();
    assert_eq!(b.focused(), "#redaction-field");
    b.keys("review.findings");
    b.tab();
    assert_eq!(b.focused(), "#redaction-placeholder");
    b.keys("[REDACTED]");
    assert_eq!(
        b.eval("return [document.querySelector('#redaction-field').value, document.querySelector('#redaction-placeholder').value]"),
        serde_json::json!(["review.findings", "[REDACTED]"]),
        "the keyboard could not choose the field and placeholder"
    );
    tab_to(&b, "button", 3);
    press_and_wait(&b, Key::Enter);
    assert!(b
        .text(".st-review .usa-alert--success")
        .contains("redaction is applied"));
    let findings = b.text("[data-field='review.findings']");
    assert!(
        findings.contains("[REDACTED]") && !findings.contains("library"),
        "{findings}"
    );
    tab_to(&b, "\"Publish", 200);
    press_and_wait(&b, Key::Enter);
    assert_eq!(b.path(), "/review");
    assert!(b.text(".usa-alert--success").contains("published"));
}

crate::tests!(
    browser:
    a_contributor_fixes_a_refused_form_with_the_keyboard_alone,
    a_curator_redacts_and_publishes_with_the_keyboard_alone,
);
