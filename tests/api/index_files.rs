//! What the search index's files hold: what search needs to rank, filter and highlight,
//! never a shared view. A withdrawn case, or the previous version of a case indexed again,
//! is in no index file once the change is applied, on the server that applied it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::backend_tests;
use crate::helpers::{case_with, Db, TestApp};

/// The keys of a shared view's JSON; the index held them when it stored the view.
const VIEW_KEYS: &[&str] = &[
    "\"event\":",
    "\"improvement_actions\"",
    "\"lessons_learned\"",
    "\"redaction\":",
    "\"rule_set_version\"",
    "\"summary\":",
];

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every index file that holds one of `needles` (as bytes), with the needle.
fn index_files_holding(app: &TestApp, needles: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    files_under(&app.settings.index_dir, &mut files);
    assert!(!files.is_empty(), "the index wrote nothing");
    let matcher = aho_corasick::AhoCorasick::new(needles).unwrap();
    let mut out = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let found: BTreeSet<&str> = matcher
            .find_iter(&bytes)
            .map(|m| needles[m.pattern().as_usize()])
            .collect();
        for needle in found {
            out.push(format!("{} holds {needle}", file.display()));
        }
    }
    out
}

/// Every term of every field of every segment of the index (a deleted document's terms
/// stay in its segment until the segment is rewritten), and how many segments still hold
/// deleted documents. The terms are read through tantivy, since its term dictionary does
/// not spell them out byte for byte.
fn index_terms(app: &TestApp) -> (BTreeSet<String>, usize) {
    let index = tantivy::Index::open_in_dir(&app.settings.index_dir).unwrap();
    let schema = index.schema();
    let mut terms = BTreeSet::new();
    let mut with_deletes = 0;
    for segment in index.searchable_segments().unwrap() {
        with_deletes += usize::from(segment.meta().has_deletes());
        let reader = tantivy::SegmentReader::open(&segment).unwrap();
        for (field, entry) in schema.fields() {
            if !entry.is_indexed() {
                continue;
            }
            let inverted = reader.inverted_index(field).unwrap();
            let mut stream = inverted.terms().stream().unwrap();
            while stream.advance() {
                terms.insert(String::from_utf8_lossy(stream.key()).into_owned());
            }
        }
    }
    (terms, with_deletes)
}

/// A case whose lessons and improvement action carry the word `canary`.
fn canary_case(n: u32, canary: &str) -> serde_json::Value {
    let mut case = case_with(n);
    case["lessons_learned"] = serde_json::json!(format!(
        "Pharmacy now double-checks every {canary} drip against the order."
    ));
    case["improvement_actions"][0]["description"] =
        serde_json::json!(format!("A second check of {canary} rates at the pump"));
    case
}

/// Submits and publishes `cases` for Org A in one transaction, so that the index applies
/// them in one commit: one segment holds them all (a segment whose every document is
/// deleted is dropped at once, so a case alone in its segment would prove nothing).
fn publish_together(app: &TestApp, cases: &[serde_json::Value]) -> Vec<String> {
    let intake = safetable::intake::Intake::open(&app.settings).unwrap();
    let org = intake.store.org_by_name("Org A").unwrap().unwrap();
    let prepared: Vec<_> = cases
        .iter()
        .map(|c| {
            intake
                .prepare(org.id, &serde_json::to_vec(c).unwrap())
                .unwrap()
        })
        .collect();
    let refs: Vec<_> = prepared.iter().collect();
    intake
        .store_prepared_batch(&refs, "test", true)
        .unwrap()
        .into_iter()
        .map(|outcome| match outcome {
            safetable::store::SubmitOutcome::Created(id) => id.to_string(),
            _ => panic!("not created"),
        })
        .collect()
}

fn search_ids(app: &TestApp, q: &str) -> (BTreeSet<String>, serde_json::Value) {
    let (status, results) = app.call("GET", &format!("/search?q={q}"), Some("member"), None);
    assert_eq!(status, 200, "{results}");
    let ids = results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect();
    (ids, results)
}

fn a_withdrawn_case_is_in_no_index_file(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    let canary = "quibblewortine";
    // Other cases, published one by one (a segment each), around the one withdrawn.
    let before: Vec<String> = (0..3)
        .map(|n| app.submit("contributor", &case_with(700 + n)))
        .collect();
    for id in &before {
        app.publish(id);
    }
    let together = publish_together(&app, &[canary_case(710, canary), case_with(711)]);
    let (id, after) = (together[0].clone(), together[1].clone());
    app.wait_indexed(5);
    let (found, results) = search_ids(&app, canary);
    assert_eq!(found, BTreeSet::from([id.clone()]), "{results}");
    let hit = &results["hits"][0];
    assert!(
        hit["highlights"]
            .to_string()
            .contains(&format!("<mark>{canary}</mark>")),
        "{hit}"
    );
    // The index can be seen to hold the case before: its id, its terms.
    assert!(!index_files_holding(&app, &[&id]).is_empty());
    assert!(index_terms(&app)
        .0
        .iter()
        .any(|t| t.contains("quibblewort")));

    assert_eq!(
        app.call("DELETE", &format!("/cases/{id}"), Some("contributor"), None)
            .0,
        204
    );
    app.wait_indexed(4);
    let (found, _) = search_ids(&app, canary);
    assert!(found.is_empty(), "{found:?}");
    let (found, _) = search_ids(&app, "heparin");
    let mut expected: BTreeSet<String> = before.iter().cloned().collect();
    expected.insert(after.clone());
    assert_eq!(found, expected);
    // The follower has finished with the index when the server has stopped.
    app.stop();

    let mut needles = vec![canary, "Quibblewortine", id.as_str()];
    needles.extend(VIEW_KEYS);
    let held = index_files_holding(&app, &needles);
    assert!(
        held.is_empty(),
        "withdrawn, still in the index:\n{}",
        held.join("\n")
    );
    let (terms, with_deletes) = index_terms(&app);
    let left: Vec<&String> = terms
        .iter()
        .filter(|t| t.contains("quibblewort") || t.contains(id.as_str()))
        .collect();
    assert!(left.is_empty(), "terms of the withdrawn case: {left:?}");
    assert_eq!(with_deletes, 0, "segments still hold deleted documents");
}

fn a_case_indexed_again_keeps_no_trace_of_its_previous_view(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    let canary = "quibblewortine";
    let id = publish_together(&app, &[canary_case(721, canary), case_with(720)])[0].clone();
    app.wait_indexed(2);
    assert_eq!(search_ids(&app, canary).0, BTreeSet::from([id.clone()]));

    // A re-redaction that keeps the case published replaces its view: indexed again.
    let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
    let case_id: safetable::case::CaseId = id.parse().unwrap();
    let record = store.case(&case_id).unwrap().unwrap();
    let mut view = record.view.clone();
    view.lessons_learned = "Pharmacy now double-checks every drip against the order.".into();
    for action in &mut view.improvement_actions {
        action.description = "A second check of rates at the pump".into();
    }
    store
        .replace_view(
            &case_id,
            &view,
            &record.report_json,
            false,
            &safetable::audit::AuditEvent::new(
                "test",
                safetable::audit::AuditAction::Reredact,
                Some(id.clone()),
            ),
        )
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !search_ids(&app, canary).0.is_empty() {
        assert!(std::time::Instant::now() < deadline, "not indexed again");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(search_ids(&app, "heparin").0.len(), 2);
    app.stop();

    let mut needles = vec![canary, "Quibblewortine"];
    needles.extend(VIEW_KEYS);
    let held = index_files_holding(&app, &needles);
    assert!(
        held.is_empty(),
        "the previous view is in the index:\n{}",
        held.join("\n")
    );
    let (terms, with_deletes) = index_terms(&app);
    assert!(
        terms.iter().all(|t| !t.contains("quibblewort")),
        "terms of the previous view remain"
    );
    assert_eq!(with_deletes, 0, "segments still hold deleted documents");
}

fn index_files_hold_no_view_and_no_text(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    let canaries = ["quibblewortine", "frandolizumab", "zelvotrexate"];
    let mut ids = Vec::new();
    for (n, canary) in (730..).zip(canaries) {
        let id = app.submit("contributor", &canary_case(n, canary));
        app.publish(&id);
        ids.push(id);
    }
    app.wait_indexed(3);
    // Found, highlighted, with the facts of the case: all made from the published view.
    for (id, canary) in ids.iter().zip(canaries) {
        let (found, results) = search_ids(&app, canary);
        assert_eq!(found, BTreeSet::from([id.clone()]), "{results}");
        let hit = &results["hits"][0];
        assert!(
            hit["highlights"]
                .to_string()
                .contains(&format!("<mark>{canary}</mark>")),
            "{hit}"
        );
        assert!(
            hit["summary"].as_str().unwrap().contains("heparin"),
            "{hit}"
        );
        assert_eq!(
            (
                &hit["year"],
                &hit["category"],
                &hit["harm"],
                &hit["setting"]
            ),
            (
                &serde_json::json!(2024),
                &serde_json::json!("medication"),
                &serde_json::json!("moderate"),
                &serde_json::json!("inpatient")
            ),
            "{hit}"
        );
        assert_eq!(hit["strengths"], serde_json::json!(["stronger"]), "{hit}");
    }
    app.stop();
    // No stored view, no stored text: no JSON key and no sentence of a case in any file.
    let mut needles: Vec<&str> = VIEW_KEYS.to_vec();
    needles.extend(canaries);
    needles.extend([
        "Pharmacy now double-checks",
        "double-checks every",
        "second check of",
        "Smart pump",
        "the ordered rate",
    ]);
    let held = index_files_holding(&app, &needles);
    assert!(
        held.is_empty(),
        "the index stores text:\n{}",
        held.join("\n")
    );
}

backend_tests!(
    a_withdrawn_case_is_in_no_index_file,
    a_case_indexed_again_keeps_no_trace_of_its_previous_view,
    index_files_hold_no_view_and_no_text,
);
