//! Contribution and curation: submit, read, list, publish, return, redact by hand,
//! withdraw. The one place that decides who may do which of these to which case.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::audit::{AuditAction, AuditEvent};
use crate::auth::{Action, Principal};
use crate::case::{CaseId, CaseStatus, FieldError, FieldSelector, ReturnComment, SharedView};
use crate::error::AppError;
use crate::follow::Nudge;
use crate::intake::Intake;
use crate::store::{CaseFilter, CaseOrder, CaseSummary, SubmitOutcome};

/// Contribution and curation of cases.
#[derive(Clone)]
pub struct CaseService {
    pub(super) intake: Intake,
    pub(super) nudge: Nudge,
}

/// The answer to a submission.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Submitted {
    #[schema(value_type = String)]
    pub id: CaseId,
    pub status: CaseStatus,
    /// Replacements by category (`NAME`, `DATE`, …); never the values.
    pub redaction: BTreeMap<String, u32>,
    /// True when a returned case with the same number was replaced.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replaced: bool,
}

/// Most cases one uploaded file may hold.
pub const MAX_UPLOAD_LINES: usize = 1000;

/// What became of one line of an uploaded file.
#[derive(Debug)]
pub struct LineOutcome {
    /// From 1.
    pub line: usize,
    pub result: LineResult,
}

#[derive(Debug)]
pub enum LineResult {
    Accepted {
        id: CaseId,
        replaced: bool,
    },
    /// The organization sent this `external_ref` before.
    Duplicate,
    /// Why the line was refused: the message, and the field paths with what each needs.
    Refused {
        message: String,
        fields: Vec<FieldError>,
    },
}

/// A case as one caller may see it: the shared view, and for its own organization and
/// curators the workflow status; for curators the redaction report too.
#[derive(Debug, Serialize)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub view: SharedView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<CaseStatus>,
    /// The curator's comment when the case was returned (already redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redaction_report: Option<serde_json::Value>,
}

/// Which cases to list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<CaseStatus>,
    /// The caller's organization's own case number.
    pub external_ref: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// Newest first unless asked (the curators' queue lists the oldest first).
    pub order: CaseOrder,
}

impl ListQuery {
    /// The most rows one page holds.
    pub const MAX_LIMIT: i64 = 1000;
    /// Rows in a page when no limit is asked.
    pub const DEFAULT_LIMIT: i64 = 100;
    /// The deepest page start.
    pub const MAX_OFFSET: i64 = 1_000_000_000;

    /// Parses query parameters; an unknown or repeated parameter, or a bad value, is a
    /// [`AppError::BadQuery`] naming it.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, AppError> {
        crate::params::Accepted {
            single: &["status", "external_ref", "limit", "offset"],
            repeatable: &[],
        }
        .check(pairs)
        .map_err(AppError::BadQuery)?;
        let number = |name: &str, value: &str, range| {
            crate::params::whole_number(name, value, range)
                .map_err(AppError::BadQuery)
                .map(|n| i64::try_from(n).unwrap_or(i64::MAX))
        };
        let mut q = ListQuery::default();
        for (key, value) in pairs {
            match key.as_str() {
                "status" => {
                    q.status = Some(CaseStatus::parse(value).ok_or_else(|| {
                        AppError::BadQuery(
                            "status must be one of in_review, published, returned".into(),
                        )
                    })?)
                }
                "limit" => q.limit = Some(number("limit", value, 1..=Self::MAX_LIMIT as usize)?),
                "offset" => {
                    q.offset = Some(number("offset", value, 0..=Self::MAX_OFFSET as usize)?)
                }
                _ => {
                    // "external_ref", the one name left that `check` lets through.
                    if value.is_empty() || value.chars().count() > 64 {
                        return Err(AppError::BadQuery(
                            "external_ref must have 1 to 64 characters".into(),
                        ));
                    }
                    q.external_ref = Some(value.clone())
                }
            }
        }
        Ok(q)
    }
}

/// A curator's manual redaction, as asked.
#[derive(Debug, Clone)]
pub struct ManualRedaction {
    /// The shared-view field where the identifier was seen, e.g. `event.summary`.
    pub field: String,
    /// The text to remove: every occurrence in every field is replaced.
    pub text: String,
    /// The placeholder, e.g. `[PHYSICIAN-C]`.
    pub placeholder: String,
}

impl ManualRedaction {
    /// The selected field, or every problem with the request.
    fn check(&self) -> Result<FieldSelector, AppError> {
        let field = FieldSelector::parse(&self.field);
        let p = &self.placeholder;
        let placeholder_ok = p.len() <= 40
            && p.len() >= 3
            && p.starts_with('[')
            && p.ends_with(']')
            && p[1..p.len() - 1].chars().all(|c| {
                c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '+' | ' ')
            });
        let mut fields = Vec::new();
        if field.is_none() {
            fields.push(FieldError {
                path: "field".into(),
                problem: format!("must be one of: {}", FieldSelector::forms().join(", ")),
            });
        }
        if self.text.trim().is_empty() || self.text.chars().count() > 500 {
            fields.push(FieldError {
                path: "text".into(),
                problem: "must have 1 to 500 characters".into(),
            });
        }
        if !placeholder_ok {
            fields.push(FieldError {
                path: "placeholder".into(),
                problem: "must look like [UPPER-CASE], e.g. [PHYSICIAN-C]".into(),
            });
        }
        match field {
            Some(f) if fields.is_empty() => Ok(f),
            _ => Err(AppError::Schema {
                message: "the manual redaction is not valid".into(),
                fields,
            }),
        }
    }
}

impl CaseService {
    /// Submits one case body (parsed, validated, redacted, sealed, stored in review).
    pub fn submit(&self, who: &Principal, body: &[u8]) -> Result<Submitted, AppError> {
        who.require(Action::SubmitCase)?;
        let prepared = self.intake.prepare(who.org, body)?;
        let outcome = self.intake.store_prepared(&prepared, &who.actor(), false)?;
        let (id, replaced) = match outcome {
            SubmitOutcome::Created(id) => (id, false),
            SubmitOutcome::Replaced(id) => (id, true),
            SubmitOutcome::Duplicate(_) | SubmitOutcome::Conflict(_) => {
                return Err(AppError::Conflict(
                    "your organization already submitted a case with this external_ref".into(),
                ))
            }
        };
        Ok(Submitted {
            id,
            status: CaseStatus::InReview,
            redaction: prepared.counts,
            replaced,
        })
    }

    /// Submits a JSON Lines file, one case per line, each on its own: a bad line refuses
    /// that line alone. Blank lines are skipped; at most [`MAX_UPLOAD_LINES`] cases.
    pub fn submit_lines(&self, who: &Principal, body: &[u8]) -> Result<Vec<LineOutcome>, AppError> {
        who.require(Action::SubmitCase)?;
        let mut outcomes = Vec::new();
        for (i, line) in body.split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if outcomes.len() >= MAX_UPLOAD_LINES {
                return Err(AppError::TooLarge(format!(
                    "a file holds at most {MAX_UPLOAD_LINES} cases; split it, or use `safetable import`"
                )));
            }
            let result = match self.submit(who, line) {
                Ok(s) => LineResult::Accepted {
                    id: s.id,
                    replaced: s.replaced,
                },
                Err(AppError::Conflict(_)) => LineResult::Duplicate,
                Err(AppError::Internal(detail)) => return Err(AppError::Internal(detail)),
                Err(AppError::Unavailable(m)) => return Err(AppError::Unavailable(m)),
                Err(e @ AppError::Schema { .. }) => {
                    let fields = match &e {
                        AppError::Schema { fields, .. } => fields.clone(),
                        _ => Vec::new(),
                    };
                    LineResult::Refused {
                        message: e.to_string(),
                        fields,
                    }
                }
                Err(e) => LineResult::Refused {
                    message: e.to_string(),
                    fields: Vec::new(),
                },
            };
            outcomes.push(LineOutcome {
                line: i + 1,
                result,
            });
        }
        Ok(outcomes)
    }

    /// One case as the caller may see it; audited. A case the caller may not see does
    /// not exist for them (404, not 403).
    pub fn get(&self, who: &Principal, id: &CaseId) -> Result<CaseDetail, AppError> {
        let store = &self.intake.store;
        let record = store.case(id)?.ok_or(AppError::NotFound("case"))?;
        if !who.may_see_case(record.org, record.status) {
            return Err(AppError::NotFound("case"));
        }
        store.audit(&AuditEvent::new(
            who.actor(),
            AuditAction::CaseView,
            Some(id.to_string()),
        ))?;
        let own = who.may_see_status(record.org);
        Ok(CaseDetail {
            view: record.view,
            status: own.then_some(record.status),
            return_comment: record.return_comment.filter(|_| own),
            redaction_report: who
                .may(Action::Curate)
                .then(|| serde_json::from_str(&record.report_json).ok())
                .flatten(),
        })
    }

    /// Cases the caller may list: curators every organization's, a contributor its own.
    pub fn list(&self, who: &Principal, query: &ListQuery) -> Result<Vec<CaseSummary>, AppError> {
        who.require(Action::ListCases)?;
        let mut filter = CaseFilter {
            limit: query.limit.unwrap_or(ListQuery::DEFAULT_LIMIT),
            offset: query.offset.unwrap_or(0),
            status: query.status,
            order: query.order,
            ..CaseFilter::default()
        };
        if !who.may(Action::Curate) {
            filter.org = Some(who.org);
        }
        if let Some(reference) = &query.external_ref {
            // The number is known only as a keyed digest per organization.
            filter.org = Some(who.org);
            filter.ref_digest = Some(self.intake.ref_digest(who.org, reference));
        }
        let store = &self.intake.store;
        let rows = store.list_cases(&filter)?;
        store.audit(&AuditEvent::new(who.actor(), AuditAction::CaseList, None))?;
        Ok(rows)
    }

    /// Publishes a case in review (curators).
    pub fn publish(&self, who: &Principal, id: &CaseId) -> Result<CaseStatus, AppError> {
        who.require(Action::Curate)?;
        let event = AuditEvent::new(who.actor(), AuditAction::Publish, Some(id.to_string()));
        self.move_to(id, CaseStatus::Published, None, &event)?;
        self.nudge.nudge();
        Ok(CaseStatus::Published)
    }

    /// Returns a case in review to its organization (curators). The comment is required;
    /// it is curator free text about an identifiable case, so it goes through the
    /// redaction pipeline (with the organization's names) before it is stored.
    pub fn return_to_org(
        &self,
        who: &Principal,
        id: &CaseId,
        comment: Option<&str>,
    ) -> Result<CaseStatus, AppError> {
        who.require(Action::Curate)?;
        let comment = ReturnComment::parse(comment).map_err(|e| AppError::Schema {
            message: format!("{}: {}", e.path, e.problem),
            fields: vec![e],
        })?;
        let record = self
            .intake
            .store
            .case(id)?
            .ok_or(AppError::NotFound("case"))?;
        let redacted = self.intake.redact_note(record.org, comment.as_str())?;
        let event = AuditEvent::new(who.actor(), AuditAction::Return, Some(id.to_string()));
        self.move_to(id, CaseStatus::Returned, Some(&redacted), &event)?;
        Ok(CaseStatus::Returned)
    }

    fn move_to(
        &self,
        id: &CaseId,
        to: CaseStatus,
        comment: Option<&str>,
        event: &AuditEvent,
    ) -> Result<(), AppError> {
        let from = CaseStatus::sources_of(to);
        Ok(self
            .intake
            .store
            .transition(id, &from, to, comment, event)?)
    }

    /// Applies a curator's manual redaction to a case in review; returns how many
    /// occurrences were replaced. Text that does not occur in the named field is refused
    /// (422), and text inside an existing placeholder is never rewritten.
    pub fn add_redaction(
        &self,
        who: &Principal,
        id: &CaseId,
        redaction: &ManualRedaction,
    ) -> Result<usize, AppError> {
        who.require(Action::Curate)?;
        let field = redaction.check()?;
        let event = AuditEvent::new(
            who.actor(),
            AuditAction::ManualRedaction,
            Some(id.to_string()),
        )
        .with_detail(
            serde_json::json!({ "field": field.path(), "placeholder": redaction.placeholder }),
        );
        Ok(self.intake.store.add_manual_redaction(
            id,
            field,
            &redaction.text,
            &redaction.placeholder,
            who.user,
            &event,
        )?)
    }

    /// Withdraws a case: removed from the index and the shared store, its ciphertext
    /// destroyed. Curators any case; a contributor its own organization's.
    pub fn withdraw(&self, who: &Principal, id: &CaseId) -> Result<(), AppError> {
        who.require(Action::Withdraw)?;
        let store = &self.intake.store;
        let record = store.case(id)?.ok_or(AppError::NotFound("case"))?;
        if !who.may_withdraw(record.org) || !record.status.may_become(CaseStatus::Withdrawn) {
            // Another organization's case does not exist for a contributor.
            return Err(AppError::NotFound("case"));
        }
        let event = AuditEvent::new(who.actor(), AuditAction::Withdraw, Some(id.to_string()));
        store.withdraw(id, &event)?;
        self.nudge.nudge();
        Ok(())
    }
}
