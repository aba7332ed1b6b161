//! Contribution and curation of cases: adapters over [`crate::service::CaseService`].

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::case_id;
use crate::case::{CaseStatus, MAX_BODY_BYTES};
use crate::error::AppError;
use crate::service::{ListQuery, ManualRedaction, Submitted};
use crate::web::body::{no_query, parse_json, query_pairs, read_json, read_limited, require_json};
use crate::web::{AppState, Authenticated};

/// Submit one closed case (spec/case.schema.json).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases",
    request_body(content = Object, description = "a case per spec/case.schema.json", content_type = "application/json"),
    responses(
        (status = 201, body = Submitted),
        (status = 400, body = crate::error::ErrorBody, description = "malformed JSON or invalid UTF-8"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "duplicate external_ref"),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "schema violation (`schema`, with field paths), or a case the redaction pipeline refused (`redaction_failed`; nothing is stored)"),
    ))]
pub async fn submit(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    who.require(crate::auth::Action::SubmitCase)?;
    let body = read_limited(payload, MAX_BODY_BYTES).await?;
    require_json(&req, &body)?;
    let submitted = web::block(move || state.cases.submit(&who, &body)).await??;
    Ok(HttpResponse::Created().json(submitted))
}

/// The shared view of a case (with `status` for its own organization and curators).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = "case id")),
    responses(
        (status = 200, body = SharedView),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_case(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let id = case_id(&path)?;
    let detail = web::block(move || state.cases.get(&who, &id)).await??;
    Ok(HttpResponse::Ok().json(detail))
}

/// List cases: curators all, contributors their organization's.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    params(
        ("status" = Option<CaseStatus>, Query, description = "in_review, published or returned"),
        ("external_ref" = Option<String>, Query, min_length = 1, max_length = 64, description = "your organization's own case number"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000), ("offset" = Option<i64>, Query, minimum = 0, maximum = 1000000000),
    ),
    responses(
        (status = 200, body = [CaseSummary]),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = ListQuery::from_pairs(&query_pairs(&req)?)?;
    let rows = web::block(move || state.cases.list(&who, &query)).await??;
    Ok(HttpResponse::Ok().json(rows))
}

/// A case's id and its status after a change.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct StatusBody {
    #[schema(value_type = String, pattern = "^[0-9a-f]{32}$")]
    pub id: crate::case::CaseId,
    pub status: CaseStatus,
}

/// How many occurrences a manual redaction replaced.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ReplacedBody {
    pub replaced: usize,
}

fn status_body(id: &crate::case::CaseId, status: CaseStatus) -> HttpResponse {
    HttpResponse::Ok().json(StatusBody {
        id: id.clone(),
        status,
    })
}

/// Publish a case in review (curators).
#[utoipa::path(post, path = "/api/v1/cases/{id}/publish", tag = "cases",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "the case id and its new status", body = StatusBody),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn publish(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let id = case_id(&path)?;
    let (id, status) = web::block(move || {
        let status = state.cases.publish(&who, &id)?;
        Ok::<_, AppError>((id, status))
    })
    .await??;
    Ok(status_body(&id, status))
}

#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    /// Why the case goes back to its organization (required, 1 to 10,000 characters).
    /// It is redacted like case text before it is stored.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 10000, pattern = r"\S")]
    pub comment: Option<String>,
}

/// Return a case in review to its organization with a comment (curators).
#[utoipa::path(post, path = "/api/v1/cases/{id}/return", tag = "cases",
    params(("id" = String, Path)), request_body = ReturnBody,
    responses(
        (status = 200, description = "the case id and its new status", body = StatusBody),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "no comment, or one too long")))]
pub async fn return_case(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let id = case_id(&path)?;
    who.require(crate::auth::Action::Curate)?;
    let bytes = read_limited(payload, 64 * 1024).await?;
    require_json(&req, &bytes)?;
    // No body at all is a return without a comment, and is told so.
    let body: ReturnBody = if bytes.iter().all(u8::is_ascii_whitespace) {
        ReturnBody::default()
    } else {
        parse_json(&bytes)?
    };
    let (id, status) = web::block(move || {
        let status = state
            .cases
            .return_to_org(&who, &id, body.comment.as_deref())?;
        Ok::<_, AppError>((id, status))
    })
    .await??;
    Ok(status_body(&id, status))
}

/// The schema of a manual redaction's `field`: every form the registry of free-text
/// fields accepts.
fn field_selector_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(crate::case::FieldSelector::pattern()))
        .description(Some(format!(
            "The shared-view field where the identifier was seen: {} (N an index from 0).",
            crate::case::FieldSelector::forms().join(", ")
        )))
        .build()
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactionBody {
    /// The shared-view field where the identifier was seen (the forms and pattern come
    /// from the registry of free-text fields, [`crate::case::FieldSelector`]).
    #[schema(schema_with = field_selector_schema)]
    pub field: String,
    /// The text to remove: every occurrence in every field is replaced, but never inside
    /// an existing placeholder.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub text: String,
    /// The placeholder, e.g. `[PHYSICIAN-C]`, `[FACILITY]`.
    #[schema(pattern = r"^\[[A-Z0-9 +\-]+\]$", max_length = 40)]
    pub placeholder: String,
}

/// Add a manual redaction to a case in review (curators).
#[utoipa::path(post, path = "/api/v1/cases/{id}/redactions", tag = "cases",
    params(("id" = String, Path)), request_body = RedactionBody,
    responses(
        (status = 200, description = "how many occurrences were replaced", body = ReplacedBody),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_redaction(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let id = case_id(&path)?;
    who.require(crate::auth::Action::Curate)?;
    let body: RedactionBody = read_json(&req, payload, 64 * 1024).await?;
    let redaction = ManualRedaction {
        field: body.field,
        text: body.text,
        placeholder: body.placeholder,
    };
    let replaced = web::block(move || state.cases.add_redaction(&who, &id, &redaction)).await??;
    Ok(HttpResponse::Ok().json(ReplacedBody { replaced }))
}

/// Withdraw a case: removed from the index and the shared store, ciphertext destroyed.
#[utoipa::path(delete, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = String, Path)),
    responses(
        (status = 204),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let id = case_id(&path)?;
    web::block(move || state.cases.withdraw(&who, &id)).await??;
    Ok(HttpResponse::NoContent().finish())
}

use crate::case::SharedView;
use crate::store::CaseSummary;
