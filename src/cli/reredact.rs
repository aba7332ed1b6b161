//! `safetable reredact --identity FILE`: the current pipeline over the sealed originals.
//!
//! A custodian runs it after the rules or the pipeline changed. Each original is decrypted
//! in memory only, redacted again and compared with its stored view; a view that changed
//! is replaced. A published case in which the new view found an identifier the old one
//! missed goes back to review (and out of search). Every case gets an audit entry. Cases a
//! curator redacted by hand are left alone and counted: their manual redactions (whose
//! text is never kept) could not be carried over.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use super::CliError;
use crate::audit::{AuditAction, AuditEvent};
use crate::case::{parse_case, CaseStatus, SharedView};
use crate::config::Settings;
use crate::redaction::{self, RuleSet};
use crate::seal::CustodianIdentity;
use crate::store::{CaseFilter, CaseOrder, Store};

/// What a run did, by case.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReredactSummary {
    pub seen: usize,
    pub unchanged: usize,
    pub updated: usize,
    pub back_to_review: usize,
    pub skipped_manual: usize,
    pub failed: usize,
}

/// Whether `new` replaced something that `old` left: a category whose count grew.
fn found_more(old: &BTreeMap<String, u32>, new: &BTreeMap<String, u32>) -> bool {
    new.iter()
        .any(|(k, n)| *n > old.get(k).copied().unwrap_or(0))
}

pub fn reredact(settings: &Settings, identity: &Path) -> Result<ExitCode, CliError> {
    let identity = CustodianIdentity::from_file(identity)?;
    let rules = match &settings.rules_dir {
        Some(dir) => RuleSet::load(dir).map_err(|e| CliError(format!("rules_dir: {e}")))?,
        None => RuleSet::embedded(),
    };
    let store = Store::open(&settings.database_url)?;
    // Every case that is not withdrawn, oldest pages first.
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let page = store.list_cases(&CaseFilter {
            limit: 1000,
            offset,
            order: CaseOrder::OldestFirst,
            ..CaseFilter::default()
        })?;
        if page.is_empty() {
            break;
        }
        offset += i64::try_from(page.len()).unwrap_or(i64::MAX);
        ids.extend(page.into_iter().map(|c| c.id));
    }
    let bar = ProgressBar::new(ids.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} cases, {per_sec}, eta {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut summary = ReredactSummary::default();
    for id in &ids {
        summary.seen += 1;
        bar.inc(1);
        let outcome = reredact_one(&store, &rules, &identity, id);
        match outcome {
            Ok(Outcome::Unchanged) => summary.unchanged += 1,
            Ok(Outcome::Updated) => summary.updated += 1,
            Ok(Outcome::BackToReview) => {
                summary.updated += 1;
                summary.back_to_review += 1;
            }
            Ok(Outcome::SkippedManual) => summary.skipped_manual += 1,
            Err(e) => {
                summary.failed += 1;
                // The case number and the kind of failure only: never case text.
                bar.println(format!("case {id}: {}", e.0));
            }
        }
    }
    bar.finish_and_clear();
    println!(
        "reredact: {} cases, {} unchanged, {} updated ({} back in review), {} with manual \
         redactions left for a curator, {} failed",
        summary.seen,
        summary.unchanged,
        summary.updated,
        summary.back_to_review,
        summary.skipped_manual,
        summary.failed
    );
    Ok(if summary.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

enum Outcome {
    Unchanged,
    Updated,
    BackToReview,
    SkippedManual,
}

fn reredact_one(
    store: &Store,
    rules: &RuleSet,
    identity: &CustodianIdentity,
    id: &crate::case::CaseId,
) -> Result<Outcome, CliError> {
    let record = store
        .case(id)?
        .ok_or_else(|| CliError("withdrawn meanwhile".into()))?;
    let event = |detail: serde_json::Value| {
        AuditEvent::new(
            super::admin::CLI_ACTOR,
            AuditAction::Reredact,
            Some(id.to_string()),
        )
        .with_detail(detail)
    };
    if record.view.redaction.manual > 0 {
        store.audit(&event(serde_json::json!({ "outcome": "skipped_manual" })))?;
        return Ok(Outcome::SkippedManual);
    }
    let sealed = store
        .sealed_original(id)?
        .ok_or_else(|| CliError("no sealed original".into()))?;
    // Decrypted in memory only, and dropped at the end of this function.
    let plaintext = identity.unseal(&sealed)?;
    let case = parse_case(&plaintext)
        .map_err(|e| CliError(format!("the original no longer validates ({e})")))?;
    let org_names: Vec<String> = store
        .org_by_id(record.org)?
        .map(|o| vec![o.name])
        .unwrap_or_default();
    let redacted = redaction::redact_with(&case, rules, &org_names)
        .map_err(|e| CliError(format!("the pipeline refused it ({e})")))?;
    let mut view: SharedView = redacted.view;
    view.id = record.view.id.clone();
    if view == record.view {
        store.audit(&event(serde_json::json!({ "outcome": "unchanged" })))?;
        return Ok(Outcome::Unchanged);
    }
    let more = found_more(&record.view.redaction.counts, &view.redaction.counts);
    let report_json = serde_json::to_string(&redacted.report)?;
    let outcome = if more && record.status == CaseStatus::Published {
        "back_to_review"
    } else {
        "updated"
    };
    let status = store.replace_view(
        id,
        &view,
        &report_json,
        more,
        &event(serde_json::json!({
            "outcome": outcome,
            "rule_set_version": view.redaction.rule_set_version,
            "pipeline_version": view.redaction.pipeline_version,
        })),
    )?;
    Ok(
        if more && record.status == CaseStatus::Published && status == CaseStatus::InReview {
            Outcome::BackToReview
        } else {
            Outcome::Updated
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_means_a_category_count_grew() {
        let old: BTreeMap<String, u32> = [("NAME".to_owned(), 2)].into();
        let same = old.clone();
        let grown: BTreeMap<String, u32> = [("NAME".to_owned(), 3)].into();
        let new_kind: BTreeMap<String, u32> =
            [("NAME".to_owned(), 2), ("DATE".to_owned(), 1)].into();
        let fewer: BTreeMap<String, u32> = [("NAME".to_owned(), 1)].into();
        assert!(!found_more(&old, &same));
        assert!(found_more(&old, &grown));
        assert!(found_more(&old, &new_kind));
        assert!(!found_more(&old, &fewer));
    }
}
