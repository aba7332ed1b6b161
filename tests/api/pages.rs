//! The pages of the browser application, for each role, in a real browser: sign-in and
//! its throttling, the menus by role, search with facets, the case page and similar
//! cases, the contribution form and JSON Lines upload, the curator's review with a
//! manual redaction by selection, the account page. Every page is screenshotted at
//! 1280×900 and 768×1024 (`target/screenshots/`) and checked with axe-core.

use serde_json::Value;

use crate::browser::{app_and_browser, Browser};
use crate::helpers::{case_with, TestApp};

pub(crate) const PASSWORD: &str = "pw-12345";

pub(crate) fn email(who: &str) -> String {
    format!("{who}@test.invalid")
}

fn nav(b: &Browser) -> Vec<String> {
    b.texts(".usa-nav__primary .usa-nav-link")
}

/// Cases `1..=n` submitted by org A's contributor and published.
fn published(app: &TestApp, n: u32) -> Vec<String> {
    let ids: Vec<String> = (1..=n)
        .map(|i| {
            let id = app.submit("contributor", &case_with(i));
            app.publish(&id);
            id
        })
        .collect();
    app.wait_indexed(u64::from(n));
    ids
}

fn each_role_signs_in_and_sees_only_its_menu() {
    let (_app, b) = app_and_browser();
    for (who, landing, menu) in [
        (
            "curator",
            "/search",
            vec![
                "Search",
                "Safe tables",
                "Review queue",
                "Measures",
                "Members",
                "Audit log",
                "Account",
            ],
        ),
        (
            "contributor",
            "/cases",
            vec!["Our cases", "Contribute", "Measures", "Account"],
        ),
        (
            "member",
            "/search",
            vec!["Search", "Safe tables", "Measures", "Account"],
        ),
        (
            "faculty",
            "/discussions",
            vec!["Search", "Safe tables", "Measures", "Account"],
        ),
    ] {
        b.sign_in(&email(who), PASSWORD);
        assert_eq!(b.path(), landing, "{who} landed elsewhere");
        assert_eq!(nav(&b), menu, "{who}'s menu");
        let badge = b.text(".st-user__who");
        assert!(badge.contains(&email(who)), "{who}: {badge}");
        assert!(
            b.text(".st-pswp__text").contains(
                "Patient Safety Work Product — privileged and confidential under the Patient Safety and Quality Improvement Act"
            ),
            "the PSWP marking is missing"
        );
        b.shots(&format!("landing-{who}"));
        b.open("/account");
        assert_eq!(b.text("h1"), "Account");
        if who == "member" {
            b.shots("account");
        }
        b.click(".st-user__out button");
        assert_eq!(b.path(), "/sign-in");
        assert!(b.text(".usa-alert--info").contains("signed out"));
        // Signed out means signed out: the pages send the browser back to sign in.
        b.open("/account");
        assert_eq!(b.path(), "/sign-in", "{who}'s session outlived sign-out");
    }
}

fn a_wrong_password_shows_an_error_and_repeated_ones_are_throttled() {
    let (_app, b) = app_and_browser();
    b.sign_in(&email("member"), "not-the-password");
    assert_eq!(b.path(), "/sign-in");
    assert_eq!(
        b.text(".usa-alert--error"),
        "Wrong e-mail address or password."
    );
    assert_eq!(
        b.eval("return document.querySelector('#email').value"),
        email("member")
    );
    b.shots("sign-in-wrong-password");
    let mut throttled = false;
    for _ in 0..6 {
        b.sign_in(&email("member"), "still-wrong");
        if b.text(".usa-alert--error")
            .starts_with("Too many failed sign-ins")
        {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "repeated wrong passwords were never throttled");
    // Even the right password waits now.
    b.sign_in(&email("member"), PASSWORD);
    assert_eq!(b.path(), "/sign-in");
    assert!(b
        .text(".usa-alert--error")
        .starts_with("Too many failed sign-ins"));
}

fn a_member_opening_a_curator_page_gets_a_403_page() {
    let (_app, b) = app_and_browser();
    b.sign_in(&email("member"), PASSWORD);
    let menu = ["Search", "Safe tables", "Measures", "Account"];
    for path in ["/review", "/contribute", "/cases", "/admin/members"] {
        b.open(path);
        assert_eq!(b.text("h1"), "Not allowed", "{path}");
        assert_eq!(b.text(".st-error__status"), "Error 403", "{path}");
        // "The menu above shows what you can do": the member's own menu and badge.
        assert_eq!(nav(&b), menu, "{path}");
        assert!(
            b.text(".st-user__who").contains(&email("member")),
            "{path}: no user badge"
        );
    }
    b.shots("not-allowed");
    // A page that does not exist, in the member's layout too.
    b.open("/no/such/page");
    assert_eq!(b.text(".st-error__status"), "Error 404");
    assert_eq!(nav(&b), menu);
    b.shots("not-found-signed-in");
    // Signed out, the same page has no menu.
    b.click(".st-user__out button");
    b.open("/no/such/page");
    assert_eq!(b.text(".st-error__status"), "Error 404");
    assert!(nav(&b).is_empty(), "{:?}", nav(&b));
}

fn a_form_without_its_csrf_token_is_refused() {
    let (_app, b) = app_and_browser();
    b.sign_in(&email("member"), PASSWORD);
    b.open("/account");
    b.eval("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove()); return true;");
    b.click("form[action='/account/tokens'] button[type=submit]");
    assert_eq!(b.text("h1"), "Form refused");
    // A forged token fares no better.
    b.open("/account");
    b.eval("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.value = '00'.repeat(48)); return true;");
    b.click("form[action='/account/tokens'] button[type=submit]");
    assert_eq!(b.text("h1"), "Form refused");
    // With its token the same form works, and shows the new token once.
    b.open("/account");
    b.click("form[action='/account/tokens'] button[type=submit]");
    assert!(b.text("#new-token").starts_with("st_"), "no token shown");
    assert_eq!(
        b.texts("tbody .usa-tag").first().map(String::as_str),
        Some("Active")
    );
    b.click("tbody form button[type=submit]");
    assert!(b.text(".usa-alert--success").contains("revoked"));
    assert_eq!(
        b.texts("tbody .usa-tag").first().map(String::as_str),
        Some("Revoked")
    );
}

fn a_member_finds_a_case_by_its_lessons_narrows_it_opens_it_and_follows_a_similar_one() {
    let (app, b) = app_and_browser();
    published(&app, 3);
    b.sign_in(&email("member"), PASSWORD);
    // By keyboard alone: the skip link, then the query box, then Enter.
    b.open("/search");
    b.tab();
    b.keys(thirtyfour::Key::Enter);
    b.tab();
    assert_eq!(b.focused(), "#q");
    b.eval("window.__stLeaving = true; return true;");
    b.keys("heparin");
    b.keys(thirtyfour::Key::Enter);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while b.eval("return window.__stLeaving === true || document.readyState !== 'complete'") == true
    {
        assert!(std::time::Instant::now() < deadline, "Enter did not search");
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    assert_eq!(b.text("#results-heading"), "3 cases");
    b.open("/search");
    b.fill("#q", "hard limits");
    b.click("form.usa-search button[type=submit]");
    assert_eq!(b.text("#results-heading"), "3 cases");
    assert!(
        b.eval("return location.search")
            .as_str()
            .unwrap()
            .contains("q=hard+limits"),
        "the URL does not hold the query"
    );
    assert!(
        !b.texts(".st-result__summary mark, .st-result__passage mark")
            .is_empty(),
        "no highlighted match"
    );
    assert_eq!(
        b.texts(".st-result .st-strength")
            .first()
            .map(String::as_str),
        Some("Stronger action")
    );
    b.shots("search-results");
    // Narrow by a facet: the chip shows, the URL holds it, counts stay.
    b.click("#facet-harm + .st-facet__list a");
    assert!(b
        .eval("return location.search")
        .as_str()
        .unwrap()
        .contains("harm=moderate"));
    let chips = b.texts(".st-chips .st-chip");
    assert!(
        chips.iter().any(|c| c.starts_with("Harm: Moderate")),
        "{chips:?}"
    );
    // Removing the chip widens again.
    b.click(".st-chips li:nth-child(2) a");
    assert!(!b
        .eval("return location.search")
        .as_str()
        .unwrap()
        .contains("harm="));
    b.open("/search?q=hard+limits&harm=moderate");
    b.click(".st-result a.usa-link");
    assert!(b.path().starts_with("/cases/"), "{}", b.path());
    let first = b.path();
    assert!(b.text("h1").contains("Medication event"));
    assert_eq!(
        b.texts(".st-timeline .usa-process-list__heading")[0],
        "Day 0"
    );
    assert!(
        !b.texts(".st-prose .st-redaction").is_empty(),
        "the placeholders are not shown as redactions"
    );
    b.shots("case");
    b.click(".st-similar a.usa-link");
    assert!(
        b.path().starts_with("/cases/") && b.path() != first,
        "no similar case followed"
    );
    // Natural phrasing: when no case has every word, the page says which it kept.
    b.open("/search?q=heparin+hard+limits+zzqxv");
    assert!(
        b.text(".st-relaxed").contains("No case has every word"),
        "{}",
        b.text("main")
    );
    assert!(b.text(".st-relaxed").contains("zzqxv"));
    assert_eq!(b.text("#results-heading"), "3 cases");
    // Nothing found: the page says what to try.
    b.open("/search?q=zzqxv");
    assert_eq!(b.text("#results-heading"), "No cases found");
    assert!(b.text(".st-empty").contains("Try fewer"));
    b.shots("search-empty");
}

fn a_contributor_submits_through_the_form_fixing_an_error_and_sees_it_in_review() {
    let (_app, b) = app_and_browser();
    b.sign_in(&email("contributor"), PASSWORD);
    b.open("/contribute");
    b.shots("contribute");
    b.fill("#f-external_ref", "WEB-1");
    b.fill("#f-closed_on", "2024-06-30");
    b.fill("#f-event-occurred_on", "2024-03-14");
    b.fill("#f-event-category", "fall");
    b.fill("#f-event-harm", "moderate");
    b.fill("#f-event-setting", "inpatient");
    b.fill(
        "#f-event-summary",
        "Nurse Pellingham found the patient on the floor beside the bed at 03:10; a hip fracture followed.",
    );
    b.fill("#f-people-0-name", "Rosa Pellingham");
    b.fill("#f-people-0-role", "RN");
    b.fill(
        "#f-improvement_actions-0-description",
        "Bed alarms on every high-risk bed",
    );
    b.fill("#f-improvement_actions-0-strength", "intermediate");
    b.fill("#f-improvement_actions-0-status", "implemented");
    // "Add another person": one more row, what was typed kept, nothing submitted.
    assert_eq!(
        b.eval("return document.querySelectorAll('input[name$=\"].name\"]').length"),
        4
    );
    b.click("button[name=add_person]");
    assert_eq!(b.path(), "/contribute");
    assert_eq!(
        b.eval("return document.querySelectorAll('input[name$=\"].name\"]').length"),
        5
    );
    assert_eq!(
        b.focused(),
        "#f-people-4-name",
        "the new row is not focused"
    );
    assert_eq!(
        b.eval("return [document.querySelector('#f-people-0-name').value, document.querySelector('#f-event-harm').value]"),
        serde_json::json!(["Rosa Pellingham", "moderate"]),
        "what was typed was lost"
    );
    assert!(
        b.texts("#error-summary").is_empty(),
        "adding a row submitted the form"
    );
    b.fill("#f-people-4-name", "Tomas Quorrel");
    b.fill("#f-people-4-role", "Physician");
    b.click("button[name=add_action]");
    assert_eq!(b.focused(), "#f-improvement_actions-3-description");
    assert_eq!(
        b.eval("return document.querySelector('#f-people-4-name').value"),
        "Tomas Quorrel"
    );
    // Lessons left out: refused, with a summary that names the field by its label and
    // links to it.
    b.click("form.st-contribute button.usa-button--big");
    assert_eq!(b.path(), "/contribute");
    let summary = b.texts("#error-summary li a");
    assert!(
        summary.iter().any(|s| s.starts_with("Lessons learned: ")),
        "{summary:?}"
    );
    assert_eq!(
        b.eval("return document.querySelector('#error-summary li a').getAttribute('href')"),
        "#f-lessons_learned"
    );
    assert!(b.text(".usa-form-group--error .usa-error-message").len() > 3);
    assert_eq!(
        b.eval("return document.querySelector('#f-event-summary').value.startsWith('Nurse Pellingham')"),
        true,
        "what was typed was lost"
    );
    b.shots("contribute-errors");
    b.fill(
        "#f-lessons_learned",
        "Hourly rounding at night finds patients before they climb out.",
    );
    b.click("form.st-contribute button.usa-button--big");
    assert!(
        b.path().starts_with("/cases/"),
        "not submitted: {}",
        b.path()
    );
    assert_eq!(b.text(".st-case-head .usa-tag"), "In review");
    let story = b.text(".st-story");
    assert!(
        !story.contains("Quorrel"),
        "the added person's name reached the shared view: {story}"
    );
    assert!(
        !story.contains("Pellingham"),
        "a name reached the shared view: {story}"
    );
    b.open("/cases");
    assert_eq!(b.texts("tbody tr").len(), 1);
    assert!(b.text("tbody").contains("In review"));
    b.shots("our-cases");
}

fn a_jsonl_upload_with_one_bad_line_reports_that_line() {
    let (_app, b) = app_and_browser();
    let mut bad = case_with(2);
    bad.as_object_mut().unwrap().remove("lessons_learned");
    let lines = [case_with(1), bad, case_with(3), case_with(1)]
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cases.jsonl");
    std::fs::write(&file, lines).unwrap();
    b.sign_in(&email("contributor"), PASSWORD);
    b.open("/contribute");
    b.upload("#file", &file);
    b.click("form[action='/contribute/upload'] button[type=submit]");
    let rows = b.eval(
        "return [...document.querySelectorAll('#upload-report tbody tr')]
            .map(r => [...r.cells].map(c => c.textContent.trim()).join(' | '));",
    );
    let rows: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(
        rows[0].starts_with("1 | Accepted | in review as "),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with("2 | Error | ") && rows[1].contains("lessons_learned"),
        "{rows:?}"
    );
    assert!(rows[2].starts_with("3 | Accepted"), "{rows:?}");
    assert!(rows[3].starts_with("4 | Duplicate"), "{rows:?}");
    b.shots("contribute-upload");
}

fn a_curator_redacts_by_selection_and_publishes() {
    let (app, b) = app_and_browser();
    // A rare capitalised word stays in the shared view, flagged for the curator.
    let mut case = case_with(5);
    let summary = case["event"]["summary"].as_str().unwrap().to_owned();
    case["event"]["summary"] = format!("{summary} She was found near the Zeppelin machine.").into();
    let id = app.submit("contributor", &case);
    b.sign_in(&email("curator"), PASSWORD);
    b.open("/review");
    assert_eq!(b.texts("tbody tr").len(), 1);
    b.shots("review-queue");
    b.click("tbody a.usa-link");
    assert_eq!(b.path(), format!("/cases/{id}"));
    assert_eq!(b.text("#review-panel-heading"), "Review");
    b.shots("review-case");
    // Each flagged span is listed in the panel with why it was flagged, and its link
    // takes the keyboard to the mark in the story.
    let flags = b.texts(".st-flag-list__item");
    let zeppelin = flags
        .iter()
        .find(|f| f.contains("Zeppelin"))
        .unwrap_or_else(|| panic!("the flag is not listed: {flags:?}"));
    assert!(
        zeppelin.contains("in What happened") && b.text(".st-flag-list__reason").len() > 3,
        "no reason shown: {zeppelin}"
    );
    let reached = b.eval(
        "const a = [...document.querySelectorAll('.st-flag-list a')].find(a => a.textContent.includes('Zeppelin'));
         a.focus(); a.click();
         const m = document.activeElement;
         return [m.tagName, m.textContent.includes('Zeppelin'), location.hash === a.getAttribute('href')];",
    );
    assert_eq!(reached, serde_json::json!(["MARK", true, true]));
    // Select a word of the findings, as a curator would with the mouse.
    let selected = b.eval(
        "const p = document.querySelector('[data-field=\"review.findings\"]');
         const node = [...p.childNodes].find(n => n.nodeType === 3 && n.textContent.includes('library'));
         const at = node.textContent.indexOf('library');
         const r = document.createRange();
         r.setStart(node, at); r.setEnd(node, at + 'library'.length);
         const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
         document.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
         return [document.querySelector('#redaction-text').value, document.querySelector('#redaction-field').value];",
    );
    assert_eq!(selected, serde_json::json!(["library", "review.findings"]));
    b.fill("#redaction-placeholder", "[REDACTED]");
    b.click("#redaction-form button[type=submit]");
    assert!(b
        .text(".st-review .usa-alert--success")
        .contains("redaction is applied"));
    let findings = b.text("[data-field='review.findings']");
    assert!(
        findings.contains("[REDACTED]") && !findings.contains("library"),
        "{findings}"
    );
    b.click("form[action$='/publish'] button[type=submit]");
    assert_eq!(b.path(), "/review");
    assert!(b.text(".usa-alert--success").contains("published"));
    assert!(b.texts("tbody tr").is_empty());
    let (status, body) = app.call("GET", &format!("/cases/{id}"), Some("member"), None);
    assert_eq!(status, 200);
    assert!(body["review"]["findings"]
        .as_str()
        .unwrap()
        .contains("[REDACTED]"));
}

fn a_facet_typed_in_the_query_box_shows_as_its_filter() {
    let (app, b) = app_and_browser();
    published(&app, 2);
    b.sign_in(&email("member"), PASSWORD);
    b.open("/search");
    // The help says how the box really reads a query.
    let help = b.text(".st-query-help");
    for said in [
        "drops words from the end",
        "hydromorphine",
        "category:fall",
        "harm:",
    ] {
        assert!(
            help.contains(said),
            "the help does not say {said:?}: {help}"
        );
    }
    assert!(!help.contains("must appear"), "{help}");
    b.fill("#q", "heparin category:medication");
    b.click("form[action='/search'] button[type=submit]");
    assert_eq!(
        b.eval("return location.search"),
        "?q=heparin&category=medication",
        "the address holds the facet as the sidebar would"
    );
    assert_eq!(
        b.eval("return document.querySelector('#q').value"),
        "heparin"
    );
    let chips = b.texts(".st-chip");
    assert!(
        chips
            .iter()
            .any(|c| c.starts_with("Event type: Medication")),
        "{chips:?}"
    );
    assert!(
        chips.iter().any(|c| c.starts_with("Words: heparin")),
        "{chips:?}"
    );
    assert_eq!(b.texts(".st-result").len(), 2);
    // Removing its chip removes the filter, and keeps the words.
    b.click(".st-chip[href*='q=heparin']:not([href*='category'])");
    assert_eq!(b.eval("return location.search"), "?q=heparin");
}

fn a_one_time_password_must_be_changed_at_first_sign_in() {
    let (app, b) = app_and_browser();
    let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
    let org = store.org_by_name("Org A").unwrap().unwrap();
    store
        .create_user(
            "new@test.invalid",
            org.id,
            &safetable::auth::Roles::parse("member").unwrap(),
            &safetable::seal::hash_password("one-time-pass-1"),
            true,
            "test",
        )
        .unwrap();
    b.sign_in("new@test.invalid", "one-time-pass-1");
    assert_eq!(b.path(), "/account/password");
    b.shots("choose-password");
    // Every other page sends the user back here.
    b.open("/search");
    assert_eq!(b.path(), "/account/password");
    b.fill("#current_password", "one-time-pass-1");
    b.fill("#new_password", "short");
    b.fill("#confirm_password", "short");
    b.click("form[action='/account/password'] button[type=submit]");
    assert!(
        b.text(".usa-alert--error")
            .contains("at least 12 characters"),
        "{} / {}",
        b.path(),
        b.text("main")
    );
    b.fill("#current_password", "one-time-pass-1");
    b.fill("#new_password", "violet tuesday harbor");
    b.fill("#confirm_password", "violet tuesday harbor");
    b.click("form[action='/account/password'] button[type=submit]");
    assert_eq!(b.path(), "/account");
    b.open("/search");
    assert_eq!(b.path(), "/search");
    // The API refuses a one-time password: it must be changed in the browser first.
    let (status, _) = crate::helpers::call(
        app.base(),
        "POST",
        "/tokens",
        None,
        Some(br#"{"email":"new@test.invalid","password":"violet tuesday harbor"}"#),
    );
    assert_eq!(status, 201);
}

fn a_curator_invites_a_user_disables_one_and_verifies_the_audit_chain() {
    let (_app, b) = app_and_browser();
    b.sign_in(&email("curator"), PASSWORD);
    b.open("/admin/members");
    b.fill("#invite-email", "analyst@test.invalid");
    let org = b.eval(
        "const o = [...document.querySelectorAll('#invite-org option')].find(o => o.textContent === 'Org A'); return o.value;",
    );
    b.fill("#invite-org", org.as_str().unwrap());
    b.fill("#invite-role", "contributor");
    b.click("form[action='/admin/users'] button[type=submit]");
    let password = b.text("#one-time-password");
    assert_eq!(password.len(), 20, "no one-time password shown");
    assert!(b.text("tbody").contains("analyst@test.invalid"));
    b.shots("admin-members");
    // Disable the member: their session ends at once.
    let disable = b.eval(
        "const row = [...document.querySelectorAll('tbody tr')].find(r => r.textContent.includes('member@test.invalid'));
         return '#' + (row.querySelector('form').id = 'disable-member');",
    );
    b.click(&format!("{} button", disable.as_str().unwrap()));
    assert!(b.text(".usa-alert--success").contains("disabled"));
    b.open("/admin/audit?action=user_disable");
    assert_eq!(b.texts("tbody tr").len(), 1);
    assert!(b.text("#chain-state").starts_with("The chain is intact"));
    b.shots("admin-audit");
    b.open("/admin/audit?since=yesterday");
    assert!(b.text(".usa-alert--error").contains("YYYY-MM-DD"));
    // The invited user signs in with the one-time password and must choose another.
    b.click(".st-user__out button");
    b.sign_in("analyst@test.invalid", &password);
    assert_eq!(b.path(), "/account/password");
    // The disabled member cannot sign in.
    b.click(".st-user__out button");
    b.sign_in(&email("member"), PASSWORD);
    assert_eq!(b.path(), "/sign-in");
}

fn a_contributor_reads_a_returned_case_and_withdraws_it_after_confirming() {
    let (app, b) = app_and_browser();
    let returned = app.submit("contributor", &case_with(6));
    let kept = app.submit("contributor", &case_with(7));
    let (status, body) = app.call(
        "POST",
        &format!("/cases/{returned}/return"),
        Some("curator"),
        Some(br#"{"comment":"Please describe the pump settings in the findings."}"#),
    );
    assert_eq!(status, 200, "{body}");
    b.sign_in(&email("contributor"), PASSWORD);
    b.open("/cases?status=returned");
    assert_eq!(b.texts("tbody tr").len(), 1);
    assert!(b.text("tbody").contains("Resubmit"), "{}", b.text("tbody"));
    b.click("tbody th a.usa-link");
    assert_eq!(b.path(), format!("/cases/{returned}"));
    assert_eq!(b.text(".st-case-head .usa-tag"), "Returned");
    assert_eq!(
        b.eval("return document.querySelector('.usa-breadcrumb__link').getAttribute('href')"),
        "/cases",
        "the breadcrumb leads a contributor to a page they cannot see"
    );
    assert!(
        b.text("[aria-label=\"Curator's comment\"]")
            .contains("describe the pump settings"),
        "the curator's comment is not shown"
    );
    b.shots("case-returned");
    // Resubmitting: the form explains that the same case number replaces the case.
    b.click(".st-resubmit a.usa-button");
    assert_eq!(b.path(), "/contribute");
    assert!(b.text(".st-resubmit-note").contains("same case number"));
    assert_eq!(
        b.eval("return document.querySelector('input[name=resubmit]').value"),
        returned.as_str()
    );
    // Withdrawing asks first, and nothing happens until it is confirmed.
    b.open(&format!("/cases/{returned}"));
    b.click("a[href$='/withdraw']");
    assert_eq!(b.path(), format!("/cases/{returned}/withdraw"));
    assert_eq!(b.text("h1"), "Withdraw this case?");
    b.shots("withdraw-confirm");
    b.click("a.usa-button--outline");
    assert_eq!(b.path(), format!("/cases/{returned}"));
    let (status, _) = app.call(
        "GET",
        &format!("/cases/{returned}"),
        Some("contributor"),
        None,
    );
    assert_eq!(status, 200, "the case went before it was confirmed");
    // Without its CSRF token the confirmation is refused.
    b.open(&format!("/cases/{returned}/withdraw"));
    b.eval(
        "document.querySelector('form.st-confirm input[name=csrf_token]').remove(); return true;",
    );
    b.click("form.st-confirm button[type=submit]");
    assert_eq!(b.text("h1"), "Form refused");
    // Confirmed: the case is withdrawn, and the list says so.
    b.open(&format!("/cases/{returned}/withdraw"));
    b.click("form.st-confirm button[type=submit]");
    assert_eq!(b.path(), "/cases");
    assert!(
        b.text(".usa-alert--success")
            .contains(&format!("Case {returned} is withdrawn")),
        "{}",
        b.text("main")
    );
    let rows = b.text("tbody");
    assert!(!rows.contains(&returned) && rows.contains(&kept), "{rows}");
    let (status, _) = app.call(
        "GET",
        &format!("/cases/{returned}"),
        Some("contributor"),
        None,
    );
    assert_eq!(status, 404, "the withdrawn case is still there");
    // The case in review has its withdraw link in the list too.
    assert_eq!(
        b.eval(&format!(
            "return document.querySelectorAll('tbody a[href=\"/cases/{kept}/withdraw\"]').length"
        )),
        1
    );
}

fn the_review_queue_lists_the_oldest_case_first_with_its_age() {
    let (app, b) = app_and_browser();
    // Submitted first, but received two days ago; submitted second, received five days
    // ago: newest first would list `recent` first.
    let recent = app.submit("contributor", &case_with(8));
    let oldest = app.submit("contributor", &case_with(9));
    for (id, days) in [(&recent, 2), (&oldest, 5)] {
        let at = (chrono::Utc::now() - chrono::Duration::days(days))
            .naive_utc()
            .format("%Y-%m-%d %H:%M:%S");
        crate::tokens::execute(
            &app.settings.database_url,
            &format!("UPDATE cases SET created_at = '{at}' WHERE id = '{id}'"),
        );
    }
    b.sign_in(&email("curator"), PASSWORD);
    b.open("/review");
    let rows = b.eval(
        "return [...document.querySelectorAll('tbody tr')]
            .map(r => [r.querySelector('.st-id').textContent.trim(), r.querySelector('.st-age').textContent.trim()]);",
    );
    assert_eq!(
        rows,
        serde_json::json!([[oldest, "5"], [recent, "2"]]),
        "not oldest first with the age in days"
    );
    assert_eq!(
        b.texts("thead th"),
        [
            "Case",
            "Harm",
            "Status",
            "Received",
            "Age (days)",
            "Last change"
        ]
    );
}

crate::tests!(
    browser:
    a_curator_invites_a_user_disables_one_and_verifies_the_audit_chain,
    each_role_signs_in_and_sees_only_its_menu,
    a_wrong_password_shows_an_error_and_repeated_ones_are_throttled,
    a_member_opening_a_curator_page_gets_a_403_page,
    a_form_without_its_csrf_token_is_refused,
    a_member_finds_a_case_by_its_lessons_narrows_it_opens_it_and_follows_a_similar_one,
    a_contributor_submits_through_the_form_fixing_an_error_and_sees_it_in_review,
    a_jsonl_upload_with_one_bad_line_reports_that_line,
    a_curator_redacts_by_selection_and_publishes,
    a_one_time_password_must_be_changed_at_first_sign_in,
    a_facet_typed_in_the_query_box_shows_as_its_filter,
    a_contributor_reads_a_returned_case_and_withdraws_it_after_confirming,
    the_review_queue_lists_the_oldest_case_first_with_its_age,
);
