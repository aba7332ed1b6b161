//! Prints the pipeline's summary output for `PROBE_TEXT`, for trying adversarial input by
//! hand: `PROBE_TEXT='…' cargo test --test api redaction_probe -- --ignored --nocapture`.
use safetable::case::parse_case;
use safetable::redaction::{redact, RuleSet};
use serde_json::json;

fn probe() {
    let rules = RuleSet::embedded();
    let text = std::env::var("PROBE_TEXT").unwrap_or_default();
    let case = json!({
        "schema_version": "1", "external_ref": "CRP-21-0042", "closed_on": "2024-05-30",
        "event": {"occurred_on": "2024-03-14", "category": "fall", "harm": "moderate", "setting": "inpatient", "summary": text},
        "patient": {"name": "Oluwaseun Adebayo-Okafor", "mrn": "00482913", "birth_date": "1931-07-02", "sex": "female"},
        "people": [{"name": "Nguyen Thi Huong", "role": "RN"}, {"name": "Marek Wojciechowski", "role": "physician"},
                   {"name": "William Jones", "role": "RN"}, {"name": "Margaret O'Brien", "role": "pharmacist"}],
        "lessons_learned": "x"
    });
    let case = parse_case(&serde_json::to_vec(&case).unwrap()).unwrap();
    println!(
        "OUT: {}",
        redact(&case, &rules).expect("redacted").view.event.summary
    );
}

/// Redacts the JSONL file `PROBE_CASES` to `PROBE_OUT`, one shared view per line (for
/// comparing two versions of the pipeline).
fn probe_file() {
    use std::io::{BufRead, Write};
    let (Some(input), Some(output)) = (
        std::env::var_os("PROBE_CASES"),
        std::env::var_os("PROBE_OUT"),
    ) else {
        return;
    };
    let rules = RuleSet::embedded();
    let mut out = std::io::BufWriter::new(std::fs::File::create(output).unwrap());
    for line in std::io::BufReader::new(std::fs::File::open(input).unwrap()).lines() {
        let line = line.unwrap();
        if let Ok(case) = parse_case(line.as_bytes()) {
            serde_json::to_writer(&mut out, &redact(&case, &rules).expect("redacted").view)
                .unwrap();
        }
        out.write_all(b"\n").unwrap();
    }
}

crate::tests!(
    manual:
    probe,
    probe_file,
);
