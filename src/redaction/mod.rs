//! The redaction pipeline: `(submitted case, compiled rule set) → (shared view, report)`.
//!
//! Pure: no database, clock, network or global state (but for the faults that tests arm
//! in [`fault`]); the same input gives byte-identical output.
//!
//! Fails closed: when a case cannot be redacted (its identifier matcher cannot be built,
//! or the pipeline panics part-way) [`redact`] refuses it with a [`RedactionError`]; no
//! partial or unredacted view ever comes out.

use std::collections::BTreeMap;

use crate::case::{
    AgeBand, RedactionFlag, RedactionSummary, SharedAction, SharedCommunication, SharedEvent,
    SharedPatient, SharedResolution, SharedReview, SharedView, SubmittedCase, TextField, Timeline,
};

mod category;
mod check;
#[doc(hidden)]
pub mod fault;
mod fold;
mod lexicon;
mod literals;
mod rules;
mod span;
mod stages;

pub use category::Category;
pub use check::{check_invariants, fuzz_one, probe_case, probe_json, Probe, MAX_PROBE_CHARS};
pub use rules::{RuleError, RuleSet};

use stages::{CaseContext, Known, People};

/// The version of the pipeline's code, recorded beside the rule-set version in every shared
/// view: bump it whenever a stage changes what it finds, so that `reredact` knows which
/// views may be stale.
pub const PIPELINE_VERSION: &str = "2";

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

/// Why a case was refused by the pipeline. Names no case content: it goes to API
/// responses, `redact` output lines and import summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RedactionError {
    /// The matcher of the case's structured identifiers (names, numbers, addresses)
    /// could not be built, so they could not be found in its text.
    #[error("the case could not be redacted: the matcher for its structured identifiers could not be built; nothing of it was stored or published")]
    Matcher,
    /// The pipeline failed part-way (a panic, caught).
    #[error("the case could not be redacted: the redaction pipeline failed on it; nothing of it was stored or published")]
    Failed,
}

/// Whether `c` is an invisible format character (Unicode category Cf, and the soft hyphen).
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

/// `text` without format characters; borrowed when it has none.
fn strip_format_chars(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_format_char) {
        std::borrow::Cow::Owned(text.chars().filter(|&c| !is_format_char(c)).collect())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Runs the pipeline on one case, or refuses it.
///
/// A panic anywhere inside is caught and becomes [`RedactionError::Failed`]: whatever the
/// pipeline had built is dropped, so a failure can never publish a partial view. (The
/// panic hook of the binary, [`crate::telemetry::install_panic_hook`], keeps the panic's
/// message, which may quote case text, out of the logs.)
pub fn redact(case: &SubmittedCase, rules: &RuleSet) -> Result<Redacted, RedactionError> {
    redact_with(case, rules, &[])
}

/// Runs the pipeline on one case contributed by an organization known by `org_names`:
/// those names, and their acronyms, are redacted as `[FACILITY]` like the case's own
/// facility. Refuses the case as [`redact`] does.
pub fn redact_with(
    case: &SubmittedCase,
    rules: &RuleSet,
    org_names: &[String],
) -> Result<Redacted, RedactionError> {
    // Unwind safety: the inputs are only read and everything built inside is dropped on
    // a panic, so no broken invariant can be observed afterwards.
    let run = std::panic::AssertUnwindSafe(|| redact_unguarded(case, rules, org_names));
    match std::panic::catch_unwind(run) {
        Ok(result) => result,
        Err(_payload) => Err(RedactionError::Failed),
    }
}

/// Redacts a note written about a case (a curator's return comment, a facilitator's
/// takeaway) with the whole pipeline: names, dates, places, numbers, and the names of the
/// organization it concerns. Dates in it become `[DATE]`-like placeholders relative to
/// the day it was written. Refuses as [`redact`] does.
pub fn redact_note(
    note: &str,
    rules: &RuleSet,
    org_names: &[String],
) -> Result<String, RedactionError> {
    let today = chrono::Utc::now().date_naive();
    let case = SubmittedCase {
        schema_version: "1".into(),
        external_ref: String::new(),
        closed_on: today,
        event: crate::case::Event {
            occurred_on: today,
            discovered_on: None,
            category: crate::case::Category::Other,
            harm: crate::case::Harm::None,
            setting: crate::case::Setting::Other,
            service: None,
            summary: note.to_owned(),
        },
        patient: Default::default(),
        people: Vec::new(),
        facility: None,
        communication: None,
        review: None,
        resolution: None,
        lessons_learned: String::new(),
        improvement_actions: Vec::new(),
    };
    Ok(redact_with(&case, rules, org_names)?.view.event.summary)
}

fn redact_unguarded(
    case: &SubmittedCase,
    rules: &RuleSet,
    org_names: &[String],
) -> Result<Redacted, RedactionError> {
    let fault = fault::armed_for(&case.external_ref);
    if fault == Some(fault::Fault::Panic) {
        fault::slice_panic(&case.event.summary);
    }
    let occurred = case.event.occurred_on;
    let day = |d: chrono::NaiveDate| (d - occurred).num_days();
    let age = case.patient.age_years.map(u32::from).or_else(|| {
        case.patient
            .birth_date
            .and_then(|b| occurred.years_since(b))
    });

    let mut people = People::default();
    let known = match fault {
        Some(fault::Fault::Matcher) => return Err(RedactionError::Matcher),
        _ => Known::build(case, rules, org_names, &mut people)
            .map_err(|_| RedactionError::Matcher)?,
    };
    let mut ctx = CaseContext {
        rules,
        known,
        people,
        occurred,
        birth: case.patient.birth_date,
    };
    // Detect in every field first, so that a name found in one field is known in all.
    // Format characters (a soft hyphen or zero-width space inside `Smi\u{ad}thers`) hide
    // a word from every matcher; they are removed before matching and from the output.
    let fields: Vec<(TextField, std::borrow::Cow<'_, str>)> = case
        .text_fields()
        .into_iter()
        .map(|(field, t)| (field, strip_format_chars(t)))
        .collect();
    let mut detected = Vec::with_capacity(fields.len());
    for (_, t) in &fields {
        detected.push(stages::detect(t, &mut ctx));
    }
    let mut counts = BTreeMap::new();
    let mut flags = Vec::new();
    let mut redacted: Vec<(TextField, String)> = Vec::with_capacity(fields.len());
    for ((field, t), (mut spans, toks)) in fields.iter().zip(detected) {
        stages::remembered(&toks, &ctx, &mut spans);
        let out = stages::render_and_rescan(t, spans, &ctx, &mut counts);
        stages::flag_unknown_words(&out, rules, &field.path(), &mut flags);
        redacted.push((*field, out));
    }
    // The structure of the view, with every free-text field present but empty; the
    // registry then fills each with its redacted text, so that no field is left as given.
    let blank = String::new;

    let mut view = SharedView {
        id: None,
        event: SharedEvent {
            year: chrono::Datelike::year(&occurred),
            category: case.event.category,
            harm: case.event.harm,
            setting: case.event.setting,
            service: case.event.service.as_ref().map(|_| blank()),
            summary: blank(),
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
            disclosed_by_role: c.disclosed_by_role.as_ref().map(|_| blank()),
            apology: c.apology,
            notes: c.notes.as_ref().map(|_| blank()),
        }),
        review: case.review.as_ref().map(|r| SharedReview {
            method: r.method,
            standard_of_care_met: r.standard_of_care_met,
            contributing_factors: r.contributing_factors.clone(),
            findings: r.findings.as_ref().map(|_| blank()),
        }),
        resolution: case.resolution.as_ref().map(|r| SharedResolution {
            loop_closed_with_family: r.loop_closed_with_family,
            compensation: r.compensation,
            clinician_support_offered: r.clinician_support_offered,
            notes: r.notes.as_ref().map(|_| blank()),
        }),
        lessons_learned: blank(),
        improvement_actions: case
            .improvement_actions
            .iter()
            .map(|a| SharedAction {
                description: blank(),
                strength: a.strength,
                status: a.status,
                due_day: a.due_on.map(day),
            })
            .collect(),
        roles: vec![blank(); case.people.len()],
        redaction: RedactionSummary {
            rule_set_version: rules.version().to_owned(),
            pipeline_version: PIPELINE_VERSION.to_owned(),
            counts: counts.clone(),
            manual: 0,
        },
        safe_table_takeaways: Vec::new(),
    };
    for (field, text) in redacted {
        // Every field the case has, the view has (the same registry built both lists).
        let slot = view.text_mut(field).ok_or(RedactionError::Failed)?;
        *slot = text;
    }
    Ok(Redacted {
        view,
        report: RedactionReport {
            rule_set_version: rules.version().to_owned(),
            counts,
            flags,
        },
    })
}

/// How a `safetable redact` run went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamOutcome {
    /// Lines read.
    pub lines: u64,
    /// Lines that failed validation (each became `{"error": …}`).
    pub errors: u64,
    /// Valid cases the pipeline refused ([`RedactionError`]; each became `{"error": …}`).
    pub refused: u64,
}

/// Streams JSON Lines of submitted cases to JSON Lines of shared views, one output line
/// per input line, in order, in constant memory. A line that fails validation becomes
/// `{"error": "…"}` naming the field path, never its content; a case the pipeline refuses
/// becomes `{"error": "…"}` saying why, never a view.
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
            Ok(case) => match redact(&case, rules) {
                Ok(redacted) => serde_json::to_writer(&mut output, &redacted.view)?,
                Err(e) => {
                    outcome.refused += 1;
                    serde_json::to_writer(
                        &mut output,
                        &serde_json::json!({ "error": e.to_string() }),
                    )?;
                }
            },
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
