//! Fuzzes the detectors with AFL++ on stable Rust (afl.rs): arbitrary text in every
//! free-text field of a case with known identifiers. A finding is a panic: an
//! identifier that survived, a field that grew beyond its bound, a probe case that
//! validation rejected (NUL characters, which the schema refuses, become spaces first)
//! or the pipeline refused (`safetable::redaction::check_invariants`),
//! or a panic inside the pipeline itself (AFL's hook aborts before the pipeline's own
//! `catch_unwind` could turn it into a refusal).
//!
//! ```sh
//! cd fuzz/afl && cargo afl build --release
//! AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
//!     cargo afl fuzz -i seeds -o out -V 600 target/release/redact
//! ```

use safetable::redaction::{fuzz_one, RuleSet};

fn main() {
    let rules = RuleSet::embedded();
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            // The schema refuses NUL characters in every text, so the fuzzer's NULs become
            // spaces: every input of at most 20,000 characters then gives a valid case.
            let text = text.replace('\0', " ");
            // Panics on a broken invariant; a text too long for any valid case is skipped.
            let _probe = fuzz_one(&text, &rules);
        }
    });
}
