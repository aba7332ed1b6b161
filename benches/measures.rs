//! The CRP measures at 100,000 cases: the whole server-side work of one `/measures`
//! page for a contributor (the facts from the store, which keeps them in memory while
//! their version does not change; the collaborative's release, kept while the facts do
//! not change; the organization's own release, the answer's tables and charts, the HTML),
//! the release built again after a change, and the facts read from the database after a
//! change.
//!
//! ```sh
//! cargo bench --bench measures            # 100,000 cases; SAFETABLE_BENCH_MEASURES_CASES=N for another size
//! ```
//!
//! The database is a fresh SQLite file whose `cases` and `case_facts` rows are generated
//! by one SQL statement each (varied categories, harms, settings, days, actions, eight
//! organizations over three years of contribution).

use std::time::{Duration, Instant};

use askama::Template;
use diesel::{Connection, RunQueryDsl};
use safetable::auth::{Principal, Roles};
use safetable::case::{OrgId, UserId};
use safetable::measures::{answer, CaseFacts, MeasuresQuery, Release, Slice};
use safetable::store::{FactsFilter, Store};
use safetable::web::ui::pages::measures::MeasuresPage;

fn p50(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: u64 = std::env::var("SAFETABLE_BENCH_MEASURES_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bench.db");
    let url = format!("sqlite://{}", path.display());
    let store = Store::open(&url).expect("open the store");
    let mut orgs = Vec::new();
    for k in 0..8 {
        orgs.push(
            store
                .create_org(&format!("Bench org {k}"), "bench")
                .unwrap()
                .id,
        );
    }
    let first = orgs[0].get();
    let started = Instant::now();
    let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    let series = format!(
        "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < {n}) "
    );
    diesel::sql_query(format!(
        "INSERT INTO cases (id, org_id, ref_digest, status, rule_set_version, shared_view, report, created_at, updated_at) \
         {series} SELECT printf('c%08d', i), {first} + (i % 8), printf('r%08d', i), 'published', 'bench', '', '', \
         datetime('2023-01-01', '+' || (i % 1095) || ' days'), datetime('2023-01-01', '+' || (i % 1095) || ' days') FROM s"
    ))
    .execute(&mut conn)
    .unwrap();
    let categories = "'blood','device','fall','infection','medication','perinatal','pressure-injury','surgery-anesthesia','venous-thromboembolism','diagnosis','other'";
    let harms = "'death','severe','moderate','mild','none','unknown'";
    let settings = "'inpatient','emergency','ambulatory','perioperative','intensive-care','long-term-care','home-health','behavioral-health','other'";
    diesel::sql_query(format!(
        "INSERT INTO case_facts (case_id, org_id, received_at, event_year, category, harm, setting, \
         first_contact_day, apology, clinician_support, loop_closed, loop_closed_day, standard_of_care, \
         compensation, review_method, closed_day, actions_stronger, actions_intermediate, actions_weaker, \
         actions_planned, actions_in_progress, actions_implemented, actions_verified) \
         {series} SELECT printf('c%08d', i), {first} + (i % 8), datetime('2023-01-01', '+' || (i % 1095) || ' days'), \
         2022 + (i % 4), \
         json_extract(json_array({categories}), '$[' || (i % 11) || ']'), \
         json_extract(json_array({harms}), '$[' || (i % 6) || ']'), \
         json_extract(json_array({settings}), '$[' || (i % 9) || ']'), \
         CASE WHEN i % 10 = 0 THEN NULL ELSE i % 13 END, \
         CASE i % 3 WHEN 0 THEN 'empathy' WHEN 1 THEN 'responsibility' ELSE 'none' END, \
         (i % 4) <> 0, (i % 5) <> 0, CASE WHEN i % 5 = 0 THEN NULL ELSE 20 + i % 60 END, \
         CASE i % 3 WHEN 0 THEN 'no' WHEN 1 THEN 'yes' ELSE 'undetermined' END, \
         CASE i % 4 WHEN 0 THEN 'payment' WHEN 1 THEN 'bill-waiver' ELSE 'none' END, \
         CASE i % 6 WHEN 0 THEN 'rca2' WHEN 1 THEN 'apparent-cause' WHEN 2 THEN 'fmea' WHEN 3 THEN 'case-review' WHEN 4 THEN 'other' ELSE NULL END, \
         60 + i % 120, i % 2, 1, i % 3, 1, i % 2, i % 3, 0 FROM s"
    ))
    .execute(&mut conn)
    .unwrap();
    eprintln!(
        "generated {n} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let own = OrgId::new(first);
    let who = Principal {
        user: UserId::new(1),
        org: own,
        roles: Roles::parse("contributor").unwrap(),
    };
    let query = MeasuresQuery::default();
    let page = |release: &Release, facts: &[CaseFacts]| {
        let mine = Release::own(facts, own, Slice::All, release);
        let (report, _) = answer(release, Some((own, &mine)), facts, &query).expect("answer");
        MeasuresPage::new(&report, &query, &who)
            .render()
            .expect("render")
    };

    let facts = store.case_facts(&FactsFilter::default()).unwrap();
    assert_eq!(facts.len() as u64, n);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut built = Vec::new();
    let mut release = None;
    for _ in 0..5 {
        let t0 = Instant::now();
        release = Some(Release::collaborative(&facts));
        built.push(t0.elapsed());
    }
    let release = release.expect("built");
    println!(
        "collaborative release at {n} cases (27 slices × {} periods, {} cells; p50 of 5, once per change of the facts): {:.1} ms",
        release.periods(),
        release.grid.cells().len(),
        ms(p50(built))
    );
    let html = page(&release, &facts);
    assert!(html.contains("CRP measures"));
    let runs = 15;
    let mut load = Vec::new();
    let mut compute = Vec::new();
    let mut whole = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let facts = store.case_facts(&FactsFilter::default()).unwrap();
        let t1 = Instant::now();
        let html = page(&release, &facts);
        let t2 = Instant::now();
        std::hint::black_box(html);
        load.push(t1 - t0);
        compute.push(t2 - t1);
        whole.push(t2 - t0);
    }
    // The facts read from the database, as a server does when they changed.
    let mut cold = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        std::hint::black_box(store.load_facts(&FactsFilter::default()).unwrap());
        cold.push(t0.elapsed());
    }
    println!(
        "facts read from the database (p50 of 5, after a change): {:.1} ms",
        ms(p50(cold))
    );
    println!(
        "measures page at {n} cases (p50 of {runs} runs, release kept): load facts (kept in memory, version checked) {:.1} ms, own release + answer + charts + HTML {:.1} ms, whole {:.1} ms (HTML {} KiB)",
        ms(p50(load)),
        ms(p50(compute)),
        ms(p50(whole)),
        html.len() / 1024
    );
    let mut report_only = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        std::hint::black_box(answer(&release, None, &facts, &query).expect("answer"));
        report_only.push(t0.elapsed());
    }
    println!(
        "measures report (collaborative view, release kept) at {n} cases: {:.1} ms",
        ms(p50(report_only))
    );
}
