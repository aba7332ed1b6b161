//! Contribution and curation of cases.

use std::collections::{BTreeMap, HashMap};

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::case_id;
use crate::audit::{AuditAction, AuditEvent};
use crate::auth::Action;
use crate::case::{CaseId, CaseStatus, ReturnComment, MAX_BODY_BYTES};
use crate::error::AppError;
use crate::store::{CaseFilter, SubmitOutcome};
use crate::web::body::{parse_json, read_json, read_limited};
use crate::web::{AppState, Authenticated};

/// The answer to a submission.
#[derive(Serialize, utoipa::ToSchema)]
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

/// Submit one closed case (spec/case.schema.json).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases",
    request_body(content = Object, description = "a case per spec/case.schema.json"),
    responses(
        (status = 201, body = Submitted),
        (status = 400, body = crate::error::ErrorBody, description = "malformed JSON or invalid UTF-8"),
        (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "duplicate external_ref"),
        (status = 413, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "schema violation (`schema`, with field paths), or a case the redaction pipeline refused (`redaction_failed`; nothing is stored)"),
    ))]
pub async fn submit(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    who.require(Action::SubmitCase)?;
    let body = read_limited(payload, MAX_BODY_BYTES).await?;
    let (outcome, counts) = web::block(move || -> Result<_, AppError> {
        let prepared = state.repo.prepare(who.org, &body)?;
        let outcome = state.repo.store_prepared(&prepared, &who.actor(), false)?;
        Ok((outcome, prepared.counts))
    })
    .await??;
    let (id, replaced) = match outcome {
        SubmitOutcome::Created(id) => (id, false),
        SubmitOutcome::Replaced(id) => (id, true),
        SubmitOutcome::Duplicate(_) | SubmitOutcome::Conflict(_) => {
            return Err(AppError::Conflict(
                "your organization already submitted a case with this external_ref".into(),
            ))
        }
    };
    Ok(HttpResponse::Created().json(Submitted {
        id,
        status: CaseStatus::InReview,
        redaction: counts,
        replaced,
    }))
}

/// The shared view of a case (with `status` for its own organization and curators).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = SharedView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_case(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path)?;
    let body = web::block(move || -> Result<serde_json::Value, AppError> {
        let store = &state.repo.store;
        let record = store.case(&id)?.ok_or(AppError::NotFound("case"))?;
        // A case the caller may not see does not exist for them.
        if !who.may_see_case(record.org, record.status) {
            return Err(AppError::NotFound("case"));
        }
        store.audit(&AuditEvent::new(
            who.actor(),
            AuditAction::CaseView,
            Some(id.to_string()),
        ))?;
        let mut body =
            serde_json::to_value(&record.view).map_err(|e| AppError::Internal(e.to_string()))?;
        if who.may_see_status(record.org) {
            body["status"] = serde_json::json!(record.status);
            if let Some(comment) = record.return_comment {
                body["return_comment"] = comment.into();
            }
        }
        if who.may(Action::Curate) {
            body["redaction_report"] =
                serde_json::from_str(&record.report_json).unwrap_or(serde_json::Value::Null);
        }
        Ok(body)
    })
    .await??;
    Ok(HttpResponse::Ok().json(body))
}

/// List cases: curators all, contributors their organization's.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    params(
        ("status" = Option<String>, Query, description = "in_review, published or returned"),
        ("external_ref" = Option<String>, Query, description = "your organization's own case number"),
        ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query),
    ),
    responses((status = 200, body = [CaseSummary])))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    who.require(Action::ListCases)?;
    let q = query.into_inner();
    let mut filter = CaseFilter {
        limit: 100,
        ..CaseFilter::default()
    };
    for (key, value) in &q {
        match key.as_str() {
            "status" => {
                filter.status = Some(CaseStatus::parse(value).ok_or_else(|| {
                    AppError::BadQuery(
                        "status must be one of in_review, published, returned".into(),
                    )
                })?)
            }
            "limit" => {
                filter.limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=1000).contains(l))
                    .ok_or_else(|| {
                        AppError::BadQuery("limit must be a whole number from 1 to 1000".into())
                    })?
            }
            "offset" => {
                filter.offset = value.parse().ok().filter(|o| *o >= 0).ok_or_else(|| {
                    AppError::BadQuery("offset must be a whole number, 0 or more".into())
                })?
            }
            "external_ref" => {}
            _ => return Err(AppError::BadQuery(format!("unknown parameter `{key}`"))),
        }
    }
    // Curators see every organization's cases; everyone else their own.
    if !who.may(Action::Curate) {
        filter.org = Some(who.org);
    }
    if let Some(reference) = q.get("external_ref") {
        // The number is known only as a keyed digest per organization.
        filter.org = Some(who.org);
        filter.ref_digest = Some(state.repo.ref_digest(who.org, reference));
    }
    let rows = web::block(move || -> Result<_, AppError> {
        let rows = state.repo.store.list_cases(&filter)?;
        state
            .repo
            .store
            .audit(&AuditEvent::new(who.actor(), AuditAction::CaseList, None))?;
        Ok(rows)
    })
    .await??;
    Ok(HttpResponse::Ok().json(rows))
}

async fn transition(
    state: web::Data<AppState>,
    who: crate::auth::Principal,
    id: CaseId,
    from: &'static [CaseStatus],
    to: CaseStatus,
    comment: Option<String>,
    event: AuditEvent,
) -> Result<HttpResponse, AppError> {
    who.require(Action::Curate)?;
    let s = state.clone();
    let id2 = id.clone();
    web::block(move || {
        s.repo
            .store
            .transition(&id2, from, to, comment.as_deref(), &event)
    })
    .await??;
    if to == CaseStatus::Published {
        state.follower.nudge();
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "id": id, "status": to })))
}

/// Publish a case in review (curators).
#[utoipa::path(post, path = "/api/v1/cases/{id}/publish", tag = "cases",
    params(("id" = String, Path)),
    responses((status = 200), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn publish(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path)?;
    let event = AuditEvent::new(who.actor(), AuditAction::Publish, Some(id.to_string()));
    transition(
        state,
        who,
        id,
        &[CaseStatus::InReview],
        CaseStatus::Published,
        None,
        event,
    )
    .await
}

#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    /// Why the case goes back to its organization (required). Must not contain
    /// identifiers.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Return a case in review to its organization with a comment (curators).
#[utoipa::path(post, path = "/api/v1/cases/{id}/return", tag = "cases",
    params(("id" = String, Path)), request_body = ReturnBody,
    responses((status = 200), (status = 409, body = crate::error::ErrorBody)))]
pub async fn return_case(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path)?;
    who.require(Action::Curate)?;
    let bytes = read_limited(payload, 64 * 1024).await?;
    // No body at all is a return without a comment, and is told so.
    let body: ReturnBody = if bytes.iter().all(u8::is_ascii_whitespace) {
        ReturnBody::default()
    } else {
        parse_json(&bytes)?
    };
    let comment = ReturnComment::parse(body.comment.as_deref()).map_err(|e| AppError::Schema {
        message: format!("{}: {}", e.path, e.problem),
        fields: vec![e],
    })?;
    let event = AuditEvent::new(who.actor(), AuditAction::Return, Some(id.to_string()));
    transition(
        state,
        who,
        id,
        &[CaseStatus::InReview],
        CaseStatus::Returned,
        Some(comment.as_str().to_owned()),
        event,
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactionBody {
    /// The shared-view field where the identifier was seen, e.g. `event.summary`.
    pub field: String,
    /// The text to remove: every occurrence in every field is replaced.
    pub text: String,
    /// The placeholder, e.g. `[PHYSICIAN-C]`, `[FACILITY]`.
    pub placeholder: String,
}

const FIELDS: &[&str] = &[
    "event.service",
    "event.summary",
    "communication.notes",
    "review.findings",
    "resolution.notes",
    "lessons_learned",
    "improvement_actions",
];

/// Add a manual redaction to a case in review (curators).
#[utoipa::path(post, path = "/api/v1/cases/{id}/redactions", tag = "cases",
    params(("id" = String, Path)), request_body = RedactionBody,
    responses((status = 200), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_redaction(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path)?;
    who.require(Action::Curate)?;
    let body: RedactionBody = read_json(payload, 64 * 1024).await?;
    let field_ok = FIELDS
        .iter()
        .any(|f| body.field == *f || body.field.starts_with(&format!("{f}[")));
    let placeholder_ok = body.placeholder.len() <= 40
        && body.placeholder.starts_with('[')
        && body.placeholder.ends_with(']')
        && body.placeholder[1..body.placeholder.len() - 1]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '+' | ' '));
    let mut fields = Vec::new();
    if !field_ok {
        fields.push(crate::case::FieldError {
            path: "field".into(),
            problem: format!("must be one of: {}", FIELDS.join(", ")),
        });
    }
    if body.text.trim().is_empty() || body.text.chars().count() > 500 {
        fields.push(crate::case::FieldError {
            path: "text".into(),
            problem: "must have 1 to 500 characters".into(),
        });
    }
    if !placeholder_ok {
        fields.push(crate::case::FieldError {
            path: "placeholder".into(),
            problem: "must look like [UPPER-CASE], e.g. [PHYSICIAN-C]".into(),
        });
    }
    if !fields.is_empty() {
        return Err(AppError::Schema {
            message: "the manual redaction is not valid".into(),
            fields,
        });
    }
    let replaced = web::block(move || {
        let event = AuditEvent::new(
            who.actor(),
            AuditAction::ManualRedaction,
            Some(id.to_string()),
        )
        .with_detail(serde_json::json!({ "field": body.field, "placeholder": body.placeholder }));
        state.repo.store.add_manual_redaction(
            &id,
            &body.field,
            &body.text,
            &body.placeholder,
            who.user,
            &event,
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "replaced": replaced })))
}

/// Withdraw a case: removed from the index and the shared store, ciphertext destroyed.
#[utoipa::path(delete, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path)?;
    who.require(Action::Withdraw)?;
    let s = state.clone();
    web::block(move || -> Result<(), AppError> {
        let store = &s.repo.store;
        let record = store.case(&id)?.ok_or(AppError::NotFound("case"))?;
        if !who.may_withdraw(record.org) {
            // Another organization's case does not exist for a contributor.
            return Err(AppError::NotFound("case"));
        }
        let event = AuditEvent::new(who.actor(), AuditAction::Withdraw, Some(id.to_string()));
        Ok(store.withdraw(&id, &event)?)
    })
    .await??;
    state.follower.nudge();
    Ok(HttpResponse::NoContent().finish())
}

use crate::case::SharedView;
use crate::store::CaseSummary;
