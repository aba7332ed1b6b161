//! The development corpora through the library pipeline, scored by the shared scorer:
//! the synthetic CRP cases (`dev-*`) and the real ICU nursing notes (`physionet-dev-*`).
//!
//! The shared dir is `$SAFETABLE_SHARED_DIR` or `$CARGO_MANIFEST_DIR/../shared`. Without it
//! (or without python3) the test fails when `CI` is set and is skipped loudly otherwise.
//! `SAFETABLE_DEID_OUT=path` keeps the redacted output for inspection;
//! `SAFETABLE_DEID_CASES` and `SAFETABLE_DEID_GOLD` score another corpus.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::Command;

use safetable::case::{parse_case, SubmittedCase};
use safetable::redaction::redact;

const MAX_LEAK_RATE: f64 = 0.002;
const MIN_RETENTION: f64 = 0.98;

/// The goal on the real notes: leak_rate <= 0.01 and retention >= 0.98.
const PHYSIONET_GOAL_LEAK_RATE: f64 = 0.01;
const PHYSIONET_GOAL_RETENTION: f64 = 0.98;
/// The best figures reached so far on the real notes (4 leaks of 603 with 2026-W49-2). A
/// ratchet: lower the leak bound and raise the retention bound whenever the pipeline
/// improves, never the other way; past the goal above it keeps what was reached.
const PHYSIONET_MAX_LEAK_RATE: f64 = 0.0067;
const PHYSIONET_MIN_RETENTION: f64 = 0.999;

use crate::harness::shared_dir;

/// Structured identifiers of a case that must never survive, whatever the phrasing.
fn structured_identifiers(case: &SubmittedCase) -> Vec<String> {
    let mut out = Vec::new();
    let p = &case.patient;
    let mut push = |s: Option<&String>| {
        if let Some(s) = s {
            if !s.trim().is_empty() {
                out.push(s.trim().to_owned());
            }
        }
    };
    push(p.name.as_ref());
    push(p.mrn.as_ref());
    push(p.phone.as_ref());
    push(p.email.as_ref());
    push(p.insurance_id.as_ref());
    if let Some(a) = &p.address {
        push(a.street.as_ref());
        push(a.city.as_ref());
        push(a.zip.as_ref());
    }
    for person in &case.people {
        push(Some(&person.name));
        push(person.license_number.as_ref());
        push(person.email.as_ref());
        push(person.phone.as_ref());
    }
    if let Some(f) = &case.facility {
        push(f.name.as_ref());
        push(f.unit.as_ref());
        push(f.city.as_ref());
    }
    push(Some(&case.external_ref));
    // Every word of every name (first name, surname).
    let mut words = Vec::new();
    for name in p.name.iter().chain(case.people.iter().map(|x| &x.name)) {
        for w in name.split_whitespace() {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            if w.chars().count() >= 2 {
                words.push(w.to_owned());
            }
        }
    }
    out.extend(words);
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn bounded_find(hay: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let s = from + i;
        let e = s + needle.len();
        let left = !needle.starts_with(is_word) || !hay[..s].ends_with(is_word);
        let right = !needle.ends_with(is_word) || !hay[e..].starts_with(is_word);
        if left && right {
            return true;
        }
        from = s + needle.chars().next().map_or(1, char::len_utf8);
    }
    false
}

fn strings(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// What one scored run gave.
struct Scored {
    leak_rate: f64,
    retention: f64,
    cases: usize,
    /// Case numbers whose structured identifiers survived.
    structured_leaks: Vec<usize>,
}

/// Redacts every case of `cases_path` with the embedded rules and scores the output
/// against `gold_path`. The tests that call this are registered as needing the shared
/// corpus, so outside CI the runner reports them ignored when it is missing.
fn score(cases_path: &std::path::Path, gold_path: &std::path::Path) -> Scored {
    let scorer = shared_dir().join("tools/deid_eval.py");
    for path in [cases_path, gold_path, scorer.as_path()] {
        assert!(path.is_file(), "{} is missing", path.display());
    }

    let rules = rules();
    let input = std::io::BufReader::new(std::fs::File::open(cases_path).expect("open cases"));
    let out_file = tempfile::NamedTempFile::new().expect("temp file");
    let mut writer = std::io::BufWriter::new(out_file.reopen().expect("reopen"));
    let mut structured_leaks = Vec::new();
    let mut n = 0;
    for (i, line) in input.lines().enumerate() {
        let line = line.expect("read line");
        if line.trim().is_empty() {
            continue;
        }
        n += 1;
        let case = parse_case(line.as_bytes()).expect("corpus case parses");
        let view = redact(&case, rules).expect("redacted").view;
        let value = serde_json::to_value(&view).expect("view serializes");
        serde_json::to_writer(&mut writer, &value).expect("write");
        writer.write_all(b"\n").expect("write");
        let mut text = String::new();
        strings(&value, &mut text);
        for ident in structured_identifiers(&case) {
            if bounded_find(&text, &ident) {
                // Only the category and the case number: never the value itself.
                structured_leaks.push(i + 1);
            }
        }
    }
    writer.flush().expect("flush");
    drop(writer);
    if let Some(keep) = std::env::var_os("SAFETABLE_DEID_OUT") {
        std::fs::copy(out_file.path(), keep).expect("copy output");
    }

    let run = Command::new("python3")
        .arg(&scorer)
        .arg("--gold")
        .arg(gold_path)
        .arg("--redacted")
        .arg(out_file.path())
        .output()
        .expect("run scorer");
    assert!(
        run.status.success(),
        "scorer failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    // The per-category table, for the log.
    eprintln!("{stdout}");
    let last = stdout.lines().last().expect("scorer prints a summary line");
    let mut leak_rate = None;
    let mut retention = None;
    let mut cases = None;
    for kv in last.split_whitespace() {
        match kv.split_once('=') {
            Some(("leak_rate", v)) => leak_rate = v.parse::<f64>().ok(),
            Some(("retention", v)) => retention = v.parse::<f64>().ok(),
            Some(("cases", v)) => cases = v.parse::<usize>().ok(),
            _ => {}
        }
    }
    let scored = Scored {
        leak_rate: leak_rate.expect("leak_rate in summary"),
        retention: retention.expect("retention in summary"),
        cases: cases.expect("cases in summary"),
        structured_leaks,
    };
    assert_eq!(scored.cases, n, "the scorer saw every case");
    scored
}

/// The rule set, compiled once for the test process.
use crate::helpers::rules;

fn dev_corpus_meets_the_acceptance_bar() {
    let shared = shared_dir();
    // Another corpus in the same format can be scored with SAFETABLE_DEID_CASES/_GOLD.
    let cases_path = std::env::var_os("SAFETABLE_DEID_CASES")
        .map(PathBuf::from)
        .unwrap_or_else(|| shared.join("corpus/dev-cases.jsonl"));
    let gold_path = std::env::var_os("SAFETABLE_DEID_GOLD")
        .map(PathBuf::from)
        .unwrap_or_else(|| shared.join("corpus/dev-gold.jsonl"));
    let s = score(&cases_path, &gold_path);
    eprintln!(
        "deid_corpus dev: leak_rate={} retention={} cases={}",
        s.leak_rate, s.retention, s.cases
    );
    assert!(
        s.leak_rate <= MAX_LEAK_RATE,
        "leak_rate {} > {MAX_LEAK_RATE}",
        s.leak_rate
    );
    assert!(
        s.retention >= MIN_RETENTION,
        "retention {} < {MIN_RETENTION}",
        s.retention
    );
    assert!(
        s.structured_leaks.is_empty(),
        "structured-field identifiers leaked in cases {:?}",
        s.structured_leaks
    );
}

fn physionet_notes_hold_the_best_figures_reached() {
    let shared = shared_dir();
    let s = score(
        &shared.join("corpus/physionet-dev-cases.jsonl"),
        &shared.join("corpus/physionet-dev-gold.jsonl"),
    );
    eprintln!(
        "deid_corpus physionet-dev: leak_rate={} retention={} cases={} (goal: leak_rate <= \
         {PHYSIONET_GOAL_LEAK_RATE}, retention >= {PHYSIONET_GOAL_RETENTION})",
        s.leak_rate, s.retention, s.cases
    );
    assert!(
        s.leak_rate <= PHYSIONET_MAX_LEAK_RATE,
        "leak_rate {} > {PHYSIONET_MAX_LEAK_RATE}, the best reached so far",
        s.leak_rate
    );
    assert!(
        s.retention >= PHYSIONET_MIN_RETENTION,
        "retention {} < {PHYSIONET_MIN_RETENTION}, the best reached so far",
        s.retention
    );
}

crate::tests!(
    needs [SharedCorpus]:
    dev_corpus_meets_the_acceptance_bar,
    physionet_notes_hold_the_best_figures_reached,
);
