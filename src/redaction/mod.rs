//! The redaction pipeline: `(submitted case, compiled rule set) → (shared view, report)`.
//!
//! Pure: no database, clock, network or global state; the same input gives byte-identical
//! output.

use std::collections::BTreeMap;

use crate::case::{
    AgeBand, RedactionFlag, RedactionSummary, SharedAction, SharedCommunication, SharedEvent,
    SharedPatient, SharedResolution, SharedReview, SharedView, SubmittedCase, Timeline,
};

/// A compiled rule set.
pub struct RuleSet {
    version: String,
}

impl RuleSet {
    /// The rule set compiled into the binary.
    pub fn embedded() -> Self {
        RuleSet {
            version: "0".into(),
        }
    }

    /// The version recorded in every shared view.
    pub fn version(&self) -> &str {
        &self.version
    }
}

/// What the pipeline reports to a curator: counts per category and flags; never a value.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RedactionReport {
    pub rule_set_version: String,
    pub counts: BTreeMap<String, u32>,
    pub flags: Vec<RedactionFlag>,
}

/// The output of the pipeline.
pub struct Redacted {
    pub view: SharedView,
    pub report: RedactionReport,
}

/// Runs the pipeline on one case.
pub fn redact(case: &SubmittedCase, rules: &RuleSet) -> Redacted {
    let occurred = case.event.occurred_on;
    let day = |d: chrono::NaiveDate| (d - occurred).num_days();
    let text = |s: &str| s.to_owned();
    let age = case.patient.age_years.map(u32::from).or_else(|| {
        case.patient
            .birth_date
            .and_then(|b| occurred.years_since(b))
    });
    let counts = BTreeMap::new();
    let view = SharedView {
        id: None,
        event: SharedEvent {
            year: chrono::Datelike::year(&occurred),
            category: case.event.category,
            harm: case.event.harm,
            setting: case.event.setting,
            service: case.event.service.as_deref().map(text),
            summary: text(&case.event.summary),
        },
        patient: SharedPatient {
            age_band: age.map(AgeBand::from_years),
            sex: case.patient.sex,
        },
        timeline: Timeline {
            discovered_day: case.event.discovered_on.map(day),
            first_contact_day: case
                .communication
                .as_ref()
                .and_then(|c| c.first_contact_at)
                .map(|t| day(t.date_naive())),
            loop_closed_day: case
                .resolution
                .as_ref()
                .and_then(|r| r.loop_closed_on)
                .map(day),
            closed_day: day(case.closed_on),
        },
        communication: case.communication.as_ref().map(|c| SharedCommunication {
            disclosed_by_role: c.disclosed_by_role.clone(),
            apology: c.apology,
            notes: c.notes.as_deref().map(text),
        }),
        review: case.review.as_ref().map(|r| SharedReview {
            method: r.method,
            standard_of_care_met: r.standard_of_care_met,
            contributing_factors: r.contributing_factors.clone(),
            findings: r.findings.as_deref().map(text),
        }),
        resolution: case.resolution.as_ref().map(|r| SharedResolution {
            loop_closed_with_family: r.loop_closed_with_family,
            compensation: r.compensation,
            clinician_support_offered: r.clinician_support_offered,
            notes: r.notes.as_deref().map(text),
        }),
        lessons_learned: text(&case.lessons_learned),
        improvement_actions: case
            .improvement_actions
            .iter()
            .map(|a| SharedAction {
                description: text(&a.description),
                strength: a.strength,
                status: a.status,
                due_day: a.due_on.map(day),
            })
            .collect(),
        roles: case.people.iter().map(|p| p.role.clone()).collect(),
        redaction: RedactionSummary {
            rule_set_version: rules.version().to_owned(),
            counts: counts.clone(),
            manual: 0,
        },
    };
    Redacted {
        view,
        report: RedactionReport {
            rule_set_version: rules.version().to_owned(),
            counts,
            flags: Vec::new(),
        },
    }
}

/// How a `safetable redact` run went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamOutcome {
    /// Lines read.
    pub lines: u64,
    /// Lines that failed validation (each became `{"error": …}`).
    pub errors: u64,
}

/// Streams JSON Lines of submitted cases to JSON Lines of shared views, one output line
/// per input line, in order, in constant memory. A line that fails validation becomes
/// `{"error": "…"}` naming the field path, never its content.
pub fn redact_stream<R: std::io::BufRead, W: std::io::Write>(
    mut input: R,
    mut output: W,
    rules: &RuleSet,
) -> std::io::Result<StreamOutcome> {
    let mut outcome = StreamOutcome::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        outcome.lines += 1;
        let body = line.strip_suffix(b"\n").unwrap_or(&line);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        match crate::case::parse_case(body) {
            Ok(case) => {
                let redacted = redact(&case, rules);
                serde_json::to_writer(&mut output, &redacted.view)?;
            }
            Err(e) => {
                outcome.errors += 1;
                serde_json::to_writer(&mut output, &serde_json::json!({ "error": e.to_string() }))?;
            }
        }
        output.write_all(b"\n")?;
    }
    output.flush()?;
    Ok(outcome)
}
