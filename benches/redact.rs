//! Throughput of the redaction pipeline: free-text characters per second, one core and all
//! cores, and peak RSS. Reads the JSONL named by `SAFETABLE_BENCH_CASES`.
//!
//! ```sh
//! python3 ../shared/tools/gen_cases.py --count 25000 --seed 1 \
//!     --out-cases /tmp/bench-cases.jsonl --out-gold /tmp/bench-gold.jsonl
//! SAFETABLE_BENCH_CASES=/tmp/bench-cases.jsonl cargo bench --bench redact
//! ```

use std::io::BufRead;
use std::time::Instant;

use safetable::case::{parse_case, SubmittedCase};
use safetable::redaction::{redact, RuleSet};

fn free_text_chars(case: &SubmittedCase) -> usize {
    let mut n = case.event.summary.chars().count() + case.lessons_learned.chars().count();
    n += case
        .event
        .service
        .as_deref()
        .map_or(0, |s| s.chars().count());
    if let Some(c) = &case.communication {
        n += c.notes.as_deref().map_or(0, |s| s.chars().count());
        n += c
            .disclosed_by_role
            .as_deref()
            .map_or(0, |s| s.chars().count());
    }
    n += case
        .review
        .as_ref()
        .and_then(|r| r.findings.as_deref())
        .map_or(0, |s| s.chars().count());
    n += case
        .resolution
        .as_ref()
        .and_then(|r| r.notes.as_deref())
        .map_or(0, |s| s.chars().count());
    n += case
        .improvement_actions
        .iter()
        .map(|a| a.description.chars().count())
        .sum::<usize>();
    n
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn main() {
    let Some(path) = std::env::var_os("SAFETABLE_BENCH_CASES") else {
        eprintln!("SKIPPED: set SAFETABLE_BENCH_CASES to a JSONL file of submitted cases");
        return;
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("cannot open {}: {e}", path.to_string_lossy());
            std::process::exit(1);
        }
    };
    // SAFETABLE_BENCH_LIMIT=n: only the first n cases (quick comparisons).
    let limit: Option<usize> = std::env::var("SAFETABLE_BENCH_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok());
    let t = Instant::now();
    let mut cases = Vec::new();
    let mut bad = 0usize;
    for line in std::io::BufReader::new(file).lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        if limit.is_some_and(|l| cases.len() >= l) {
            break;
        }
        match parse_case(line.as_bytes()) {
            Ok(c) => cases.push(c),
            Err(_) => bad += 1,
        }
    }
    let chars: usize = cases.iter().map(free_text_chars).sum();
    println!(
        "parsed {} cases ({} unparsable), {:.1} M free-text chars in {:.1}s",
        cases.len(),
        bad,
        chars as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let rules = RuleSet::embedded();
    println!(
        "rule set {} compiled in {:.0} ms",
        rules.version(),
        t.elapsed().as_secs_f64() * 1e3
    );

    // Single thread.
    let t = Instant::now();
    let mut sink = 0usize;
    for c in &cases {
        sink += redact(c, &rules).map_or(0, |r| r.view.event.summary.len());
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "1 thread: {:.2} s, {:.2} M chars/s, {:.0} cases/s (checksum {sink})",
        secs,
        chars as f64 / secs / 1e6,
        cases.len() as f64 / secs
    );

    // All cores.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t = Instant::now();
    let chunk = cases.len().div_ceil(threads).max(1);
    let total: usize = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                let rules = &rules;
                s.spawn(move || {
                    part.iter()
                        .map(|c| redact(c, rules).map_or(0, |r| r.view.event.summary.len()))
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{threads} threads: {:.2} s, {:.2} M chars/s, {:.2} M chars/s per core (checksum {total})",
        secs,
        chars as f64 / secs / 1e6,
        chars as f64 / secs / 1e6 / threads as f64
    );
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS: unavailable"),
    }
}
