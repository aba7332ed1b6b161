//! Property tests, pathological inputs and a soak harness for the redaction pipeline.

use proptest::prelude::*;
use safetable::case::parse_case;
use safetable::redaction::{check_invariants, redact, RuleSet};

fn rules() -> &'static RuleSet {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(RuleSet::embedded)
}

/// Fragments that exercise the detectors when glued together at random.
const FRAGMENTS: &[&str] = &[
    "Elaine",
    "Harding",
    "harding's",
    "Dr.",
    "Ms. ",
    "Katrina",
    "SUMMERS",
    "Summers-Harding",
    "E.H.",
    "K. ",
    "3/14/2025",
    "March 14th",
    "14-Mar-2025",
    "on 3/4",
    "Tuesday, ",
    "(515) 410-7044",
    "515.410.7044",
    "+1 ",
    "x204",
    "MRN ",
    "6613346",
    "66-133-46",
    "RN7663794",
    "eharding@gmail.com",
    "@",
    "https://",
    "www.",
    "10.0.0.1",
    "::",
    "424 Taylor Spurs",
    "Lake Brendaport",
    "37160",
    "Pavilion E",
    "Brightwater",
    "Medical Center",
    "CRP-18-8179",
    "92 y/o",
    "ninety-one",
    "aged ",
    "Lasix 40 mg",
    "INR 5.2",
    "03:10",
    "Foley",
    "Morse",
    "daughter ",
    "nurse ",
    "named ",
    ", RN",
    " (",
    ")",
    "-",
    "'s",
    ".",
    ",",
    " ",
    " ",
    " ",
    "\n",
    "é",
    "Dương",
    "ǅ",
    "\u{0301}",
    "ß",
    "İ",
    "[",
    "]",
    "0",
    "9",
    "1999",
    "12/31",
    "Maria",
    "kwame",
    "Ngozi",
    "St. Rita's",
];

fn glued() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn any_text_never_leaks_structured_identifiers(text in "\\PC{0,200}") {
        prop_assert!(check_invariants(&text, rules()).is_ok(), "{:?}", check_invariants(&text, rules()));
    }

    #[test]
    fn glued_fragments_never_leak_structured_identifiers(text in glued()) {
        prop_assert!(check_invariants(&text, rules()).is_ok(), "{:?}", check_invariants(&text, rules()));
    }
}

fn case_with_summary(summary: &str, people: usize) -> Vec<u8> {
    let people: Vec<serde_json::Value> = (0..people)
        .map(|i| serde_json::json!({"name": format!("Person{i} Family{i}"), "role": if i % 2 == 0 { "RN" } else { "pharmacist" }}))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "schema_version": "1", "external_ref": "X-1", "closed_on": "2025-05-30",
        "event": {"occurred_on": "2025-03-14", "category": "fall", "harm": "none", "setting": "inpatient", "summary": summary},
        "patient": {"name": "Elaine Harding"},
        "people": people,
        "lessons_learned": "none"
    }))
    .unwrap_or_default()
}

/// Pathological inputs finish; work is bounded by the input size (no wall-clock asserts:
/// the output is checked instead, and the test harness's own timeout catches a hang).
#[test]
fn pathological_inputs_finish_and_stay_bounded() {
    let long_word = "a".repeat(1 << 20);
    let digits = "1".repeat(1 << 20);
    let punct = "./-".repeat(300_000);
    let names = "Maria Lopez ".repeat(10_000);
    for text in [&long_word, &digits, &punct, &names] {
        let bytes = case_with_summary(text, 2);
        let Ok(case) = parse_case(&bytes) else {
            continue;
        };
        let out = redact(&case, rules()).view.event.summary;
        assert!(
            out.len() <= 4 * text.len() + 64,
            "output grew to {}",
            out.len()
        );
    }
    // Thousands of people.
    let bytes = case_with_summary("Person1 Family1 met Person2999 Family2999.", 3000);
    if let Ok(case) = parse_case(&bytes) {
        let out = redact(&case, rules()).view.event.summary;
        assert!(
            !out.contains("Family2999") && !out.contains("Person1 "),
            "{out}"
        );
    }
}

/// A stable stand-in for the fuzzer: `SAFETABLE_SOAK_SECS=300 cargo test --release --test
/// redaction_props soak -- --ignored --nocapture` feeds mutated inputs for that long.
#[test]
#[ignore]
fn soak() {
    let secs: u64 = std::env::var("SAFETABLE_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    // xorshift: deterministic per run, no extra dependency.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut runs = 0u64;
    let mut corpus: Vec<String> = vec![String::new()];
    while std::time::Instant::now() < deadline {
        let base = corpus[(next() as usize) % corpus.len()].clone();
        let mut text = base;
        for _ in 0..(1 + next() % 6) {
            match next() % 5 {
                0 => text.push_str(FRAGMENTS[(next() as usize) % FRAGMENTS.len()]),
                1 => {
                    let c = char::from_u32((next() % 0x2FFF) as u32).unwrap_or('x');
                    text.push(c);
                }
                2 if !text.is_empty() => {
                    let mut cut = (next() as usize) % text.len();
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                }
                3 => {
                    let mut at = if text.is_empty() {
                        0
                    } else {
                        (next() as usize) % text.len()
                    };
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    text.insert_str(at, FRAGMENTS[(next() as usize) % FRAGMENTS.len()]);
                }
                _ => text.push(' '),
            }
        }
        if text.len() > 4000 {
            text.truncate(0);
        }
        if let Err(e) = check_invariants(&text, rules()) {
            // Synthetic input (fragments and random characters), safe to show.
            panic!("soak: invariant broken after {runs} runs: {e}; input {text:?}");
        }
        if corpus.len() < 1000 {
            corpus.push(text);
        } else {
            let i = (next() as usize) % corpus.len();
            corpus[i] = text;
        }
        runs += 1;
    }
    eprintln!("soak: {runs} inputs in {secs}s, no invariant broken");
    assert!(runs > 0);
}
