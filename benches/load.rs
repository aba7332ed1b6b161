//! Load benchmarks for a running `safetable serve` (see BENCHMARKS.md for the commands).
//!
//! ```text
//! cargo bench --bench load -- post     URL TOKEN CASES.jsonl CLIENTS
//! cargo bench --bench load -- search   URL TOKEN DATA_DIR
//! cargo bench --bench load -- pages    URL TOKEN
//! cargo bench --bench load -- phrasing CASES
//! cargo bench --bench load -- withdraw CASES
//! ```
//!
//! `pages` times the browser application's search page (`GET /search`, with its facet
//! sidebar) for the same queries, the token as a session cookie, against the API.
//!
//! `post` submits every case of the file through `POST /api/v1/cases` from CLIENTS
//! concurrent clients and reports cases/s. `search` runs the query set below over HTTP
//! with 1 and 16 concurrent clients (p50/p99 latency), then the same queries in-process
//! on the server's tantivy index and on an SQLite FTS5 table (bm25 + snippet) holding the
//! same published cases, the baseline.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl, SqliteConnection};
use safetable::config::Settings;
use safetable::index::{FacetKind, IndexSettings, SearchIndex, SearchRequest};
use safetable::store::Store;

/// A query: our query language, the FTS5 MATCH expression, and facet filters.
struct Q {
    ours: &'static str,
    fts: &'static str,
    filters: &'static [(FacetKind, &'static str)],
}

const fn q(ours: &'static str, fts: &'static str) -> Q {
    Q {
        ours,
        fts,
        filters: &[],
    }
}

const fn qf(
    ours: &'static str,
    fts: &'static str,
    filters: &'static [(FacetKind, &'static str)],
) -> Q {
    Q { ours, fts, filters }
}

use FacetKind::{Category, Harm, Setting, Strength};

const QUERIES: &[Q] = &[
    q("heparin", "heparin"),
    q("heparin overdose", "heparin overdose"),
    q("insulin", "insulin"),
    q("smart pump", "smart pump"),
    q("\"smart pump\"", "\"smart pump\""),
    q("barcode scanning", "barcode scanning"),
    q(
        "\"independent double check\"",
        "\"independent double check\"",
    ),
    q("rapid response team", "rapid response team"),
    q("sepsis alert", "sepsis alert"),
    q("early warning score", "early warning score"),
    q("bed alarm", "bed alarm"),
    q("hourly rounding", "hourly rounding"),
    q("fall fracture", "fall fracture"),
    q("huddle charge nurse", "huddle charge nurse"),
    q("simulation training", "simulation training"),
    q("order set", "order set"),
    q("handoff", "handoff"),
    q("handoff communication", "handoff communication"),
    q("staffing workload", "staffing workload"),
    q("short-staffed", "\"short staffed\""),
    q("discharge instructions", "discharge instructions"),
    q("pressure injury wound", "pressure injury wound"),
    q("transfusion", "transfusion"),
    q("blood transfusion", "blood transfusion"),
    q("catheter infection", "catheter infection"),
    q("delayed diagnosis", "delayed diagnosis"),
    q("chest pain", "chest pain"),
    q("alarm fatigue OR silenced", "alarm fatigue OR silenced"),
    q("pump NOT heparin", "pump NOT heparin"),
    q("lessons:apology", "lessons : apology"),
    q("actions:barcode", "actions : barcode"),
    q("peer support clinicians", "peer support clinicians"),
    q("family communication trust", "family communication trust"),
    q("portal messages", "portal messages"),
    qf("heparin", "heparin", &[(Category, "medication")]),
    qf("fall", "fall", &[(Setting, "inpatient")]),
    qf("alarm", "alarm", &[(Harm, "severe")]),
    qf("barcode", "barcode", &[(Strength, "stronger")]),
    qf(
        "pump",
        "pump",
        &[(Category, "medication"), (Harm, "moderate")],
    ),
    qf(
        "rounding",
        "rounding",
        &[(Category, "fall"), (Strength, "stronger")],
    ),
    qf("sepsis", "sepsis", &[(Category, "infection")]),
    qf("monitoring", "monitoring", &[(Setting, "emergency")]),
    qf(
        "checklist",
        "checklist",
        &[(Category, "surgery-anesthesia")],
    ),
    qf("escalation", "escalation", &[(Harm, "death")]),
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn url_for(base: &str, q: &Q) -> String {
    url_with(base, q.ours, q.filters)
}

fn url_with(base: &str, text: &str, filters: &[(FacetKind, &str)]) -> String {
    let mut url = format!("{base}/api/v1/search?q={}", encode(text));
    for (k, v) in filters {
        url.push_str(&format!("&{}={}", k.name(), encode(v)));
    }
    url
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Runs `clients` threads, each with its own HTTP agent, each timing the requests `work`
/// makes; returns all latencies sorted and the wall time in seconds.
fn run_clients<F>(clients: usize, work: F) -> (Vec<Duration>, f64)
where
    F: Fn(usize, &ureq::Agent, &mut Vec<Duration>) + Sync,
{
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|s| {
        let work = &work;
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                s.spawn(move || {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(60))
                        .build();
                    let mut out = Vec::new();
                    work(c, &agent, &mut out);
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    latencies.sort();
    (latencies, started.elapsed().as_secs_f64())
}

/// How the HTTP search run picks its requests.
#[derive(Clone, Copy, PartialEq)]
enum Requests {
    /// The query set as it is, every client and round asking the same requests (the
    /// server answers a repeated request from the answers its index keeps).
    Repeated,
    /// Every request of the run a page of its own (the query set with a page offset unique
    /// to the client and round): members paging through results. The server ranks each
    /// query once per index generation and answers its pages from that ranking.
    Paged,
    /// Every request of the run a query asked for the first time (a query of the set and a
    /// word of [`EXTRA_WORDS`] no other request adds to it), so that nothing the server
    /// keeps can answer it: the cost of a search from scratch.
    New,
}

/// Words added to the query set to make new queries: words of incident reports, some
/// common in the corpus, some rare, so that some new queries find nothing together and
/// are relaxed, as people's queries are.
const EXTRA_WORDS: &[&str] = &[
    "patient",
    "nurse",
    "physician",
    "pharmacist",
    "family",
    "night",
    "weekend",
    "shift",
    "order",
    "dose",
    "pump",
    "monitor",
    "alarm",
    "policy",
    "training",
    "education",
    "delay",
    "review",
    "transfer",
    "discharge",
    "admission",
    "surgery",
    "anesthesia",
    "icu",
    "emergency",
    "pediatric",
    "elderly",
    "communication",
    "disclosure",
    "apology",
    "fall",
    "injury",
    "fracture",
    "bleeding",
    "infection",
    "sepsis",
    "pressure",
    "ulcer",
    "wound",
    "catheter",
    "line",
    "insulin",
    "opioid",
    "naloxone",
    "potassium",
    "warfarin",
    "label",
    "barcode",
    "scanner",
    "software",
    "alert",
    "override",
    "checklist",
    "timeout",
    "marker",
    "specimen",
    "laboratory",
    "imaging",
    "radiology",
    "result",
    "follow-up",
    "handoff",
    "staffing",
    "fatigue",
    "interruption",
    "distraction",
    "workload",
    "supervision",
    "protocol",
    "guideline",
    "standardization",
    "simulation",
    "huddle",
    "escalation",
    "rounding",
    "telemetry",
    "oxygen",
    "airway",
    "restraint",
    "sitter",
    "bed",
    "chair",
    "bathroom",
    "toileting",
    "dementia",
    "delirium",
    "sedation",
    "allergy",
    "antibiotic",
    "transfusion",
];

fn http_search(
    base: &str,
    token: &str,
    clients: usize,
    rounds: usize,
    requests: Requests,
) -> (Vec<Duration>, f64) {
    let (latencies, secs) = run_clients(clients, |c, agent, out| {
        for r in 0..rounds {
            for i in 0..QUERIES.len() {
                let q = &QUERIES[(i + c * 7 + r) % QUERIES.len()];
                let unique = r * clients + c;
                let mut url = match requests {
                    Requests::New => {
                        // Unique per (client, round); the 16-client run takes other words
                        // than the 1-client run before it.
                        let skip = if clients == 1 { 0 } else { 10 };
                        let word = EXTRA_WORDS[(unique + skip) % EXTRA_WORDS.len()];
                        url_with(base, &format!("{} {word}", q.ours), q.filters)
                    }
                    _ => url_for(base, q),
                };
                if requests == Requests::Paged {
                    // Unique per (client, round), below the largest offset a request takes.
                    url.push_str(&format!("&offset={}", (1 + unique) * 10));
                }
                let t = Instant::now();
                match agent
                    .get(&url)
                    .set("Authorization", &format!("Bearer {token}"))
                    .call()
                {
                    Ok(r) => {
                        let _ = r.into_string();
                    }
                    Err(e) => panic!("search failed: {e}"),
                }
                out.push(t.elapsed());
            }
        }
    });
    let qps = latencies.len() as f64 / secs;
    (latencies, qps)
}

fn search(args: &[String]) {
    let [base, token, data_dir] = args else {
        panic!("usage: search URL TOKEN DATA_DIR");
    };
    println!("## search: {} queries", QUERIES.len());
    // Warm-up.
    let _ = http_search(base, token, 1, 1, Requests::Repeated);
    for (requests, name) in [
        (Requests::Repeated, "repeated"),
        (Requests::Paged, "paged"),
        (Requests::New, "new-queries"),
    ] {
        for clients in [1usize, 16] {
            let rounds = if clients == 1 { 10 } else { 5 };
            let (lat, qps) = http_search(base, token, clients, rounds, requests);
            println!(
                "http {name} clients={clients:<2} requests={} p50={:.2} ms p99={:.2} ms throughput={:.0} q/s",
                lat.len(),
                ms(percentile(&lat, 0.5)),
                ms(percentile(&lat, 0.99)),
                qps
            );
        }
    }

    // In-process: our index against FTS5 on the same published cases.
    let settings = Settings::load(Path::new(data_dir), None).expect("settings");
    let bench_index =
        std::env::temp_dir().join(format!("safetable-bench-index-{}", std::process::id()));
    // A copy of the index, so the running server's writer lock is not disturbed.
    copy_dir(&settings.index_dir, &bench_index);
    let index = SearchIndex::open(&bench_index, &IndexSettings::embedded()).expect("index");
    let store = Store::open(&settings.database_url).expect("store");
    let fts_path =
        std::env::temp_dir().join(format!("safetable-bench-fts-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&fts_path);
    let mut fts = SqliteConnection::establish(&fts_path.to_string_lossy()).expect("fts db");
    let t = Instant::now();
    let n = build_fts(&store, &mut fts);
    println!(
        "fts5 baseline: loaded {n} published cases in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _round in 0..10 {
        for q in QUERIES {
            let mut req = SearchRequest::query(q.ours);
            for (k, v) in q.filters {
                req = req.filter(*k, v);
            }
            let t = Instant::now();
            // As the service answers: the index ranks, the page's views come from the store.
            let page = index.search(&req).expect("our search");
            let views = store.published_views(&page.hits.ids()).expect("views");
            let r = page.into_results(views);
            ours.push(t.elapsed());
            std::hint::black_box(r);
            let t = Instant::now();
            fts_query(&mut fts, q);
            theirs.push(t.elapsed());
        }
    }
    ours.sort();
    theirs.sort();
    let (o50, o99, f50, f99) = (
        percentile(&ours, 0.5),
        percentile(&ours, 0.99),
        percentile(&theirs, 0.5),
        percentile(&theirs, 0.99),
    );
    println!(
        "in-process tantivy p50={:.2} ms p99={:.2} ms | fts5 p50={:.2} ms p99={:.2} ms | p50 ratio fts5/tantivy = {:.1}x, p99 ratio = {:.1}x",
        ms(o50), ms(o99), ms(f50), ms(f99),
        f50.as_secs_f64() / o50.as_secs_f64().max(1e-9),
        f99.as_secs_f64() / o99.as_secs_f64().max(1e-9),
    );
    drop(index);
    let _ = std::fs::remove_dir_all(&bench_index);
    let _ = std::fs::remove_file(&fts_path);
}

/// Queries as people type them: with typos, and with words no case has together.
const PHRASED: &[(&str, &[&str])] = &[
    (
        "typo",
        &[
            "hydromorphine",
            "herapin infusion",
            "insullin",
            "furosemid",
            "hypoglycmia",
            "pressure injuyr",
            "retained spnge",
            "anticoagulent held",
            "transfussion reaction",
            "capnografy",
        ],
    ),
    (
        "relaxed",
        &[
            "fall with injury unicorn",
            "heparin pump override zebra",
            "wrong-site surgery time-out marker pen",
            "insulin glargine trailing zero nomogram",
            "sepsis triage vasopressor dialysis",
            "lasix potassium confusion capnography",
            "category:fall bed alarm heparin",
            "harm:death insulin wrong-site",
        ],
    ),
];

/// In-process latency of the query set, of typo and of relaxed queries on `CASES` demo
/// cases (redacted by the pipeline, indexed and merged in a temporary directory), at 1 and
/// 16 threads.
fn phrasing(args: &[String]) {
    let count: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .expect("usage: phrasing CASES");
    let dir = std::env::temp_dir().join(format!("safetable-bench-phrasing-{}", std::process::id()));
    let index = SearchIndex::open(&dir, &IndexSettings::embedded()).expect("index");
    let t = Instant::now();
    let views = demo_views(count);
    println!(
        "phrasing: {} of {count} demo cases redacted in {:.1} s",
        views.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    // Standing for the store: the page's views are looked up here, as the service reads
    // them from the database.
    let by_id: std::collections::HashMap<_, _> = views
        .iter()
        .filter_map(|v| v.id.clone().map(|id| (id, v.clone())))
        .collect();
    let search = |req: &SearchRequest| {
        let page = index.search(req).expect("search");
        let ids = page.hits.ids();
        page.into_results(ids.iter().filter_map(|id| by_id.get(id).cloned()))
    };
    let changes: Vec<_> = views
        .into_iter()
        .map(safetable::index::IndexChange::Upsert)
        .collect();
    for (n, chunk) in changes.chunks(5000).enumerate() {
        index.apply(chunk, n as i64 + 1).expect("index");
    }
    index.optimize().expect("merge");
    println!(
        "indexed {} cases in {:.1} s",
        index.doc_count(),
        t.elapsed().as_secs_f64()
    );
    let typed: Vec<SearchRequest> = QUERIES
        .iter()
        .map(|q| {
            let mut req = SearchRequest::query(q.ours);
            for (k, v) in q.filters {
                req = req.filter(*k, v);
            }
            req
        })
        .collect();
    let mut groups = vec![("as typed (QUERIES)", typed)];
    for (name, list) in PHRASED {
        groups.push((name, list.iter().map(|q| SearchRequest::query(q)).collect()));
    }
    for (name, requests) in &groups {
        let relaxed = requests
            .iter()
            .filter(|r| search(r).relaxed.is_some())
            .count();
        for threads in [1usize, 16] {
            let mut lat: Vec<Duration> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|c| {
                        let search = &search;
                        s.spawn(move || {
                            let mut out = Vec::new();
                            let rounds = if threads == 1 { 20 } else { 5 };
                            for r in 0..rounds {
                                for i in 0..requests.len() {
                                    let req = &requests[(i + c * 7 + r) % requests.len()];
                                    let t = Instant::now();
                                    std::hint::black_box(search(req));
                                    out.push(t.elapsed());
                                }
                            }
                            out
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_default())
                    .collect()
            });
            lat.sort();
            println!(
                "{name:<20} queries={:<3} relaxed={relaxed:<2} threads={threads:<2} p50={:.2} ms p99={:.2} ms",
                requests.len(),
                ms(percentile(&lat, 0.5)),
                ms(percentile(&lat, 0.99)),
            );
        }
    }
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `count` demo cases through the redaction pipeline (on two threads), each with a fresh id.
fn demo_views(count: usize) -> Vec<safetable::case::SharedView> {
    let rules = safetable::redaction::RuleSet::embedded();
    let cases: Vec<serde_json::Value> = safetable::demo::synthetic_cases(count, 7).collect();
    std::thread::scope(|s| {
        let chunks: Vec<_> = cases
            .chunks(count.div_ceil(2).max(1))
            .map(|chunk| {
                let rules = &rules;
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|c| {
                            let case =
                                safetable::case::parse_case(&serde_json::to_vec(c).ok()?).ok()?;
                            let mut view = safetable::redaction::redact(&case, rules).ok()?.view;
                            view.id = Some(safetable::case::CaseId::random());
                            Some(view)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// How long the index takes to apply a withdrawal (the delete, its commit, the rewrite of
/// the segments that held the case, the removal of their files) on `CASES` demo cases:
/// merged into one segment as `reindex` leaves it (the worst case: the whole index is
/// rewritten), and after publications that each came in their own commit.
fn withdraw(args: &[String]) {
    let count: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .expect("usage: withdraw CASES");
    let dir = std::env::temp_dir().join(format!("safetable-bench-withdraw-{}", std::process::id()));
    let index = SearchIndex::open(&dir, &IndexSettings::embedded()).expect("index");
    let views = demo_views(count);
    assert!(views.len() > 100, "too few cases to measure");
    let ids: Vec<_> = views.iter().filter_map(|v| v.id.clone()).collect();
    let changes: Vec<_> = views
        .iter()
        .skip(50)
        .cloned()
        .map(safetable::index::IndexChange::Upsert)
        .collect();
    let seq = std::cell::Cell::new(0);
    let next = || {
        seq.set(seq.get() + 1);
        seq.get()
    };
    for chunk in changes.chunks(5000) {
        index.apply(chunk, next()).expect("index");
    }
    index.optimize().expect("merge");
    let size = |dir: &Path| -> u64 {
        std::fs::read_dir(dir)
            .expect("index dir")
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    };
    println!(
        "withdraw: {} cases indexed, {} segment, {:.1} MB",
        index.doc_count(),
        index.segment_count(),
        size(&dir) as f64 / 1e6
    );
    let timed = |label: &str, victims: &[safetable::case::CaseId]| {
        let mut lat = Vec::new();
        for id in victims {
            let seq = next();
            let t = Instant::now();
            index
                .apply(&[safetable::index::IndexChange::Delete(id.clone())], seq)
                .expect("withdraw");
            lat.push(t.elapsed());
        }
        lat.sort();
        println!(
            "{label:<40} withdrawals={:<3} p50={:.1} ms max={:.1} ms segments={}",
            lat.len(),
            ms(percentile(&lat, 0.5)),
            ms(lat.last().copied().unwrap_or_default()),
            index.segment_count()
        );
    };
    timed("in the one segment (after reindex)", &ids[50..60]);
    // Publications one commit each, as the follower applies them one by one.
    for v in &views[..50] {
        index
            .apply(&[safetable::index::IndexChange::Upsert(v.clone())], next())
            .expect("publish");
    }
    timed("recently published (small segments)", &ids[40..50]);
    timed("in the large segment, small ones around", &ids[60..70]);
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("index dir").flatten() {
        let p = entry.path();
        if p.is_file() && p.file_name().is_some_and(|n| n != ".tantivy-writer.lock") {
            std::fs::copy(&p, to.join(entry.file_name())).expect("copy index file");
        }
    }
}

fn build_fts(store: &Store, fts: &mut SqliteConnection) -> usize {
    diesel::sql_query(
        "CREATE VIRTUAL TABLE fts USING fts5(summary, findings, notes, lessons, actions, tokenize = 'porter unicode61')",
    )
    .execute(fts)
    .expect("fts5 table");
    diesel::sql_query(
        "CREATE TABLE meta (id INTEGER PRIMARY KEY, case_id TEXT, category TEXT, harm TEXT, setting TEXT, strengths TEXT)",
    )
    .execute(fts)
    .expect("meta table");
    let mut after = None;
    let mut n = 0usize;
    fts.transaction::<_, diesel::result::Error, _>(|conn| {
        loop {
            let page = store.published_page(after.as_ref(), 1000).expect("page");
            let Some(last) = page.last().and_then(|v| v.id.clone()) else { break };
            for v in &page {
                n += 1;
                let notes = [
                    v.communication.as_ref().and_then(|c| c.notes.clone()),
                    v.resolution.as_ref().and_then(|r| r.notes.clone()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\n");
                let actions = v.improvement_actions.iter().map(|a| a.description.as_str()).collect::<Vec<_>>().join("\n");
                let strengths = v.improvement_actions.iter().map(|a| a.strength.as_str()).collect::<Vec<_>>().join(",");
                diesel::sql_query("INSERT INTO fts (rowid, summary, findings, notes, lessons, actions) VALUES (?, ?, ?, ?, ?, ?)")
                    .bind::<diesel::sql_types::BigInt, _>(n as i64)
                    .bind::<diesel::sql_types::Text, _>(&v.event.summary)
                    .bind::<diesel::sql_types::Text, _>(v.review.as_ref().and_then(|r| r.findings.clone()).unwrap_or_default())
                    .bind::<diesel::sql_types::Text, _>(&notes)
                    .bind::<diesel::sql_types::Text, _>(&v.lessons_learned)
                    .bind::<diesel::sql_types::Text, _>(&actions)
                    .execute(conn)?;
                diesel::sql_query("INSERT INTO meta (id, case_id, category, harm, setting, strengths) VALUES (?, ?, ?, ?, ?, ?)")
                    .bind::<diesel::sql_types::BigInt, _>(n as i64)
                    .bind::<diesel::sql_types::Text, _>(v.id.as_ref().map(|i| i.as_str()).unwrap_or_default())
                    .bind::<diesel::sql_types::Text, _>(v.event.category.as_str())
                    .bind::<diesel::sql_types::Text, _>(v.event.harm.as_str())
                    .bind::<diesel::sql_types::Text, _>(v.event.setting.as_str())
                    .bind::<diesel::sql_types::Text, _>(&strengths)
                    .execute(conn)?;
            }
            after = Some(last);
        }
        Ok(())
    })
    .expect("load fts");
    diesel::sql_query("CREATE INDEX meta_cat ON meta(category, harm, setting)")
        .execute(fts)
        .expect("index");
    n
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    _id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    _snippet: String,
}

#[derive(diesel::QueryableByName)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Top 20 by bm25 (lessons and actions weighted double) with a snippet, plus the total.
fn fts_query(conn: &mut SqliteConnection, q: &Q) {
    let mut filter = String::new();
    for (k, v) in q.filters {
        let column = match k {
            Category => "m.category = ",
            Harm => "m.harm = ",
            Setting => "m.setting = ",
            Strength => "instr(m.strengths, ",
            _ => continue,
        };
        if *k == Strength {
            filter.push_str(&format!(" AND {column}'{v}') > 0"));
        } else {
            filter.push_str(&format!(" AND {column}'{v}'"));
        }
    }
    let top = format!(
        "SELECT m.id AS _id, snippet(fts, -1, '<mark>', '</mark>', '…', 24) AS _snippet FROM fts JOIN meta m ON m.id = fts.rowid \
         WHERE fts MATCH ?{filter} ORDER BY bm25(fts, 1.0, 1.0, 1.0, 2.0, 2.0) LIMIT 20"
    );
    let rows: Vec<Row> = diesel::sql_query(top)
        .bind::<diesel::sql_types::Text, _>(q.fts)
        .load(conn)
        .expect("fts query");
    let count = format!(
        "SELECT count(*) AS n FROM fts JOIN meta m ON m.id = fts.rowid WHERE fts MATCH ?{filter}"
    );
    let total: Vec<CountRow> = diesel::sql_query(count)
        .bind::<diesel::sql_types::Text, _>(q.fts)
        .load(conn)
        .expect("fts count");
    std::hint::black_box((rows.len(), total.first().map(|c| c.n)));
}

fn post(args: &[String]) {
    let [base, token, file, clients] = args else {
        panic!("usage: post URL TOKEN CASES.jsonl CLIENTS");
    };
    let clients: usize = clients.parse().expect("CLIENTS");
    let text = std::fs::read_to_string(file).expect("cases file");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let next = AtomicUsize::new(0);
    let (latencies, secs) = run_clients(clients, |_, agent, out| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(line) = lines.get(i) else { break };
        let t = Instant::now();
        match agent
            .post(&format!("{base}/api/v1/cases"))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Content-Type", "application/json")
            .send_string(line)
        {
            Ok(_) | Err(ureq::Error::Status(409, _)) => {}
            Err(e) => panic!("submission {i} failed: {e}"),
        }
        out.push(t.elapsed());
    });
    println!(
        "POST /cases: {} cases, {clients} clients, {:.1} s, {:.0} cases/s, p50={:.1} ms p99={:.1} ms",
        latencies.len(),
        secs,
        latencies.len() as f64 / secs,
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99))
    );
}

/// The search page of the browser application (`GET /search`, facets and all) for every
/// query, one client, against the JSON API's search for the same queries in the same run.
fn pages(args: &[String]) {
    let [base, token] = args else {
        panic!("usage: pages URL TOKEN");
    };
    let page_url = |q: &Q| url_for(base, q).replace("/api/v1/search?", "/search?");
    let time = |url: &(dyn Fn(&Q) -> String + Sync), cookie: bool| {
        run_clients(1, |_, agent, out| {
            for _round in 0..5 {
                for q in QUERIES {
                    let request = agent.get(&url(q));
                    let request = if cookie {
                        request.set("Cookie", &format!("safetable_session={token}"))
                    } else {
                        request.set("Authorization", &format!("Bearer {token}"))
                    };
                    let t = Instant::now();
                    match request.call() {
                        Ok(r) => {
                            let body = r.into_string().unwrap_or_default();
                            assert!(
                                !cookie || body.contains("id=\"results-heading\""),
                                "not the search page (is the user's password still a one-time one?)"
                            );
                        }
                        Err(e) => panic!("the search page failed: {e}"),
                    }
                    out.push(t.elapsed());
                }
            }
        })
        .0
    };
    // Warm-up.
    time(&page_url, true);
    let page = time(&page_url, true);
    let api = time(&|q: &Q| url_for(base, q), false);
    println!("## search page: {} queries × 5, 1 client", QUERIES.len());
    println!(
        "page  p50 {:.2} ms  p99 {:.2} ms\napi   p50 {:.2} ms  p99 {:.2} ms\nratio page/api p50 {:.2}",
        ms(percentile(&page, 0.5)),
        ms(percentile(&page, 0.99)),
        ms(percentile(&api, 0.5)),
        ms(percentile(&api, 0.99)),
        ms(percentile(&page, 0.5)) / ms(percentile(&api, 0.5)).max(0.001)
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.split_first() {
        Some((mode, rest)) if mode == "post" => post(rest),
        Some((mode, rest)) if mode == "search" => search(rest),
        Some((mode, rest)) if mode == "pages" => pages(rest),
        Some((mode, rest)) if mode == "phrasing" => phrasing(rest),
        Some((mode, rest)) if mode == "withdraw" => withdraw(rest),
        _ => eprintln!(
            "usage:\n  cargo bench --bench load -- post URL TOKEN CASES.jsonl CLIENTS\n  cargo bench --bench load -- search URL TOKEN DATA_DIR\n  cargo bench --bench load -- pages URL TOKEN\n  cargo bench --bench load -- phrasing CASES\n  cargo bench --bench load -- withdraw CASES"
        ),
    }
}
