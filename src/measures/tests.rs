//! Exact values on a fixture computed by hand, who sees what, and the suppression
//! property on random data.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use super::report::build_with_grid;
use super::suppress::{Cell, Grid, Relation};
use super::*;
use crate::case::{
    Apology, Category, Compensation, Harm, OrgId, ReviewMethod, Setting, StandardOfCare,
};

fn at(y: i32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, 15)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

fn blank(org: i64) -> CaseFacts {
    CaseFacts {
        org: OrgId::new(org),
        received_at: at(2025, 2),
        event_year: 2024,
        category: Category::Fall,
        harm: Harm::Moderate,
        setting: Setting::Inpatient,
        first_contact_day: None,
        apology: None,
        clinician_support: None,
        loop_closed: None,
        loop_closed_day: None,
        standard_of_care: None,
        compensation: None,
        review_method: None,
        closed_day: 0,
        actions: ActionCounts::default(),
    }
}

/// Organization 1: 12 cases; organization 2: 10 cases. The expected values in the tests
/// below are worked out by hand from these lines.
fn fixture() -> Vec<CaseFacts> {
    let mut out = Vec::new();
    for i in 0..12i64 {
        let mut f = blank(1);
        f.first_contact_day = (i < 10).then_some(i + 1); // 1..=10, two without
        f.apology = match i {
            0..=5 => Some(Apology::Empathy),
            6 => Some(Apology::Responsibility),
            _ => Some(Apology::None),
        };
        f.clinician_support = Some(i % 2 == 0); // 6
        f.loop_closed = Some(i < 9); // 9
        f.loop_closed_day = (i < 9).then_some(20 + i); // 20..=28
        f.standard_of_care = Some(if i < 4 {
            StandardOfCare::No
        } else {
            StandardOfCare::Yes
        });
        f.compensation = (i < 3).then_some(Compensation::Payment);
        f.review_method = (i < 8).then_some(ReviewMethod::Rca2);
        f.closed_day = 30 + i; // 30..=41
        f.actions = if i < 5 {
            // one stronger (implemented), one weaker (planned)
            ActionCounts {
                by_strength: [1, 0, 1],
                by_status: [1, 0, 1, 0],
            }
        } else {
            // one intermediate (verified)
            ActionCounts {
                by_strength: [0, 1, 0],
                by_status: [0, 0, 0, 1],
            }
        };
        f.category = if i < 6 {
            Category::Fall
        } else {
            Category::Medication
        };
        f.received_at = if i < 6 { at(2025, 2) } else { at(2025, 5) };
        out.push(f);
    }
    for j in 0..10i64 {
        let mut f = blank(2);
        f.first_contact_day = (j < 8).then_some(2 * j); // 0, 2, …, 14
        f.clinician_support = Some(false);
        f.loop_closed = Some(j < 5);
        f.loop_closed_day = (j < 5).then_some(40);
        f.standard_of_care = Some(if j < 2 {
            StandardOfCare::No
        } else {
            StandardOfCare::Undetermined
        });
        f.compensation = Some(Compensation::None);
        f.review_method = Some(ReviewMethod::CaseReview);
        f.closed_day = 50;
        f.harm = Harm::Severe;
        f.event_year = 2025;
        f.received_at = at(2025, 6);
        out.push(f);
    }
    out
}

fn curator() -> Audience {
    Audience::Curator {
        own: None,
        names: BTreeMap::from([
            (OrgId::new(1), "Org One".to_owned()),
            (OrgId::new(2), "Org Two".to_owned()),
        ]),
    }
}

fn shown(report: &MeasuresReport, table: &str) -> Vec<(String, Vec<String>)> {
    report
        .table(table)
        .unwrap()
        .rows
        .iter()
        .map(|r| {
            (
                r.label.clone(),
                r.values.iter().map(Figure::display).collect(),
            )
        })
        .collect()
}

fn value<'a>(rows: &'a [(String, Vec<String>)], label: &str) -> &'a [String] {
    &rows
        .iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no row {label}"))
        .1
}

#[test]
fn exact_values_on_the_fixture_for_a_curator() {
    let report = build(&fixture(), &MeasuresQuery::default(), &curator());
    assert!(!report.suppressed);
    let s = shown(&report, "summary");
    let v = |label: &str| value(&s, label)[0].clone();
    assert_eq!(v("Cases"), "22");
    assert_eq!(v("Cases with an initial communication"), "18");
    assert_eq!(v("Share with an initial communication"), "81.8%");
    // 0,1,2,2,3,4,4,5,6,6,7,8,8,9,10,10,12,14: median (6+6)/2, rank ⌈16.2⌉ = 17 → 12.
    assert_eq!(v("Median days from event to first contact"), "6");
    assert_eq!(
        v("90th percentile of days from event to first contact"),
        "12"
    );
    assert_eq!(v("Share with an apology"), "31.8%"); // 7 / 22
    assert_eq!(v("Share with clinician support offered"), "27.3%"); // 6 / 22
    assert_eq!(v("Share with the loop closed with the family"), "63.6%"); // 14 / 22
                                                                          // 20..=28 and five 40s: (26 + 27) / 2.
    assert_eq!(v("Median days from event to loop closure"), "26.5");
    assert_eq!(v("Cases where the standard of care was not met"), "6");
    assert_eq!(v("Share of those offered compensation"), "50.0%"); // 3 / 6
    assert_eq!(
        v("Share of cases with at least one stronger action"),
        "22.7%"
    ); // 5 / 22
       // 30..=41 then ten 50s: the 11th and 12th are 40 and 41.
    assert_eq!(v("Median days from event to closure"), "40.5");

    let ch = shown(&report, "cases_by_category_harm");
    assert_eq!(value(&ch, "Fall")[2], "6"); // moderate
    assert_eq!(value(&ch, "Fall")[1], "10"); // severe
    assert_eq!(value(&ch, "Fall")[6], "16");
    assert_eq!(value(&ch, "Medication")[2], "6");
    assert_eq!(value(&ch, "Total")[6], "22");

    let m = shown(&report, "review_method");
    assert_eq!(value(&m, "RCA²"), ["8"]);
    assert_eq!(value(&m, "Case review"), ["10"]);
    assert_eq!(value(&m, "Not recorded"), ["4"]);

    let a = shown(&report, "actions_by_strength");
    assert_eq!(value(&a, "Stronger"), ["5", "29.4%"]);
    assert_eq!(value(&a, "Intermediate"), ["7", "41.2%"]);
    assert_eq!(value(&a, "Weaker"), ["5", "29.4%"]);
    assert_eq!(value(&a, "All actions"), ["17", "100.0%"]);
    let st = shown(&report, "action_status");
    assert_eq!(value(&st, "Planned"), ["5", "29.4%"]);
    assert_eq!(value(&st, "Implemented"), ["5", "29.4%"]);
    assert_eq!(value(&st, "Verified"), ["7", "41.2%"]);
    assert_eq!(value(&st, "In progress"), ["0", "0.0%"]);

    let q = shown(&report, "by_quarter");
    assert_eq!(value(&q, "2025-Q1")[0], "6");
    assert_eq!(value(&q, "2025-Q2")[0], "16");
    assert_eq!(value(&q, "2025-Q1")[1], "100.0%"); // A's first six all had contact
    let y = shown(&report, "by_event_year");
    assert_eq!(value(&y, "2024")[0], "12");
    assert_eq!(value(&y, "2025")[0], "10");

    let d = shown(&report, "distribution");
    assert_eq!(value(&d, "Org One")[0], "12");
    assert_eq!(value(&d, "Org Two")[0], "10");
    assert_eq!(value(&d, "Org Two")[1], "80.0%");
    assert!(super::report::measures_defined(&report));
}

#[test]
fn a_member_sees_the_collaborative_only_with_small_cells_hidden() {
    let (report, grid) = build_with_grid(
        &fixture(),
        &MeasuresQuery::default(),
        &Audience::Collaborative,
    );
    assert_eq!(report.populations, ["Collaborative"]);
    assert!(report.table("distribution").is_none());
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("Org One") && !json.contains("Org Two"));
    let s = shown(&report, "summary");
    assert_eq!(value(&s, "Cases"), ["22"]);
    // 18 with and 4 without: the 4 is small, so both are hidden, and the share.
    assert_eq!(value(&s, "Cases with an initial communication"), ["<11"]);
    assert_eq!(value(&s, "Share with an initial communication"), ["<11"]);
    // A median over 18 values may be shown; one over 6 (standard not met) not.
    assert_eq!(value(&s, "Median days from event to first contact"), ["6"]);
    assert_eq!(
        value(&s, "Cases where the standard of care was not met"),
        ["<11"]
    );
    let ch = shown(&report, "cases_by_category_harm");
    assert_eq!(value(&ch, "Fall")[1], "<11");
    assert_eq!(value(&ch, "Blood")[0], "0", "a zero rests on nobody");
    assert!(grid.determined().is_empty());
}

#[test]
fn a_contributor_sees_its_own_beside_the_collaborative_and_nothing_of_the_rest() {
    // Organization 2 has 10 cases: its own count is hidden, the collaborative's shown.
    let (report, grid) = build_with_grid(
        &fixture(),
        &MeasuresQuery::default(),
        &Audience::Contributor { own: OrgId::new(2) },
    );
    assert_eq!(report.populations, ["Your organization", "Collaborative"]);
    let s = shown(&report, "summary");
    assert_eq!(value(&s, "Cases"), ["<11", "22"]);
    assert_eq!(
        value(&s, "Median days from event to first contact"),
        ["<11", "6"]
    );
    assert!(grid.determined().is_empty());

    // Organization 1 has 12 cases, but the rest of the collaborative only 10: showing
    // both 12 and 22 would tell the 10, so its own count is hidden too.
    let report = build(
        &fixture(),
        &MeasuresQuery::default(),
        &Audience::Contributor { own: OrgId::new(1) },
    );
    let s = shown(&report, "summary");
    let cases = value(&s, "Cases");
    assert!(cases.contains(&"<11".to_owned()), "{cases:?}");
    assert!(report.table("distribution").is_none());
}

// ---------------------------------------------------------------------------------------
// The suppression property on random data.

/// Rank of a dense matrix (independent of the suppression module's own elimination).
fn rank(mut m: Vec<Vec<f64>>) -> usize {
    let cols = m.first().map_or(0, Vec::len);
    let mut r = 0;
    for c in 0..cols {
        let Some(p) = (r..m.len()).find(|&i| m[i][c].abs() > 1e-9) else {
            continue;
        };
        m.swap(r, p);
        for i in 0..m.len() {
            if i != r && m[i][c].abs() > 1e-9 {
                let f = m[i][c] / m[r][c];
                let pivot = m[r].clone();
                for (x, y) in m[i].iter_mut().zip(pivot) {
                    *x -= f * y;
                }
            }
        }
        r += 1;
        if r == m.len() {
            break;
        }
    }
    r
}

/// The hidden cells a reader could work out: `e_i` in the row space of the relations over
/// the hidden cells (adding it as a row does not raise the rank).
fn derivable(cells: &[Cell], relations: &[Relation]) -> Vec<usize> {
    let hidden: Vec<usize> = (0..cells.len()).filter(|&i| cells[i].hidden).collect();
    let col: BTreeMap<usize, usize> = hidden.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let rows: Vec<Vec<f64>> = relations
        .iter()
        .map(|r| {
            let mut v = vec![0.0; hidden.len()];
            for (k, m) in r.members().enumerate() {
                if let Some(&c) = col.get(&m.index()) {
                    v[c] += if k == 0 { 1.0 } else { -1.0 };
                }
            }
            v
        })
        .filter(|v| v.iter().any(|x| *x != 0.0))
        .collect();
    let base = rank(rows.clone());
    hidden
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let mut with = rows.clone();
            let mut e = vec![0.0; hidden.len()];
            e[*k] = 1.0;
            with.push(e);
            rank(with) == base
        })
        .map(|(_, &i)| i)
        .collect()
}

fn arb_facts() -> impl Strategy<Value = Vec<CaseFacts>> {
    let one = (
        1i64..=3,
        0u32..6,
        2023i32..=2025,
        0usize..3,
        0usize..3,
        prop::option::of(0i64..40),
        any::<(bool, bool, bool, bool)>(),
        (0u32..3, 0u32..2, 0usize..3),
    )
        .prop_map(
            |(
                org,
                month,
                year,
                cat,
                harm,
                contact,
                (apology, support, closed, not_met),
                (s, w, method),
            )| {
                let mut f = blank(org);
                f.received_at = at(2025, 1 + month * 2);
                f.event_year = year;
                f.category = Category::ALL[cat];
                f.harm = Harm::ALL[harm];
                f.first_contact_day = contact;
                f.apology = apology.then_some(Apology::Empathy);
                f.clinician_support = Some(support);
                f.loop_closed = Some(closed);
                f.loop_closed_day = closed.then_some(30);
                f.standard_of_care = Some(if not_met {
                    StandardOfCare::No
                } else {
                    StandardOfCare::Yes
                });
                f.compensation = (not_met && support).then_some(Compensation::Payment);
                f.review_method = ReviewMethod::ALL.get(method).copied();
                f.closed_day = 60;
                f.actions = ActionCounts {
                    by_strength: [s, 0, w],
                    by_status: [s, 0, w, 0],
                };
                f
            },
        );
    prop::collection::vec(one, 0..90)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// No suppressed value can be worked out from what is shown: every relation (a
    /// margin, the periods of a whole, own + rest = collaborative, with + without) has no
    /// hidden member or at least two, and no hidden cell is in the span of the relations
    /// over the hidden cells. Every count shown is 0 or at least 11, and where a
    /// contributor sees its own count beside the collaborative's, their difference is too.
    #[test]
    fn no_suppressed_value_is_derivable_from_what_is_shown(
        facts in arb_facts(),
        own in prop::option::of(1i64..=3),
    ) {
        let audience = match own {
            Some(o) => Audience::Contributor { own: OrgId::new(o) },
            None => Audience::Collaborative,
        };
        let (report, grid) = build_with_grid(&facts, &MeasuresQuery::default(), &audience);
        for r in grid.relations() {
            let hidden = r.members().filter(|m| grid.get(*m).hidden).count();
            prop_assert!(hidden != 1, "a relation with one hidden member: {r:?}");
        }
        prop_assert_eq!(derivable(grid.cells(), grid.relations()), Vec::<usize>::new());
        for c in grid.cells() {
            prop_assert!(c.hidden || !Grid::is_small(c), "a small cell is shown: {c:?}");
        }
        for t in &report.tables {
            if t.id == "actions_by_strength" || t.id == "action_status" {
                continue; // counts of actions, not of cases (their cases are in the grid)
            }
            for row in &t.rows {
                for v in &row.values {
                    if let Figure::Count { value } = v {
                        prop_assert!(*value == 0 || *value >= MIN_CELL, "{}: {value}", t.id);
                    }
                }
                if own.is_some() && (t.id == "summary" || t.id == "review_method") {
                    if let [Figure::Count { value: a }, Figure::Count { value: b }] = row.values[..] {
                        let rest = b - a;
                        prop_assert!(rest == 0 || rest >= MIN_CELL, "{}: {b} - {a}", row.label);
                    }
                }
            }
        }
    }
}
