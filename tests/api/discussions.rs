//! Safe-table discussions over HTTP: who sees what (drafts, invitations, attestation, a
//! 404 for the uninvited), the agenda (add, order, questions, remove), the packet's text
//! and watermark, the calendar, takeaways (redacted, attached to the case, found by
//! search), attendance, a withdrawn case leaving, and bad input.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{case_with, Db, TestApp};
use crate::measures::pdftotext;

const MARKING: &str =
    "Patient Safety Work Product — privileged and confidential under the Patient Safety and Quality Improvement Act";

fn org_id(app: &TestApp, name: &str) -> i64 {
    let intake = safetable::intake::Intake::open(&app.settings).unwrap();
    intake
        .store
        .list_orgs()
        .unwrap()
        .into_iter()
        .find(|o| o.name == name)
        .map(|o| o.id.get())
        .unwrap()
}

fn send(app: &TestApp, method: &str, path: &str, who: &str, body: &Value) -> (u16, Value) {
    app.call(
        method,
        path,
        Some(who),
        Some(&serde_json::to_vec(body).unwrap()),
    )
}

/// A published case whose lessons carry `word`.
fn published(app: &TestApp, n: u32, word: &str) -> String {
    let mut case = case_with(n);
    case["lessons_learned"] = json!(format!(
        "Independent double checks of {word} infusions catch rate errors before they reach the patient."
    ));
    let id = app.submit("contributor", &case);
    app.publish(&id);
    id
}

fn discussion_body(invited: &[i64]) -> Value {
    json!({
        "title": "Heparin infusions at night",
        "starts_at": "2031-01-14T15:00",
        "time_zone": "America/Chicago",
        "duration_minutes": 90,
        "description": "Two pump errors and what the teams changed.",
        "facilitator_notes": "Start with the second case; ask about the override.",
        "invite_all": invited.is_empty(),
        "invited_orgs": invited,
    })
}

/// A published discussion for org A with two cases; returns (discussion id, case ids).
fn prepared(app: &TestApp) -> (i64, Vec<String>) {
    let org_a = org_id(app, "Org A");
    let cases = vec![
        published(app, 501, "nectarine"),
        published(app, 502, "tangerine"),
    ];
    let (status, d) = send(
        app,
        "POST",
        "/discussions",
        "faculty",
        &discussion_body(&[org_a]),
    );
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    for (c, q) in cases
        .iter()
        .zip(["Why was the limit overridden?", "What would you change?"])
    {
        let (status, body) = send(
            app,
            "POST",
            &format!("/discussions/{id}/cases"),
            "faculty",
            &json!({ "case_id": c, "questions": [q] }),
        );
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = app.call(
        "POST",
        &format!("/discussions/{id}/publish"),
        Some("faculty"),
        None,
    );
    assert_eq!(status, 200, "{body}");
    (id, cases)
}

fn audit_actions(app: &TestApp, action: &str) -> Vec<(String, Option<String>)> {
    let intake = safetable::intake::Intake::open(&app.settings).unwrap();
    let (entries, _) = intake.store.audit_log().unwrap();
    entries
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| (e.actor, e.subject))
        .collect()
}

fn the_roles_see_what_they_may(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let org_a = org_id(&app, "Org A");
    let case = published(&app, 510, "nectarine");
    // Members, contributors cannot create.
    for who in ["member", "contributor"] {
        let (status, _) = send(&app, "POST", "/discussions", who, &discussion_body(&[]));
        assert_eq!(status, 403, "{who} created a discussion");
    }
    let (status, d) = send(
        &app,
        "POST",
        "/discussions",
        "faculty",
        &discussion_body(&[org_a]),
    );
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["status"], "draft");
    assert_eq!(d["time_zone"], "America/Chicago");
    assert_eq!(d["starts_at"], "2031-01-14T21:00:00Z");
    assert_eq!(d["local_start"], "2031-01-14T15:00");
    let id = d["id"].as_i64().unwrap();
    let path = format!("/discussions/{id}");
    // A draft is the faculty's and curators' only.
    for who in ["member", "member_b", "contributor"] {
        let (status, body) = app.call("GET", &path, Some(who), None);
        assert_eq!(status, 404, "{who} saw a draft: {body}");
    }
    let (status, list) = app.call("GET", "/discussions", Some("member"), None);
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 0, "a draft listed: {list}");
    let (status, _) = app.call("GET", "/discussions", Some("contributor"), None);
    assert_eq!(status, 403);
    let (status, body) = app.call("GET", &path, Some("curator"), None);
    assert_eq!(status, 200, "{body}");
    // Publishing needs a case.
    let (status, body) = app.call("POST", &format!("{path}/publish"), Some("faculty"), None);
    assert_eq!(status, 409, "{body}");
    let (status, body) = send(
        &app,
        "POST",
        &format!("{path}/cases"),
        "faculty",
        &json!({ "case_id": case, "questions": ["What made the override easy?"] }),
    );
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.call("POST", &format!("{path}/publish"), Some("faculty"), None);
    assert_eq!(status, 200);

    // Invited (org A): listed, but nothing of it before the attestation.
    let (_, list) = app.call("GET", "/discussions", Some("member"), None);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert!(list[0]["you"].get("attested_at").is_none());
    for p in [
        path.clone(),
        format!("{path}/packet.pdf"),
        format!("{path}/calendar.ics"),
    ] {
        let (status, body) = app.call("GET", &p, Some("member"), None);
        assert_eq!(status, 403, "{p}: {body}");
        assert_eq!(body["error"], "attestation_required", "{p}");
    }
    // Not invited (org B), contributors: no such discussion, whatever they ask.
    for who in ["member_b", "contributor"] {
        for (method, p) in [
            ("GET", path.clone()),
            ("POST", format!("{path}/attest")),
            ("GET", format!("{path}/packet.pdf")),
            ("GET", format!("{path}/calendar.ics")),
        ] {
            let (status, body) = app.call(method, &p, Some(who), None);
            assert_eq!(status, 404, "{who} {method} {p}: {body}");
        }
    }
    let (_, list) = app.call("GET", "/discussions", Some("member_b"), None);
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
    // Members cannot edit what they read.
    let (status, _) = send(&app, "PUT", &path, "member", &discussion_body(&[]));
    assert_eq!(status, 403);

    // The attestation opens it, once, audited.
    let (status, body) = app.call("POST", &format!("{path}/attest"), Some("member"), None);
    assert_eq!(status, 200, "{body}");
    assert!(body["attested_at"].as_str().unwrap().ends_with('Z'));
    let (status, again) = app.call("POST", &format!("{path}/attest"), Some("member"), None);
    assert_eq!(status, 200);
    assert_eq!(
        again["attested_at"], body["attested_at"],
        "the first time is kept"
    );
    let attests = audit_actions(&app, "discussion_attest");
    assert_eq!(attests.len(), 1, "{attests:?}");
    assert_eq!(
        attests[0].1.as_deref(),
        Some(format!("discussion:{id}").as_str())
    );
    let (status, seen) = app.call("GET", &path, Some("member"), None);
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["cases"].as_array().unwrap().len(), 1);
    assert_eq!(
        seen["cases"][0]["questions"][0],
        "What made the override easy?"
    );
    assert!(
        seen.get("facilitator_notes").is_none(),
        "notes shown to a member"
    );
    assert!(seen.get("participants").is_none());
    assert!(seen.get("invited_orgs").is_none());
    let (_, managed) = app.call("GET", &path, Some("faculty"), None);
    assert_eq!(
        managed["facilitator_notes"],
        "Start with the second case; ask about the override."
    );
    assert_eq!(managed["participants"][0]["email"], "member@test.invalid");
    assert_eq!(managed["invited_orgs"][0]["name"], "Org A");
}

fn the_agenda_is_built_ordered_and_edited(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let (id, cases) = prepared(&app);
    let path = format!("/discussions/{id}");
    let order = |app: &TestApp| -> Vec<String> {
        let (_, d) = app.call("GET", &path, Some("faculty"), None);
        d["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["case_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(order(&app), cases);
    let reversed: Vec<&String> = cases.iter().rev().collect();
    let (status, body) = send(
        &app,
        "PUT",
        &format!("{path}/order"),
        "faculty",
        &json!({ "case_ids": reversed }),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cases"][0]["position"], 1);
    assert_eq!(order(&app), vec![cases[1].clone(), cases[0].clone()]);
    // An order must name each case once.
    for bad in [
        json!([cases[0]]),
        json!([cases[0], cases[0]]),
        json!([cases[0], cases[1], cases[1]]),
    ] {
        let (status, body) = send(
            &app,
            "PUT",
            &format!("{path}/order"),
            "faculty",
            &json!({ "case_ids": bad }),
        );
        assert_eq!(status, 422, "{bad}: {body}");
    }
    // The same case twice, an unpublished case, an unknown one.
    let (status, _) = send(
        &app,
        "POST",
        &format!("{path}/cases"),
        "faculty",
        &json!({ "case_id": cases[0] }),
    );
    assert_eq!(status, 409);
    let in_review = app.submit("contributor", &case_with(520));
    let (status, body) = send(
        &app,
        "POST",
        &format!("{path}/cases"),
        "faculty",
        &json!({ "case_id": in_review }),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"][0]["path"], "case_id");
    // Questions are replaced, and redacted like case text.
    let (status, body) = send(
        &app,
        "PUT",
        &format!("{path}/cases/{}", cases[0]),
        "faculty",
        &json!({ "questions": ["Would Dr. Hortensia Blaylock have caught it?", "  "] }),
    );
    assert_eq!(status, 200, "{body}");
    let item = body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_id"] == cases[0].as_str())
        .unwrap()
        .clone();
    let questions = item["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 1, "{questions:?}");
    let q = questions[0].as_str().unwrap();
    assert!(!q.contains("Blaylock") && !q.contains("Hortensia"), "{q}");
    // Removal.
    let (status, _) = app.call(
        "DELETE",
        &format!("{path}/cases/{}", cases[1]),
        Some("faculty"),
        None,
    );
    assert_eq!(status, 204);
    assert_eq!(order(&app), vec![cases[0].clone()]);
    let (status, _) = app.call(
        "DELETE",
        &format!("{path}/cases/{}", cases[1]),
        Some("faculty"),
        None,
    );
    assert_eq!(status, 404);
    // Every change is audited.
    assert!(audit_actions(&app, "discussion_edit").len() >= 5);
}

fn the_packet_is_marked_watermarked_and_holds_every_case(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let (id, _) = prepared(&app);
    let (status, _) = app.call(
        "POST",
        &format!("/discussions/{id}/attest"),
        Some("member"),
        None,
    );
    assert_eq!(status, 200);
    let (status, kind, pdf) =
        crate::measures::get(&app, &format!("/discussions/{id}/packet.pdf"), "member");
    assert_eq!(status, 200);
    assert_eq!(kind, "application/pdf");
    let text = pdftotext(&pdf);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains(MARKING), "page {} has no PSWP marking", i + 1);
        assert!(
            page.contains("Safe table: Heparin infusions at night"),
            "page {} has no title",
            i + 1
        );
        assert!(
            page.contains("Copy of member@test.invalid (Org A), downloaded"),
            "page {} has no watermark:\n{page}",
            i + 1
        );
    }
    for needle in [
        "Agenda",
        "nectarine infusions",
        "tangerine infusions",
        "Why was the limit overridden?",
        "What would you change?",
        "Lessons learned",
        "Confidentiality",
    ] {
        assert!(text.contains(needle), "the packet lacks {needle:?}");
    }
    let downloads = audit_actions(&app, "packet_download");
    assert_eq!(downloads.len(), 1, "{downloads:?}");
    assert!(downloads[0].0.starts_with("user:"));
    // The calendar: the session, none of its cases.
    let (status, kind, ics) =
        crate::measures::get(&app, &format!("/discussions/{id}/calendar.ics"), "member");
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/calendar"), "{kind}");
    let ics = String::from_utf8(ics).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert!(ics.contains("DTSTART:20310114T210000Z"), "{ics}");
    assert!(ics.contains("DTEND:20310114T223000Z"), "{ics}");
    for leak in ["nectarine", "tangerine", "overridden", "pump errors"] {
        assert!(
            !ics.contains(leak),
            "the calendar holds case content: {leak}"
        );
    }
}

fn a_withdrawn_case_leaves_the_discussion_and_its_packet(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let (id, cases) = prepared(&app);
    let (status, _) = app.call(
        "DELETE",
        &format!("/cases/{}", cases[0]),
        Some("contributor"),
        None,
    );
    assert_eq!(status, 204);
    let (_, d) = app.call("GET", &format!("/discussions/{id}"), Some("faculty"), None);
    let listed: Vec<&str> = d["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [cases[1].as_str()]);
    let notices = d["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{d}");
    assert!(
        notices[0]
            .as_str()
            .unwrap()
            .contains("place 1 was withdrawn"),
        "{notices:?}"
    );
    let (_, kind, pdf) =
        crate::measures::get(&app, &format!("/discussions/{id}/packet.pdf"), "faculty");
    assert_eq!(kind, "application/pdf");
    let text = pdftotext(&pdf);
    assert!(
        !text.contains("nectarine"),
        "the withdrawn case is still in the packet"
    );
    assert!(text.contains("tangerine"));
    // Members are not told anything about it.
    app.call(
        "POST",
        &format!("/discussions/{id}/attest"),
        Some("member"),
        None,
    );
    let (_, seen) = app.call("GET", &format!("/discussions/{id}"), Some("member"), None);
    assert!(seen.get("notices").is_none(), "{seen}");
}

fn takeaways_are_redacted_attached_to_the_case_and_found(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let (id, cases) = prepared(&app);
    app.wait_indexed(2);
    let path = format!("/discussions/{id}");
    // Attendance needs the attestation.
    let member_id = {
        let intake = safetable::intake::Intake::open(&app.settings).unwrap();
        intake
            .store
            .user_by_email("member@test.invalid")
            .unwrap()
            .unwrap()
            .id
            .get()
    };
    let (status, body) = send(
        &app,
        "PUT",
        &format!("{path}/attendance"),
        "faculty",
        &json!({ "attended": [member_id] }),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"][0]["path"], "attended[0]");
    app.call("POST", &format!("{path}/attest"), Some("member"), None);
    let body = json!({
        "overall": "Teams agreed that Nurse Philippa Ostrowska's habit of reading the pump aloud should spread.",
        "cases": [{
            "case_id": cases[0],
            "takeaways": "Marigoldfinch checklists at handover: Dr. Hortensia Blaylock will share hers.",
        }],
    });
    let (status, d) = send(&app, "PUT", &format!("{path}/takeaways"), "faculty", &body);
    assert_eq!(status, 200, "{d}");
    let stored = d.to_string();
    for name in ["Ostrowska", "Philippa", "Blaylock", "Hortensia"] {
        assert!(
            !stored.contains(name),
            "{name} kept in the takeaways: {stored}"
        );
    }
    assert!(
        stored.contains("Marigoldfinch")
            || stored.contains("marigoldfinch")
            || stored.contains("checklists")
    );
    // Not attended: no takeaways in the discussion.
    let (_, seen) = app.call("GET", &path, Some("member"), None);
    assert!(seen.get("overall_takeaways").is_none(), "{seen}");
    assert!(seen["cases"][0].get("takeaways").is_none(), "{seen}");
    let (status, _) = send(
        &app,
        "PUT",
        &format!("{path}/attendance"),
        "faculty",
        &json!({ "attended": [member_id] }),
    );
    assert_eq!(status, 200);
    let (_, seen) = app.call("GET", &path, Some("member"), None);
    assert!(
        seen["overall_takeaways"]
            .as_str()
            .unwrap_or_default()
            .contains("reading the pump aloud"),
        "{seen}"
    );
    // Attached to the case: on its page (the API's view) and found by search.
    let (_, case) = app.call(
        "GET",
        &format!("/cases/{}", cases[0]),
        Some("member_b"),
        None,
    );
    let attached = case["safe_table_takeaways"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(attached.len(), 1, "{case}");
    assert!(attached[0]
        .as_str()
        .unwrap()
        .contains("checklists at handover"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, found) = app.call(
            "GET",
            "/search?q=takeaways:handover",
            Some("member_b"),
            None,
        );
        assert_eq!(status, 200, "{found}");
        let ids: Vec<&str> = found["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|h| h["id"].as_str())
            .collect();
        if ids == [cases[0].as_str()] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "search does not find the takeaways: {found}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // A name typed in the takeaways is not in the index either.
    let (_, found) = app.call("GET", "/search?q=Blaylock", Some("member_b"), None);
    assert_eq!(found["total"], 0, "{found}");
}

fn bad_discussion_input_is_refused_naming_the_field(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let base = discussion_body(&[]);
    for (change, field) in [
        (json!({"title": ""}), "title"),
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"time_zone": "Mars/Olympus"}), "time_zone"),
        (json!({"starts_at": "tomorrow"}), "starts_at"),
        (
            json!({"starts_at": "2031-03-09T02:30", "time_zone": "America/New_York"}),
            "starts_at",
        ),
        (json!({"duration_minutes": 2}), "duration_minutes"),
        (
            json!({"invite_all": false, "invited_orgs": []}),
            "invited_orgs",
        ),
        (
            json!({"invite_all": false, "invited_orgs": [987654]}),
            "invited_orgs[0]",
        ),
        (json!({"title": "a\u{0}b"}), "title"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let mut body = base.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, answer) = send(&app, "POST", "/discussions", "faculty", &body);
        assert_eq!(status, 422, "{change}: {answer}");
        let paths: Vec<&str> = answer["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["path"].as_str())
            .collect();
        assert!(paths.contains(&field), "{change}: {answer}");
    }
    let (status, _) = app.call(
        "POST",
        "/discussions",
        Some("faculty"),
        Some(b"{\"title\":"),
    );
    assert_eq!(status, 400);
    let (status, _) = app.call("POST", "/discussions", Some("faculty"), Some(&[0xff, 0xfe]));
    assert_eq!(status, 400);
    for p in [
        "/discussions/0",
        "/discussions/-3",
        "/discussions/abc",
        "/discussions/99999999999999999999",
        "/discussions/424242",
    ] {
        let (status, body) = app.call("GET", p, Some("faculty"), None);
        assert_eq!(status, 404, "{p}: {body}");
    }
    let (status, _) = app.call("GET", "/discussions?sort=new", Some("faculty"), None);
    assert_eq!(status, 400);
    let (status, _) = app.call("PATCH", "/discussions", Some("faculty"), None);
    assert_eq!(status, 405);
    let agent = ureq::AgentBuilder::new().build();
    let result = agent
        .post(&format!("{}/discussions", app.base()))
        .set("Authorization", &format!("Bearer {}", app.token("faculty")))
        .set("Content-Type", "text/plain")
        .send_string("title");
    match result {
        Err(ureq::Error::Status(415, _)) => {}
        other => panic!("text/plain: {:?}", other.map(|r| r.status())),
    }
    // Nothing was created by any of it.
    let (_, list) = app.call("GET", "/discussions", Some("faculty"), None);
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
}

backend_tests!(
    the_roles_see_what_they_may,
    the_agenda_is_built_ordered_and_edited,
    the_packet_is_marked_watermarked_and_holds_every_case,
    a_withdrawn_case_leaves_the_discussion_and_its_packet,
    takeaways_are_redacted_attached_to_the_case_and_found,
    bad_discussion_input_is_refused_naming_the_field,
);
