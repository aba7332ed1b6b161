//! Exact values on a fixture computed by hand, who sees what, and the suppression
//! property on random data.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use super::release::AnswerGrid;
use super::suppress::Grid;
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

/// What a member (no `own`) or a contributor sees: the answer read from the release of
/// every case, as the service gives it.
fn seen(
    facts: &[CaseFacts],
    query: &MeasuresQuery,
    own: Option<i64>,
) -> (MeasuresReport, AnswerGrid, Release) {
    let release = Release::collaborative(facts);
    let (report, grid) = seen_in(&release, facts, query, own);
    (report, grid, release)
}

/// [`seen`] with the release already built.
fn seen_in(
    release: &Release,
    facts: &[CaseFacts],
    query: &MeasuresQuery,
    own: Option<i64>,
) -> (MeasuresReport, AnswerGrid) {
    let selected: Vec<CaseFacts> = facts
        .iter()
        .filter(|f| query.filter().admits(f))
        .cloned()
        .collect();
    let slice = Slice::of(query).expect("one slice");
    let own_release = own.map(|o| {
        let org = OrgId::new(o);
        (org, Release::own(facts, org, slice, release))
    });
    answer(
        release,
        own_release.as_ref().map(|(o, r)| (*o, r)),
        &selected,
        query,
    )
    .expect("an answerable query")
}

/// The fixture and an organization 3 of 11 bare cases (no contact, no apology).
fn three_orgs() -> Vec<CaseFacts> {
    let mut facts = fixture();
    facts.extend((0..11).map(|_| blank(3)));
    facts
}

#[test]
fn a_member_sees_the_collaborative_only_with_small_cells_hidden() {
    let (report, _, release) = seen(&three_orgs(), &MeasuresQuery::default(), None);
    assert_eq!(report.populations, ["Collaborative"]);
    assert_eq!(report.view, "collaborative");
    assert!(report.table("distribution").is_none());
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("Org One") && !json.contains("Org Two"));
    let s = shown(&report, "summary");
    assert_eq!(value(&s, "Cases"), ["33"]);
    // 18 with a contact, of which organization 1 has 10: its 10 leave organization 2's
    // 8, so the count is hidden, and the share with it.
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
    assert!(release.grid.determined().is_empty());
}

#[test]
fn a_count_one_organization_could_subtract_its_own_cases_from_is_hidden() {
    // 22 cases: organization 1's 12 leave organization 2's 10. Organization 1 knows its
    // 12, so the 22 would tell it the 10: hidden from everyone, members included.
    let (report, _, _) = seen(&fixture(), &MeasuresQuery::default(), None);
    assert_eq!(value(&shown(&report, "summary"), "Cases"), ["<11"]);
    let (report, _, _) = seen(&fixture(), &MeasuresQuery::default(), Some(1));
    assert_eq!(
        value(&shown(&report, "summary"), "Cases"),
        ["12", "<11"],
        "its own count it may see, never the collaborative's"
    );
}

#[test]
fn a_contributor_sees_its_own_beside_the_collaborative_and_nothing_of_the_rest() {
    // Organization 2 has 10 cases: its own count is hidden, the collaborative's shown.
    let (report, _, _) = seen(&three_orgs(), &MeasuresQuery::default(), Some(2));
    assert_eq!(report.populations, ["Your organization", "Collaborative"]);
    assert_eq!(report.view, "own_and_collaborative");
    let s = shown(&report, "summary");
    assert_eq!(value(&s, "Cases"), ["<11", "33"]);
    assert_eq!(
        value(&s, "Median days from event to first contact"),
        ["<11", "6"]
    );
    let (report, _, _) = seen(&three_orgs(), &MeasuresQuery::default(), Some(1));
    let s = shown(&report, "summary");
    assert_eq!(value(&s, "Cases"), ["12", "33"]);
    assert!(report.table("distribution").is_none());
}

#[test]
fn two_periods_never_differ_by_a_hidden_quarter() {
    // Five organizations, so that no one of them can subtract: quarters of 20, 20 and 4
    // cases. Q3 is hidden, and so must be something that would give it away.
    let mut facts = Vec::new();
    for (month, n) in [(2, 20), (5, 20), (8, 4)] {
        for i in 0..n {
            let mut f = blank(1 + i % 5);
            f.received_at = at(2025, month);
            facts.push(f);
        }
    }
    let q = |from: &str, to: &str| MeasuresQuery {
        from: Quarter::parse(from),
        to: Quarter::parse(to),
        ..MeasuresQuery::default()
    };
    let cases = |query: &MeasuresQuery| {
        let (report, _, _) = seen(&facts, query, None);
        value(&shown(&report, "summary"), "Cases")[0]
            .parse::<u64>()
            .ok()
    };
    let answers = [
        cases(&MeasuresQuery::default()),
        cases(&q("2025-Q1", "2025-Q1")),
        cases(&q("2025-Q1", "2025-Q2")),
        cases(&q("2025-Q2", "2025-Q2")),
        cases(&q("2025-Q2", "2025-Q3")),
        cases(&q("2025-Q3", "2025-Q3")),
    ];
    let shown: Vec<u64> = answers.iter().flatten().copied().collect();
    assert!(!shown.contains(&4), "{answers:?}");
    for a in &shown {
        for b in &shown {
            assert!(
                a.abs_diff(*b) != 4,
                "{a} - {b} tells the hidden quarter: {answers:?}"
            );
        }
    }
    // What the release holds, it also protects: the whole is shown, so a quarter is not.
    assert_eq!(answers[0], Some(44));
    assert!(answers[1].is_none() || answers[3].is_none(), "{answers:?}");
}

#[test]
fn a_query_the_release_cannot_answer_is_refused_with_a_reason() {
    let release = Release::collaborative(&fixture());
    let two = MeasuresQuery {
        category: Some(Category::Fall),
        harm: Some(Harm::Severe),
        ..MeasuresQuery::default()
    };
    let e = answer(&release, None, &[], &two).unwrap_err();
    assert!(e.0.contains("one of category, harm and setting"), "{e}");
    let both = MeasuresQuery {
        from: Quarter::parse("2025-Q2"),
        year_from: Some(2025),
        ..MeasuresQuery::default()
    };
    let e = answer(&release, None, &[], &both).unwrap_err();
    assert!(e.0.contains("not both"), "{e}");
    // A curator may combine them.
    let report = build(&fixture(), &two, &curator());
    assert!(!report.suppressed);
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

/// An echelon basis of the vectors a reader knows, over the cases (each case one
/// coordinate): what is shown is known, and so is every linear combination of it.
#[derive(Default)]
struct Known {
    rows: Vec<(usize, Vec<f64>)>,
}

impl Known {
    /// `v` less its parts along the basis.
    fn reduce(&self, mut v: Vec<f64>) -> Vec<f64> {
        for (p, row) in &self.rows {
            let f = v[*p];
            if f.abs() > 1e-9 {
                for (x, y) in v.iter_mut().zip(row) {
                    *x -= f * y;
                }
            }
        }
        v
    }

    fn learn(&mut self, v: Vec<f64>) {
        let v = self.reduce(v);
        if let Some(p) = v.iter().position(|x| x.abs() > 1e-9) {
            let f = v[p];
            let row: Vec<f64> = v.iter().map(|x| x / f).collect();
            for (_, r) in &mut self.rows {
                let g = r[p];
                if g.abs() > 1e-9 {
                    for (x, y) in r.iter_mut().zip(&row) {
                        *x -= g * y;
                    }
                }
            }
            self.rows.push((p, row));
        }
    }

    fn derives(&self, v: &[f64]) -> bool {
        self.reduce(v.to_vec()).iter().all(|x| x.abs() <= 1e-6)
    }
}

fn arb_facts() -> impl Strategy<Value = Vec<CaseFacts>> {
    let one = (
        1i64..=3,
        0u32..6,
        2023i32..=2025,
        (0usize..3, 0usize..3, 0usize..2),
        prop::option::of(0i64..40),
        any::<(bool, bool, bool, bool)>(),
        (0u32..3, 0u32..2, 0usize..3),
    )
        .prop_map(
            |(
                org,
                month,
                year,
                (cat, harm, setting),
                contact,
                (apology, support, closed, not_met),
                (s, w, method),
            )| {
                let mut f = blank(org);
                f.received_at = at(2025, 1 + month * 2);
                f.event_year = year;
                f.category = Category::ALL[cat];
                f.harm = Harm::ALL[harm];
                f.setting = Setting::ALL[setting];
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
    prop::collection::vec(one, 0..70)
}

/// Every query of the lattice the test asks: each slice the data can hold, over the
/// whole period, every run of quarters and every run of years.
fn lattice(release: &Release) -> Vec<MeasuresQuery> {
    let mut slices = vec![MeasuresQuery::default()];
    for c in &Category::ALL[..3] {
        slices.push(MeasuresQuery {
            category: Some(*c),
            ..MeasuresQuery::default()
        });
    }
    for h in &Harm::ALL[..3] {
        slices.push(MeasuresQuery {
            harm: Some(*h),
            ..MeasuresQuery::default()
        });
    }
    for s in &Setting::ALL[..2] {
        slices.push(MeasuresQuery {
            setting: Some(*s),
            ..MeasuresQuery::default()
        });
    }
    let mut out = Vec::new();
    for base in slices {
        out.push(base.clone());
        let qs = &release.quarters;
        for i in 0..qs.len() {
            for j in i..qs.len() {
                out.push(MeasuresQuery {
                    from: Some(qs[i]),
                    to: Some(qs[j]),
                    ..base.clone()
                });
            }
        }
        let ys = &release.years;
        for i in 0..ys.len() {
            for j in i..ys.len() {
                out.push(MeasuresQuery {
                    year_from: Some(ys[i]),
                    year_to: Some(ys[j]),
                    ..base.clone()
                });
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// No suppressed value can be worked out from everything shown across every answer
    /// of a lattice of queries (each slice, every run of quarters and of years), by a
    /// member or, when `own` is drawn, by an organization that also knows each of its own
    /// cases and sees its contributor's answers. Checked over the cases themselves: each
    /// shown count is the vector of what each case adds to it, and no count resting on 1
    /// to 10 cases the reader does not know may lie in the span of the shown ones. Every
    /// count shown rests on no case or on at least 11.
    #[test]
    fn no_suppressed_value_is_derivable_from_every_answer_together(
        facts in arb_facts(),
        own in prop::option::of(1i64..=3),
    ) {
        let release = Release::collaborative(&facts);
        prop_assert!(release.grid.determined().is_empty());
        // What each case adds to each release cell.
        let n = facts.len();
        let mut vectors = vec![vec![0.0; n]; release.grid.cells().len()];
        for (j, f) in facts.iter().enumerate() {
            let one = Release::build_over(
                std::slice::from_ref(f),
                &Slice::every(),
                false,
                release.quarters.clone(),
                release.years.clone(),
                false,
            );
            for (k, c) in one.grid.cells().iter().enumerate() {
                vectors[k][j] = c.value as f64;
            }
        }
        for (k, c) in release.grid.cells().iter().enumerate() {
            prop_assert_eq!(vectors[k].iter().sum::<f64>(), c.value as f64);
        }
        // The cases the reader knows are no unknowns: drop their coordinates.
        let unknown: Vec<usize> = (0..n)
            .filter(|&j| own.map_or(true, |o| facts[j].org != OrgId::new(o)))
            .collect();
        let restrict = |v: &[f64]| unknown.iter().map(|&j| v[j]).collect::<Vec<f64>>();
        let mut known = Known::default();
        let audiences: Vec<Option<i64>> = std::iter::once(None).chain(own.map(Some)).collect();
        for who in audiences {
            for query in lattice(&release) {
                let (_, grid) = seen_in(&release, &facts, &query, who);
                for (k, cell) in grid.grid.cells().iter().enumerate() {
                    prop_assert!(
                        cell.hidden || !Grid::is_small(cell),
                        "a small count is shown: {cell:?} for {query:?}"
                    );
                    let sources = &grid.sources[k];
                    if cell.hidden || sources.iter().any(|s| s.own) {
                        continue; // an own count adds nothing the reader did not know
                    }
                    let mut v = vec![0.0; n];
                    let mut value = 0;
                    for s in sources {
                        value += release.grid.get(s.cell).value;
                        for (x, y) in v.iter_mut().zip(&vectors[s.cell.index()]) {
                            *x += y;
                        }
                    }
                    prop_assert_eq!(value, cell.value, "an answer's count is its sources' sum");
                    known.learn(restrict(&v));
                }
            }
        }
        for (k, v) in vectors.iter().enumerate() {
            let r = restrict(v);
            let resting = r.iter().filter(|x| **x != 0.0).count() as u64;
            if resting > 0 && resting < MIN_CELL {
                prop_assert!(
                    !known.derives(&r),
                    "release cell {k} rests on {resting} unknown cases and can be worked out"
                );
            }
        }
        // The independent rank check agrees with the basis on what is known.
        prop_assert_eq!(
            rank(known.rows.iter().map(|(_, r)| r.clone()).collect()),
            known.rows.len()
        );
    }
}

/// The check can fail: two shown periods whose difference is a small quarter are caught.
#[test]
fn the_check_catches_a_difference_of_two_answers() {
    // Cases 0..=24 in Q1 and Q2, 25..=28 in Q3: Q1–Q3 minus Q1–Q2 is Q3's 4 cases.
    let n = 29;
    let upto = |m: usize| {
        (0..n)
            .map(|j| if j < m { 1.0 } else { 0.0 })
            .collect::<Vec<_>>()
    };
    let mut known = Known::default();
    known.learn(upto(29));
    known.learn(upto(25));
    let q3: Vec<f64> = (0..n).map(|j| if j >= 25 { 1.0 } else { 0.0 }).collect();
    assert!(known.derives(&q3));
    let mut half = Known::default();
    half.learn(upto(29));
    assert!(!half.derives(&q3));
}
