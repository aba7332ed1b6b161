//! Search and similar cases over a small corpus with known facets and texts: exactly the
//! matching published cases, facet counts of the current query, the query language
//! (synonyms, phrases, NOT, field prefixes), escaped snippets, paging, roles, bad queries
//! and the audit trail.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{case_with, Db, TestApp};

/// One case of the corpus: its facets and texts.
struct Spec {
    key: &'static str,
    n: u32,
    /// Submitted by `contributor_b` (org B) rather than `contributor` (org A).
    org_b: bool,
    category: &'static str,
    harm: &'static str,
    setting: &'static str,
    factors: &'static [&'static str],
    /// (strength, status) per improvement action.
    actions: &'static [(&'static str, &'static str)],
    year: i32,
    age: u32,
    age_band: &'static str,
    method: &'static str,
    standard_of_care: &'static str,
    summary: &'static str,
    findings: &'static str,
    lessons: &'static str,
    action_text: &'static str,
}

impl Spec {
    fn case(&self) -> Value {
        let mut c = case_with(self.n);
        c["closed_on"] = json!(format!("{}-11-30", self.year));
        c["event"]["occurred_on"] = json!(format!("{}-03-14", self.year));
        c["event"]["discovered_on"] = json!(format!("{}-03-15", self.year));
        c["event"]["category"] = json!(self.category);
        c["event"]["harm"] = json!(self.harm);
        c["event"]["setting"] = json!(self.setting);
        c["event"]["service"] = json!("general medicine");
        c["event"]["summary"] = json!(self.summary);
        c["patient"]["age_years"] = json!(self.age);
        c["review"] = json!({
            "method": self.method,
            "standard_of_care_met": self.standard_of_care,
            "contributing_factors": self.factors,
            "findings": self.findings,
        });
        c["lessons_learned"] = json!(self.lessons);
        c["improvement_actions"] = Value::Array(
            self.actions
                .iter()
                .map(|(strength, status)| {
                    json!({"description": self.action_text, "strength": strength, "status": status})
                })
                .collect(),
        );
        c
    }

    /// Every (facet, value) of the case, as the index should count them.
    fn facets(&self) -> BTreeSet<(&'static str, String)> {
        let mut out = BTreeSet::new();
        out.insert(("category", self.category.to_owned()));
        out.insert(("harm", self.harm.to_owned()));
        out.insert(("setting", self.setting.to_owned()));
        out.insert(("year", self.year.to_string()));
        out.insert(("age_band", self.age_band.to_owned()));
        out.insert(("method", self.method.to_owned()));
        out.insert(("standard_of_care", self.standard_of_care.to_owned()));
        for f in self.factors {
            out.insert(("factor", (*f).to_owned()));
        }
        for (strength, status) in self.actions {
            out.insert(("strength", (*strength).to_owned()));
            out.insert(("action_status", (*status).to_owned()));
        }
        out
    }
}

/// The facets this corpus sets (compensation is never set: its counts must stay empty).
const FACETS: &[&str] = &[
    "category",
    "harm",
    "setting",
    "factor",
    "strength",
    "action_status",
    "method",
    "standard_of_care",
    "year",
    "age_band",
];

const PUBLISHED: &[Spec] = &[
    Spec {
        key: "furosemide",
        n: 101,
        org_b: false,
        category: "medication",
        harm: "moderate",
        setting: "inpatient",
        factors: &["medication-process", "communication"],
        actions: &[("stronger", "implemented")],
        year: 2023,
        age: 67,
        age_band: "60-69",
        method: "rca2",
        standard_of_care: "no",
        summary: "The patient received furosemide twice because the diuretic order was duplicated during transfer between wards.",
        findings: "Order reconciliation at transfer was incomplete.",
        lessons: "Reconcile diuretic orders at every transfer between units.",
        action_text: "Pharmacist reconciliation of diuretic orders at transfer.",
    },
    Spec {
        key: "coumadin",
        n: 102,
        org_b: false,
        category: "medication",
        harm: "severe",
        setting: "intensive-care",
        factors: &["equipment-device"],
        actions: &[("intermediate", "planned")],
        year: 2024,
        age: 45,
        age_band: "40-49",
        method: "apparent-cause",
        standard_of_care: "undetermined",
        summary: "Coumadin was given at double dose after tablets were substituted; the INR rose and gastrointestinal bleeding followed.",
        findings: "The dispensing cabinet held two tablet strengths in one pocket.",
        lessons: "Anticoagulant tablets of different strengths need separate cabinet pockets.",
        action_text: "Separate pockets for anticoagulant tablet strengths.",
    },
    Spec {
        key: "fall",
        n: 103,
        org_b: false,
        category: "fall",
        harm: "mild",
        setting: "long-term-care",
        factors: &["staffing-workload", "environment"],
        actions: &[("weaker", "verified")],
        year: 2022,
        age: 88,
        age_band: "80-89",
        method: "case-review",
        standard_of_care: "yes",
        summary: "Unassisted fall at night on the way to the bathroom; the bed alarm had been silenced. The rapid response team assessed a wrist fracture.",
        findings: "Night staffing was below plan.",
        lessons: "Bed alarms stay on for residents at high fall risk.",
        action_text: "Reminder poster about bed alarms.",
    },
    Spec {
        key: "sepsis",
        n: 104,
        org_b: true,
        category: "diagnosis",
        harm: "death",
        setting: "emergency",
        factors: &["handoff", "communication"],
        actions: &[("stronger", "in-progress"), ("weaker", "planned")],
        year: 2024,
        age: 34,
        age_band: "30-39",
        method: "rca2",
        standard_of_care: "no",
        summary: "Sepsis was missed at triage; the RRT was called late and the patient died.",
        findings: "Abnormal triage vital signs were not escalated at handoff.",
        lessons: "Automatic sepsis screening with escalation at triage.",
        action_text: "Electronic sepsis alert that pages the RRT.",
    },
    Spec {
        key: "checklist",
        n: 105,
        org_b: false,
        category: "infection",
        harm: "none",
        setting: "ambulatory",
        factors: &["policy-procedure"],
        actions: &[("intermediate", "implemented")],
        year: 2023,
        age: 12,
        age_band: "0-17",
        method: "fmea",
        standard_of_care: "yes",
        summary: "Catheter checklist <script>alert(1)</script> skipped & <b>bundle</b> audit missed by the clinic team.",
        findings: "The checklist form was optional.",
        lessons: "Daily checklist <script>alert(1)</script> review & <b>weekly</b> audits.",
        action_text: "Make the catheter checklist mandatory.",
    },
    Spec {
        key: "pump",
        n: 106,
        org_b: false,
        category: "device",
        harm: "moderate",
        setting: "perioperative",
        factors: &["equipment-device", "training-competency"],
        actions: &[("stronger", "verified")],
        year: 2022,
        age: 55,
        age_band: "50-59",
        method: "rca2",
        standard_of_care: "no",
        summary: "The infusion pump alarm was ignored during a long operation and the patient became hypotensive.",
        findings: "Alarm volume was set low on the infusion device.",
        lessons: "Alarm volume checks belong in the surgical time out.",
        action_text: "Lock a minimum alarm volume in the device settings.",
    },
    Spec {
        key: "kinked",
        n: 107,
        org_b: true,
        category: "device",
        harm: "mild",
        setting: "inpatient",
        factors: &["information-technology"],
        actions: &[("weaker", "implemented")],
        year: 2024,
        age: 72,
        age_band: "70-79",
        method: "other",
        standard_of_care: "undetermined",
        summary: "An alarm on the pump sounded repeatedly and was ignored; the line had a kink.",
        findings: "Alarm fatigue — a naïve café-style routine — on a busy ward.",
        lessons: "Escalate repeated alarms to the charge nurse using a structured handoff.",
        action_text: "Alarm escalation rules in the nurse call system.",
    },
];

/// Text that every unpublished case carries: each word any test searches for, so that a
/// leak of an unpublished case shows up in every result.
const BAIT: &str =
    "The pump alarm was ignored and silenced at night; furosemide, lasix, Coumadin, \
warfarin and heparin were given; the RRT and the rapid response team came for sepsis and a \
fracture; the catheter checklist and the handoff failed; the patient died.";

/// A corpus as the tests see it.
struct Corpus {
    /// key → id of each published case.
    published: BTreeMap<&'static str, String>,
    in_review: String,
    returned: String,
    withdrawn: String,
}

impl Corpus {
    fn id(&self, key: &str) -> &str {
        &self.published[key]
    }

    fn ids(&self, keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| self.id(k).to_owned()).collect()
    }

    fn hidden(&self) -> [&str; 3] {
        [&self.in_review, &self.returned, &self.withdrawn]
    }

    fn all_published(&self) -> BTreeSet<String> {
        self.published.values().cloned().collect()
    }
}

/// A case that must never be searchable: facets like the first published case, text
/// with every word searched for.
fn bait(n: u32) -> Value {
    let mut c = PUBLISHED[0].case();
    let fresh = case_with(n);
    c["external_ref"] = fresh["external_ref"].clone();
    c["event"]["summary"] = json!(BAIT);
    c["review"]["findings"] = json!(BAIT);
    c["lessons_learned"] = json!(BAIT);
    c["improvement_actions"][0]["description"] = json!(BAIT);
    c
}

fn post(app: &TestApp, path: &str, who: &str, body: Option<Value>) -> (u16, Value) {
    let bytes = body.map(|b| b.to_string().into_bytes());
    app.call("POST", path, Some(who), bytes.as_deref())
}

/// Submits and curates the corpus, and waits until the index holds the published cases.
fn corpus(app: &TestApp) -> Corpus {
    let mut published = BTreeMap::new();
    for spec in PUBLISHED {
        let who = if spec.org_b {
            "contributor_b"
        } else {
            "contributor"
        };
        let id = app.submit(who, &spec.case());
        published.insert(spec.key, id);
    }
    let in_review = app.submit("contributor", &bait(120));
    let returned = app.submit("contributor", &bait(121));
    let withdrawn = app.submit("contributor", &bait(122));
    for id in published.values().chain([&withdrawn]) {
        let (status, body) = post(app, &format!("/cases/{id}/publish"), "curator", None);
        assert_eq!(status, 200, "publish {id}: {body}");
    }
    let (status, body) = post(
        app,
        &format!("/cases/{returned}/return"),
        "curator",
        Some(json!({"comment": "Please describe the follow-up."})),
    );
    assert_eq!(status, 200, "return: {body}");
    // The withdrawn case is indexed first, so that its removal is what is tested.
    app.wait_indexed(PUBLISHED.len() as u64 + 1);
    let (status, body) = app.call(
        "DELETE",
        &format!("/cases/{withdrawn}"),
        Some("contributor"),
        None,
    );
    assert_eq!(status, 204, "withdraw: {body}");
    app.wait_indexed(PUBLISHED.len() as u64);
    Corpus {
        published,
        in_review,
        returned,
        withdrawn,
    }
}

/// Percent-encodes a query-string value.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `GET /search?{params}` as the member; asserts 200 and that no unpublished case is in it.
fn search(app: &TestApp, corpus: &Corpus, params: &str) -> Value {
    let (status, body) = app.call("GET", &format!("/search?{params}"), Some("member"), None);
    assert_eq!(status, 200, "/search?{params}: {body}");
    let text = body.to_string();
    for hidden in corpus.hidden() {
        assert!(
            !text.contains(hidden),
            "/search?{params} shows an unpublished case {hidden}: {body}"
        );
    }
    body
}

fn hit_ids(results: &Value) -> BTreeSet<String> {
    results["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("no hits array: {results}"))
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids a query with `q` returns (all on one page).
fn query_ids(app: &TestApp, corpus: &Corpus, q: &str) -> BTreeSet<String> {
    let results = search(app, corpus, &format!("q={}&limit=100", enc(q)));
    let ids = hit_ids(&results);
    assert_eq!(results["total"], ids.len(), "q={q}: {results}");
    ids
}

fn facets_and_filters_select_exactly_the_matching_cases(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let corpus = corpus(&app);

    // (query string, filters as (facet, accepted values), text restriction as keys).
    type Filters = &'static [(&'static str, &'static [&'static str])];
    let checks: &[(&str, Filters, Option<&[&str]>)] = &[
        ("", &[], None),
        (
            "category=medication",
            &[("category", &["medication"])],
            None,
        ),
        (
            "category=medication,fall",
            &[("category", &["medication", "fall"])],
            None,
        ),
        (
            "category=medication&category=fall",
            &[("category", &["medication", "fall"])],
            None,
        ),
        ("harm=moderate", &[("harm", &["moderate"])], None),
        (
            "harm=moderate,mild&setting=inpatient",
            &[("harm", &["moderate", "mild"]), ("setting", &["inpatient"])],
            None,
        ),
        (
            "factor=communication",
            &[("factor", &["communication"])],
            None,
        ),
        (
            "factor=communication,equipment-device&strength=stronger",
            &[
                ("factor", &["communication", "equipment-device"]),
                ("strength", &["stronger"]),
            ],
            None,
        ),
        ("strength=weaker", &[("strength", &["weaker"])], None),
        (
            "action_status=implemented",
            &[("action_status", &["implemented"])],
            None,
        ),
        (
            "strength=stronger&action_status=planned",
            &[("strength", &["stronger"]), ("action_status", &["planned"])],
            None,
        ),
        ("year=2024", &[("year", &["2024"])], None),
        (
            "year=2022,2023&method=rca2",
            &[("year", &["2022", "2023"]), ("method", &["rca2"])],
            None,
        ),
        ("age_band=80-89", &[("age_band", &["80-89"])], None),
        (
            "age_band=0-17,60-69",
            &[("age_band", &["0-17", "60-69"])],
            None,
        ),
        (
            "standard_of_care=no&setting=perioperative,emergency",
            &[
                ("standard_of_care", &["no"]),
                ("setting", &["perioperative", "emergency"]),
            ],
            None,
        ),
        ("category=blood", &[("category", &["blood"])], None),
        ("compensation=payment", &[], Some(&[])),
        // Text and facets together.
        (
            "q=alarm&category=device",
            &[("category", &["device"])],
            Some(&["pump", "kinked"]),
        ),
        (
            "q=alarm&harm=mild",
            &[("harm", &["mild"])],
            Some(&["fall", "kinked"]),
        ),
        ("q=alarm", &[], Some(&["fall", "pump", "kinked"])),
    ];

    for (params, filters, text) in checks {
        let expected: Vec<&Spec> = PUBLISHED
            .iter()
            .filter(|s| text.map_or(true, |keys| keys.contains(&s.key)))
            .filter(|s| {
                let mine = s.facets();
                filters.iter().all(|(facet, values)| {
                    values
                        .iter()
                        .any(|v| mine.contains(&(*facet, (*v).to_owned())))
                })
            })
            .collect();
        let expected_ids: BTreeSet<String> = expected
            .iter()
            .map(|s| corpus.id(s.key).to_owned())
            .collect();
        let sep = if params.is_empty() { "" } else { "&" };
        let results = search(&app, &corpus, &format!("{params}{sep}limit=100"));
        assert_eq!(
            hit_ids(&results),
            expected_ids,
            "/search?{params} returned other cases than those matching: {results}"
        );
        assert_eq!(results["total"], expected.len(), "{params}: {results}");

        // Facet counts are those of the current result set.
        for facet in FACETS {
            let mut want: BTreeMap<String, u64> = BTreeMap::new();
            for s in &expected {
                for (f, v) in s.facets() {
                    if f == *facet {
                        *want.entry(v).or_default() += 1;
                    }
                }
            }
            let got: BTreeMap<String, u64> = results["facets"][facet]
                .as_object()
                .unwrap_or_else(|| panic!("{params}: no facet {facet}: {results}"))
                .iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
                .filter(|(_, n)| *n > 0)
                .collect();
            assert_eq!(got, want, "{params}: counts of facet {facet}: {results}");
        }
        let compensation = results["facets"]["compensation"].as_object();
        assert!(
            compensation.map_or(true, |m| m.values().all(|n| n == 0)),
            "{params}: no case has compensation: {results}"
        );
    }
}

fn query_language_synonyms_phrases_not_and_fields(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let corpus = corpus(&app);
    let checks: &[(&str, &[&str])] = &[
        // Synonyms, both ways.
        ("furosemide", &["furosemide"]),
        ("lasix", &["furosemide"]),
        ("Lasix", &["furosemide"]),
        ("coumadin", &["coumadin"]),
        ("warfarin", &["coumadin"]),
        // A multi-word synonym and its abbreviation.
        ("rrt", &["fall", "sepsis"]),
        ("rapid response team", &["fall", "sepsis"]),
        ("\"rapid response team\"", &["fall"]),
        // Default AND, OR, parentheses.
        ("alarm ignored", &["pump", "kinked"]),
        ("alarm silenced", &["fall"]),
        ("furosemide OR warfarin", &["furosemide", "coumadin"]),
        ("(sepsis OR fracture) AND night", &["fall"]),
        // Phrases.
        ("pump alarm", &["pump", "kinked"]),
        ("\"pump alarm\"", &["pump"]),
        ("\"alarm pump\"", &[]),
        // NOT.
        ("alarm NOT ignored", &["fall"]),
        ("alarm NOT pump", &["fall"]),
        ("alarm -ignored", &["fall"]),
        // Field prefixes.
        ("handoff", &["sepsis", "kinked"]),
        ("lessons:handoff", &["kinked"]),
        ("findings:handoff", &["sepsis"]),
        ("summary:handoff", &[]),
        ("checklist", &["checklist"]),
        ("actions:sepsis", &["sepsis"]),
        ("lessons:lasix", &[]),
        ("summary:lasix", &["furosemide"]),
        (
            "service:medicine",
            &[
                "furosemide",
                "coumadin",
                "fall",
                "sepsis",
                "checklist",
                "pump",
                "kinked",
            ],
        ),
        // Synonyms inside NOT, parentheses and OR; case does not matter.
        ("alarm NOT rrt", &["pump", "kinked"]),
        ("alarm NOT \"rapid response team\"", &["pump", "kinked"]),
        ("(lasix) OR (warfarin)", &["furosemide", "coumadin"]),
        ("RRT", &["fall", "sepsis"]),
        ("Rapid Response Team", &["fall", "sepsis"]),
        ("rapid response", &["fall", "sepsis"]),
        // A field applied to a group; a synonym inside it stays in the field.
        ("lessons:(alarms OR handoff)", &["fall", "pump", "kinked"]),
        ("lessons:(lasix OR handoff)", &["kinked"]),
        ("summary:(\"pump alarm\" OR fracture)", &["pump", "fall"]),
        // A phrase within a field.
        ("lessons:\"charge nurse\"", &["kinked"]),
        ("summary:\"charge nurse\"", &[]),
        // Accents are folded.
        ("naive", &["kinked"]),
        ("cafe", &["kinked"]),
        // Stemming: singular finds plural.
        ("pocket", &["coumadin"]),
        ("nonexistentword", &[]),
    ];
    for (q, keys) in checks {
        assert_eq!(
            query_ids(&app, &corpus, q),
            corpus.ids(keys),
            "q={q} did not return exactly {keys:?}"
        );
    }
    // The synonym's hit is highlighted where the case says it.
    let results = search(&app, &corpus, "q=lasix");
    let summary = results["hits"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("<mark>furosemide</mark>"),
        "the synonym is not highlighted: {summary}"
    );
}

/// The tags a snippet may contain are `<mark>` and `</mark>` only.
fn assert_only_marks(html: &str, context: &str) {
    let stripped = html.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !stripped.contains('<') && !stripped.contains('>'),
        "{context}: a tag other than <mark> in {html}"
    );
    assert!(!html.contains("<script"), "{context}: {html}");
    // Every `&` starts an entity.
    for (i, _) in stripped.match_indices('&') {
        let rest = &stripped[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x27;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "{context}: a bare & in {html}"
        );
    }
}

fn snippets_escape_case_text(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let corpus = corpus(&app);
    let id = corpus.id("checklist");
    for q in ["checklist", "catheter", "audit", "lessons:daily", "weekly"] {
        let results = search(&app, &corpus, &format!("q={}", enc(q)));
        assert_eq!(hit_ids(&results), corpus.ids(&["checklist"]), "q={q}");
        let hit = &results["hits"][0];
        assert_eq!(hit["id"], id);
        let summary = hit["summary"].as_str().unwrap();
        assert_only_marks(summary, &format!("q={q} summary"));
        let mut all = summary.to_owned();
        for h in hit["highlights"].as_array().unwrap() {
            let html = h["html"].as_str().unwrap();
            assert_only_marks(html, &format!("q={q} highlight {}", h["field"]));
            all.push_str(html);
        }
        assert!(
            all.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "q={q}: the script tag is not shown escaped: {hit}"
        );
        assert!(all.contains("&amp;"), "q={q}: & not escaped: {hit}");
        assert!(all.contains("&lt;b&gt;"), "q={q}: <b> not escaped: {hit}");
        assert!(all.contains("<mark>"), "q={q}: no match marked: {hit}");
    }
    // Marks land on the right characters after multi-byte text.
    for (q, want) in [
        ("naive", "<mark>naïve</mark>"),
        ("routine", "<mark>routine</mark>"),
        ("fatigue", "<mark>fatigue</mark>"),
    ] {
        let results = search(&app, &corpus, &format!("q={q}"));
        assert_eq!(hit_ids(&results), corpus.ids(&["kinked"]), "q={q}");
        let findings = results["hits"][0]["highlights"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["field"] == "findings")
            .unwrap_or_else(|| panic!("q={q}: no findings highlight: {results}"))["html"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(findings.contains(want), "q={q}: {findings}");
        assert!(findings.contains("café-style"), "q={q}: {findings}");
        assert_only_marks(&findings, q);
    }
    // The summary of a hit found only by another field is escaped too.
    let results = search(&app, &corpus, "q=lessons:daily");
    let hit = &results["hits"][0];
    let summary = hit["summary"].as_str().unwrap();
    assert!(
        summary.contains("&lt;script&gt;") && summary.contains("&amp;"),
        "{hit}"
    );
    let lessons = hit["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["field"] == "lessons")
        .unwrap_or_else(|| panic!("no lessons highlight: {hit}"));
    assert!(
        lessons["html"]
            .as_str()
            .unwrap()
            .contains("<mark>Daily</mark>"),
        "{lessons}"
    );
    // A query that is itself HTML is either refused or matches words, escaped.
    for q in ["<script>", "script alert"] {
        let (status, results) = app.call(
            "GET",
            &format!("/search?q={}", enc(q)),
            Some("member"),
            None,
        );
        if status == 400 {
            assert_eq!(results["error"], "bad_query");
            continue;
        }
        assert_eq!(status, 200, "q={q}: {results}");
        for hit in results["hits"].as_array().unwrap() {
            assert_only_marks(hit["summary"].as_str().unwrap(), q);
            for h in hit["highlights"].as_array().unwrap() {
                assert_only_marks(h["html"].as_str().unwrap(), q);
            }
        }
    }
}

fn unpublished_cases_never_surface_in_search_or_similar(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let corpus = corpus(&app);

    // Every word of the bait text, and the listing of everything.
    let all = search(&app, &corpus, "limit=100");
    assert_eq!(hit_ids(&all), corpus.all_published());
    for word in BAIT
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 3)
    {
        let ids = query_ids(&app, &corpus, word);
        assert!(ids.is_subset(&corpus.all_published()), "q={word}: {ids:?}");
    }
    for who in ["curator", "faculty"] {
        let (status, results) = app.call(
            "GET",
            "/search?q=heparin%20OR%20furosemide&limit=100",
            Some(who),
            None,
        );
        assert_eq!(status, 200, "{who}: {results}");
        assert_eq!(hit_ids(&results), corpus.ids(&["furosemide"]), "{who}");
    }

    // Similar cases: other published cases only, never the case itself.
    for (key, id) in &corpus.published {
        let (status, body) = app.call(
            "GET",
            &format!("/cases/{id}/similar?limit=50"),
            Some("member"),
            None,
        );
        assert_eq!(status, 200, "similar of {key}: {body}");
        let ids = hit_ids(&body);
        assert!(
            !ids.contains(id),
            "similar of {key} contains itself: {body}"
        );
        assert!(
            ids.is_subset(&corpus.all_published()),
            "similar of {key} shows an unpublished case: {body}"
        );
    }
    // Cases that share category and much text are found as similar.
    let (_, body) = app.call(
        "GET",
        &format!("/cases/{}/similar", corpus.id("pump")),
        Some("faculty"),
        None,
    );
    assert!(
        hit_ids(&body).contains(corpus.id("kinked")),
        "the other device alarm case is not similar: {body}"
    );
    let (_, body) = app.call(
        "GET",
        &format!("/cases/{}/similar", corpus.id("furosemide")),
        Some("curator"),
        None,
    );
    assert!(
        hit_ids(&body).contains(corpus.id("coumadin")),
        "the other medication case is not similar: {body}"
    );
    // Similar of a case that is not published is 404, for every role that searches.
    for hidden in corpus.hidden() {
        for who in ["member", "faculty", "curator"] {
            let (status, body) =
                app.call("GET", &format!("/cases/{hidden}/similar"), Some(who), None);
            assert_eq!(
                status, 404,
                "similar of unpublished {hidden} as {who}: {body}"
            );
            assert_eq!(body["error"], "not_found", "{body}");
        }
    }
}

fn pages_are_disjoint_and_cover_the_total(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let corpus = corpus(&app);
    for (params, expected) in [
        (String::new(), corpus.all_published()),
        (
            format!("q={}&", enc("alarm OR sepsis OR furosemide OR coumadin")),
            corpus.ids(&["fall", "pump", "kinked", "sepsis", "furosemide", "coumadin"]),
        ),
    ] {
        for limit in [1usize, 2, 3] {
            let mut seen: Vec<String> = Vec::new();
            let mut offset = 0;
            loop {
                let page = search(
                    &app,
                    &corpus,
                    &format!("{params}limit={limit}&offset={offset}"),
                );
                assert_eq!(page["total"], expected.len(), "{params} {limit} {offset}");
                assert_eq!(page["limit"], limit);
                assert_eq!(page["offset"], offset);
                let hits = page["hits"].as_array().unwrap();
                assert!(hits.len() <= limit);
                if offset >= expected.len() {
                    assert!(hits.is_empty(), "a page past the end: {page}");
                    break;
                }
                assert_eq!(
                    hits.len(),
                    limit.min(expected.len() - offset),
                    "page at {offset}: {page}"
                );
                seen.extend(hits.iter().map(|h| h["id"].as_str().unwrap().to_owned()));
                offset += limit;
            }
            let unique: BTreeSet<String> = seen.iter().cloned().collect();
            assert_eq!(unique.len(), seen.len(), "pages overlap: {seen:?}");
            assert_eq!(unique, expected, "pages do not cover the results");
        }
    }
    // Scores never increase from one page to the next.
    let q = enc("alarm OR sepsis OR furosemide");
    let mut last = f64::INFINITY;
    for offset in 0..5 {
        let page = search(&app, &corpus, &format!("q={q}&limit=1&offset={offset}"));
        if let Some(hit) = page["hits"].as_array().unwrap().first() {
            let score = hit["score"].as_f64().unwrap();
            assert!(score <= last + 1e-6, "scores rise across pages");
            last = score;
        }
    }
}

fn search_needs_a_searching_role_and_bad_queries_are_400(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let corpus = corpus(&app);
    let id = corpus.id("furosemide");
    for path in [
        "/search?q=furosemide".to_owned(),
        format!("/cases/{id}/similar"),
    ] {
        let (status, body) = app.call("GET", &path, None, None);
        assert_eq!(status, 401, "{path} without a token: {body}");
        assert_eq!(body["error"], "unauthenticated");
        let (status, body) =
            crate::helpers::call(app.base(), "GET", &path, Some("st_not_a_real_token"), None);
        assert_eq!(status, 401, "{path} with a bad token: {body}");
        for who in ["contributor", "contributor_b"] {
            let (status, body) = app.call("GET", &path, Some(who), None);
            assert_eq!(status, 403, "{path} as {who}: {body}");
            assert_eq!(body["error"], "forbidden");
            assert!(!body.to_string().contains("furosemide"), "{body}");
        }
    }

    for params in [
        "q=(heparin",
        "q=heparin)",
        "q=%22unclosed",
        "q=summary:",
        "q=colour:red",
        "q=AND",
        "q=NOT",
        "q=heparin%20AND",
        "q=%5B",
        "q=lessons:(",
        "q=*",
        "q=heparin~",
        "q=%22%22",
        "harm=catastrophic",
        "category=Medication",
        "year=24",
        "age_band=90",
        "limit=0",
        "limit=101",
        "limit=-1",
        "offset=-1",
        "offset=x",
        "offset=10001",
        "colour=red",
        "q=a&q=b",
        "sort=score",
    ] {
        let (status, body) = app.call("GET", &format!("/search?{params}"), Some("member"), None);
        assert!(
            status != 500 && body["error"] != "internal",
            "/search?{params} failed inside: {status} {body}"
        );
        if status == 200 {
            // A match-all, a fuzzy term and an empty phrase are valid searches.
            assert!(
                ["q=*", "q=heparin~", "q=%22%22"].contains(&params),
                "/search?{params} was accepted: {body}"
            );
            assert!(body["hits"].is_array(), "{params}: {body}");
            continue;
        }
        assert_eq!(status, 400, "/search?{params}: {body}");
        assert_eq!(body["error"], "bad_query", "/search?{params}: {body}");
        let message = body["message"].as_str().unwrap_or("");
        assert!(!message.is_empty(), "/search?{params}: no message: {body}");
    }
    // Odd but answerable input: never a failure inside.
    let long = "heparin ".repeat(130);
    for q in [
        "the",
        "-heparin",
        "NOT heparin",
        "summary:the",
        "[RN-A]",
        "rca\u{b2}",
        "l&d",
        "lessons:rrt",
        "lessons:\"rapid response team\"",
        "a AND (b OR (c AND (d",
        "heparin\u{0}",
        "\u{1F600} heparin",
        "heparin^2",
        "summary:heparin^3 OR lessons:pump",
        "\\",
        "'",
        ":",
        "+",
        "-",
        "\"\"\"",
        "heparin:",
        "findings:[a TO z]",
        "year:2024",
        "id:abc",
        long.as_str(),
    ] {
        let (status, body) = app.call(
            "GET",
            &format!("/search?q={}", enc(q)),
            Some("member"),
            None,
        );
        match status {
            200 => assert!(body["hits"].is_array(), "q={q:?}: {body}"),
            400 => assert_eq!(body["error"], "bad_query", "q={q:?}: {body}"),
            _ => panic!("q={q:?}: {status} {body}"),
        }
    }
    // The ones the brief names are refused, not guessed at.
    for params in [
        "q=(heparin",
        "q=%22unclosed",
        "q=summary:",
        "harm=catastrophic",
        "limit=0",
        "colour=red",
    ] {
        let (status, body) = app.call("GET", &format!("/search?{params}"), Some("member"), None);
        assert_eq!(status, 400, "/search?{params}: {body}");
    }
    // Similar: a limit out of range and an id that is not one.
    for path in [
        format!("/cases/{id}/similar?limit=0"),
        format!("/cases/{id}/similar?limit=51"),
        format!("/cases/{id}/similar?limit=many"),
    ] {
        let (status, body) = app.call("GET", &path, Some("member"), None);
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"], "bad_query");
    }
    let (status, _) = app.call("GET", "/cases/not-an-id/similar", Some("member"), None);
    assert_eq!(status, 404);
}

/// Natural phrasing: words that find nothing together are dropped from the end, and the
/// response says so; a typo finds the word; `category:` typed in the box is the filter;
/// an error quotes the query as typed, never its synonyms.
fn natural_phrasing_typos_and_facet_terms(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let corpus = corpus(&app);

    // No case has both words (the fall case speaks of a fracture): "injury" is dropped.
    let results = search(&app, &corpus, &format!("q={}", enc("fall with injury")));
    assert_eq!(hit_ids(&results), corpus.ids(&["fall"]), "{results}");
    assert_eq!(
        results["relaxed"],
        json!({"matched_terms": ["fall"], "dropped_terms": ["injury"]}),
        "{results}"
    );
    // Found as typed: nothing is said about relaxing.
    let results = search(&app, &corpus, "q=alarm");
    assert!(results.get("relaxed").is_none(), "{results}");

    // A typo in a longer word finds it; a short word must be exact.
    assert_eq!(
        query_ids(&app, &corpus, "coumadn"),
        corpus.ids(&["coumadin"])
    );
    assert_eq!(
        query_ids(&app, &corpus, "cabinett"),
        corpus.ids(&["coumadin"])
    );
    assert_eq!(query_ids(&app, &corpus, "pum"), corpus.ids(&[]));

    // `category:` in the query box narrows exactly like the filter.
    for (typed, params, keys) in [
        (
            "category:device alarm",
            "q=alarm&category=device",
            &["pump", "kinked"][..],
        ),
        (
            "alarm category:fall",
            "q=alarm&category=fall",
            &["fall"][..],
        ),
        ("category:fall", "category=fall", &["fall"][..]),
        (
            "harm:mild category:device",
            "harm=mild&category=device",
            &["kinked"][..],
        ),
        ("harm:Severe OR", "", &[][..]),
    ] {
        if params.is_empty() {
            let (status, body) = app.call(
                "GET",
                &format!("/search?q={}", enc(typed)),
                Some("member"),
                None,
            );
            assert_eq!(status, 400, "{typed}: {body}");
            continue;
        }
        let by_query = search(&app, &corpus, &format!("q={}&limit=100", enc(typed)));
        let by_filter = search(&app, &corpus, &format!("{params}&limit=100"));
        assert_eq!(hit_ids(&by_query), corpus.ids(keys), "{typed}: {by_query}");
        assert_eq!(hit_ids(&by_query), hit_ids(&by_filter), "{typed}");
        assert_eq!(by_query["facets"], by_filter["facets"], "{typed}");
    }

    // Errors about the query quote what was typed, never the synonym expansion.
    for (typed, expansion) in [
        ("(lasix", "furosemide"),
        ("lasix AND", "furosemide"),
        ("\"rrt", "rapid response"),
        ("rrt OR", "rapid response"),
        ("coumadin)", "warfarin"),
        ("category:falls", "furosemide"),
        ("-category:fall", "furosemide"),
    ] {
        let (status, body) = app.call(
            "GET",
            &format!("/search?q={}", enc(typed)),
            Some("member"),
            None,
        );
        assert_eq!(status, 400, "{typed}: {body}");
        assert_eq!(body["error"], "bad_query", "{typed}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(!message.contains(expansion), "{typed}: {message}");
        assert!(
            message.contains(typed) || typed.contains("category"),
            "{typed}: the message does not quote the query: {message}"
        );
    }
}

fn every_search_is_audited(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let corpus = corpus(&app);
    let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
    let searches = |store: &safetable::store::Store| {
        let (entries, (seq, hash)) = store.audit_log().unwrap();
        safetable::audit::verify(&entries, Some((seq, &hash))).expect("audit chain intact");
        entries
            .into_iter()
            .filter(|e| e.action == "search" || e.action == "similar")
            .collect::<Vec<_>>()
    };
    let before = searches(&store);

    search(&app, &corpus, "q=furosemide&harm=moderate");
    search(&app, &corpus, "q=nonexistentword");
    let (status, _) = app.call(
        "GET",
        &format!("/cases/{}/similar", corpus.id("pump")),
        Some("faculty"),
        None,
    );
    assert_eq!(status, 200);
    // Refused requests do not count as searches.
    assert_eq!(
        app.call("GET", "/search?q=x", Some("contributor"), None).0,
        403
    );

    let after = searches(&store);
    let new: Vec<_> = after.iter().skip(before.len()).collect();
    assert_eq!(new.len(), 3, "{new:#?}");
    assert_eq!(new[0].action, "search");
    assert!(new[0].actor.starts_with("user:"), "{:?}", new[0]);
    // The typed filters in clear, the query as a keyed digest only (it may hold a name).
    let key = safetable::seal::PseudonymKey::load(&app.settings.pseudonym_key_file()).unwrap();
    assert!(
        new[0]
            .detail
            .contains(key.query_digest("furosemide").as_str())
            && new[0].detail.contains("moderate"),
        "the search entry does not record the query: {}",
        new[0].detail
    );
    assert!(!new[0].detail.contains("furosemide"), "{}", new[0].detail);
    assert!(
        new[0].detail.contains("\"total\":1"),
        "the search entry does not record the count: {}",
        new[0].detail
    );
    // Never which cases were found.
    assert!(!new[0].detail.contains(corpus.id("furosemide")));
    assert_eq!(new[1].action, "search");
    assert!(new[1].detail.contains("\"total\":0"), "{}", new[1].detail);
    assert_eq!(new[2].action, "similar");
    assert_eq!(new[2].subject.as_deref(), Some(corpus.id("pump")));
    assert_ne!(
        new[0].actor, new[2].actor,
        "member and faculty are different actors"
    );

    // The command line agrees that the chain is intact.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_safetable"));
    cmd.arg("--data-dir")
        .arg(app.dir.path())
        .args(["audit", "verify"])
        .current_dir(app.dir.path())
        .env_remove("SAFETABLE_DATABASE_URL")
        .stdin(std::process::Stdio::null());
    if db == Db::Postgres {
        cmd.env("SAFETABLE_DATABASE_URL", &app.settings.database_url);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "audit verify: {stdout}");
    let entries = store.audit_log().unwrap().0.len();
    assert!(stdout.contains(&format!("{entries} entries")), "{stdout}");
}

backend_tests!(
    facets_and_filters_select_exactly_the_matching_cases,
    query_language_synonyms_phrases_not_and_fields,
    snippets_escape_case_text,
    unpublished_cases_never_surface_in_search_or_similar,
    pages_are_disjoint_and_cover_the_total,
    search_needs_a_searching_role_and_bad_queries_are_400,
    natural_phrasing_typos_and_facet_terms,
    every_search_is_audited,
);
