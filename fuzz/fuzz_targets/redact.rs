//! Fuzzes the detectors: arbitrary text in every free-text field of a case with known
//! identifiers. Run with `cargo +nightly fuzz run redact` from the repository root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safetable::redaction::{fuzz_one, RuleSet};

fuzz_target!(|data: &[u8]| {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(RuleSet::embedded);
    if let Ok(text) = std::str::from_utf8(data) {
        // Panics (the fuzzer's finding) on a leak of a structured identifier.
        let _probe = fuzz_one(text, rules);
    }
});
