//! Safe-table discussions: adapters over [`crate::discussion::DiscussionService`].
//!
//! Faculty and curators create and edit; members of an invited organization read a
//! published discussion after accepting its confidentiality statement (403
//! `attestation_required` until then); anyone else gets 404, whatever the discussion.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::case::{CaseId, SharedView, UserId};
use crate::discussion::{
    Access, DiscussionBody, DiscussionDetail, DiscussionId, DiscussionStatus, Invitees,
    ListedDiscussion, TakeawaysInput,
};
use crate::error::AppError;
use crate::web::body::{no_query, read_json, read_limited, require_json};
use crate::web::{AppState, Authenticated};

/// Largest body a discussion endpoint reads.
const BODY_LIMIT: usize = 256 * 1024;

/// A discussion id from the path; anything else names no discussion.
pub(crate) fn discussion_id(raw: &str) -> Result<DiscussionId, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(DiscussionId::new)
        .ok_or(AppError::NotFound("discussion"))
}

fn case_in_path(raw: &str) -> Result<CaseId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound("case in this discussion"))
}

fn rfc3339(t: &chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What the caller may do.
#[derive(Serialize, utoipa::ToSchema)]
pub struct YouBody {
    /// Faculty and curators manage every discussion.
    pub manages: bool,
    /// When the caller accepted the confidentiality statement (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attested_at: Option<String>,
    /// Whether the caller's attendance is recorded.
    pub attended: bool,
}

impl From<Access> for YouBody {
    fn from(a: Access) -> Self {
        match a {
            Access::Manage => YouBody {
                manages: true,
                attested_at: None,
                attended: false,
            },
            Access::Participant { attested, attended } => YouBody {
                manages: false,
                attested_at: attested.as_ref().map(rfc3339),
                attended,
            },
        }
    }
}

/// A discussion in a list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DiscussionListItem {
    pub id: i64,
    pub title: String,
    /// The start, RFC 3339 in UTC.
    pub starts_at: String,
    /// The start as the session's time zone reads it, with the zone.
    pub when: String,
    pub time_zone: String,
    pub status: DiscussionStatus,
    pub cases: usize,
    pub you: YouBody,
}

impl From<ListedDiscussion> for DiscussionListItem {
    fn from(l: ListedDiscussion) -> Self {
        let d = l.discussion;
        DiscussionListItem {
            id: d.id.get(),
            title: d.title.clone(),
            starts_at: rfc3339(&d.starts_at),
            when: d.when(),
            time_zone: d.time_zone.name().to_owned(),
            status: d.status,
            cases: l.cases,
            you: l.access.into(),
        }
    }
}

/// An invited organization (shown to faculty and curators only).
#[derive(Serialize, utoipa::ToSchema)]
pub struct InvitedOrg {
    pub id: i64,
    pub name: String,
}

/// A case of the discussion, in agenda order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DiscussionCaseBody {
    /// 1-based place in the agenda.
    pub position: usize,
    #[schema(value_type = String)]
    pub case_id: CaseId,
    pub questions: Vec<String>,
    /// This discussion's takeaways for the case (faculty, curators, and members who
    /// attended).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub takeaways: Option<String>,
    pub view: SharedView,
}

/// Someone who accepted the statement (faculty and curators only).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ParticipantBody {
    pub user_id: i64,
    pub email: String,
    pub organization: String,
    pub attested_at: String,
    pub attended: bool,
}

/// A whole discussion as the caller may see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DiscussionResponse {
    pub id: i64,
    pub title: String,
    /// RFC 3339, UTC.
    pub starts_at: String,
    /// RFC 3339, UTC.
    pub ends_at: String,
    /// The local start in `time_zone`, `YYYY-MM-DDTHH:MM`.
    pub local_start: String,
    pub time_zone: String,
    pub when: String,
    pub duration_minutes: u32,
    pub description: String,
    pub status: DiscussionStatus,
    /// Faculty and curators only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facilitator_notes: Option<String>,
    pub invite_all: bool,
    /// Faculty and curators only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invited_orgs: Vec<InvitedOrg>,
    pub cases: Vec<DiscussionCaseBody>,
    /// Faculty, curators, and members who attended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overall_takeaways: Option<String>,
    /// What the facilitator must know (a case withdrawn); faculty and curators only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<ParticipantBody>,
    pub you: YouBody,
}

impl From<DiscussionDetail> for DiscussionResponse {
    fn from(detail: DiscussionDetail) -> Self {
        let d = detail.discussion;
        let manages = detail.access.manages();
        DiscussionResponse {
            id: d.id.get(),
            title: d.title.clone(),
            starts_at: rfc3339(&d.starts_at),
            ends_at: rfc3339(&d.ends_at()),
            local_start: d.local_start_input(),
            time_zone: d.time_zone.name().to_owned(),
            when: d.when(),
            duration_minutes: d.duration_minutes,
            description: d.description.clone(),
            status: d.status,
            facilitator_notes: manages.then(|| d.facilitator_notes.clone()),
            invite_all: d.invitees == Invitees::All,
            invited_orgs: detail
                .invited
                .into_iter()
                .map(|(id, name)| InvitedOrg { id: id.get(), name })
                .collect(),
            cases: detail
                .cases
                .into_iter()
                .enumerate()
                .map(|(i, c)| DiscussionCaseBody {
                    position: i + 1,
                    case_id: c.case_id,
                    questions: c.questions,
                    takeaways: c.takeaways,
                    view: c.view,
                })
                .collect(),
            overall_takeaways: d.overall_takeaways,
            notices: detail.notices.iter().map(|n| n.message()).collect(),
            participants: detail
                .participants
                .into_iter()
                .map(|p| ParticipantBody {
                    user_id: p.user.get(),
                    email: p.email,
                    organization: p.organization,
                    attested_at: rfc3339(&p.attested_at),
                    attended: p.attended,
                })
                .collect(),
            you: detail.access.into(),
        }
    }
}

/// A case to add, with its questions.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCaseBody {
    /// A published case.
    #[schema(pattern = "^[0-9a-f]{32}$")]
    pub case_id: String,
    /// Up to 12 questions of up to 1,000 characters.
    #[serde(default)]
    #[schema(max_items = 12)]
    pub questions: Vec<String>,
}

/// The questions of one case.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionsBody {
    #[schema(max_items = 12)]
    pub questions: Vec<String>,
}

/// A new order of the cases: each case of the discussion exactly once.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    #[schema(inline, value_type = Vec<String>)]
    pub case_ids: Vec<String>,
}

/// Takeaways of one case.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseTakeaways {
    pub case_id: String,
    /// Up to 10,000 characters; empty clears them.
    pub takeaways: String,
}

/// Takeaways to record; each is redacted by the pipeline before it is stored. A case's
/// takeaways are attached to the case: shown on its page and found by search.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TakeawaysBody {
    /// The session's key takeaways (members who attended see them); omitted: unchanged.
    #[serde(default)]
    pub overall: Option<String>,
    #[serde(default)]
    pub cases: Vec<CaseTakeaways>,
}

/// Who attended: users who accepted the statement.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    pub attended: Vec<i64>,
}

fn case_ids(raw: &[String], path: &str) -> Result<Vec<CaseId>, AppError> {
    raw.iter()
        .enumerate()
        .map(|(i, c)| {
            c.parse().map_err(|_| AppError::Schema {
                message: format!("{path}[{i}]: is not a case id"),
                fields: vec![crate::case::FieldError {
                    path: format!("{path}[{i}]"),
                    problem: "is not a case id".into(),
                }],
            })
        })
        .collect()
}

async fn body<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, AppError> {
    no_query(req)?;
    read_json(req, payload, BODY_LIMIT).await
}

/// The discussion after a change the caller made.
async fn changed(
    state: web::Data<AppState>,
    who: crate::auth::Principal,
    id: DiscussionId,
) -> Result<HttpResponse, AppError> {
    let detail = web::block(move || state.discussions.detail(&who, id)).await??;
    Ok(HttpResponse::Ok().json(DiscussionResponse::from(detail)))
}

/// Discussions the caller may see: every one for faculty and curators; the published
/// ones its organization is invited to for a member.
#[utoipa::path(get, path = "/api/v1/discussions", tag = "discussions", operation_id = "list_discussions",
    responses(
        (status = 200, body = [DiscussionListItem]),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "contributors")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let rows = web::block(move || state.discussions.list(&who)).await??;
    let rows: Vec<DiscussionListItem> = rows.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(rows))
}

/// Create a draft discussion (faculty, curators). Its free text is redacted.
#[utoipa::path(post, path = "/api/v1/discussions", tag = "discussions", operation_id = "create_discussion",
    request_body = DiscussionBody,
    responses(
        (status = 201, body = DiscussionResponse),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "a field is missing or wrong: each is named")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: DiscussionBody = body(&req, payload).await?;
    let detail = web::block(move || {
        let id = state.discussions.create(&who, &input)?;
        state.discussions.detail(&who, id)
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/discussions/{}", detail.discussion.id),
        ))
        .json(DiscussionResponse::from(detail)))
}

/// A discussion. Members of an invited organization get 403 `attestation_required`
/// until they accept its confidentiality statement; anyone not invited gets 404.
#[utoipa::path(get, path = "/api/v1/discussions/{id}", tag = "discussions", operation_id = "get_discussion",
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = DiscussionResponse),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "`attestation_required`, or a role that reads no discussion"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let id = discussion_id(&path)?;
    let detail = web::block(move || state.discussions.get(&who, id)).await??;
    Ok(HttpResponse::Ok().json(DiscussionResponse::from(detail)))
}

/// Replace a discussion's fields and invitations (faculty, curators).
#[utoipa::path(put, path = "/api/v1/discussions/{id}", tag = "discussions", operation_id = "update_discussion",
    params(("id" = i64, Path, minimum = 1)), request_body = DiscussionBody,
    responses(
        (status = 200, body = DiscussionResponse),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = discussion_id(&path)?;
    let input: DiscussionBody = body(&req, payload).await?;
    let svc = state.clone();
    let principal = who.clone();
    web::block(move || svc.discussions.update(&principal, id, &input)).await??;
    changed(state, who, id).await
}

/// Add a published case at the end of the agenda, with its questions (redacted).
#[utoipa::path(post, path = "/api/v1/discussions/{id}/cases", tag = "discussions", operation_id = "add_discussion_case",
    params(("id" = i64, Path, minimum = 1)), request_body = AddCaseBody,
    responses(
        (status = 200, body = DiscussionResponse),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "already in the discussion, or the discussion is full"),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "not a published case, or questions too many or too long")))]
pub async fn add_case(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = discussion_id(&path)?;
    let input: AddCaseBody = body(&req, payload).await?;
    let case = case_ids(std::slice::from_ref(&input.case_id), "case_id")?.remove(0);
    let svc = state.clone();
    let principal = who.clone();
    web::block(move || {
        svc.discussions
            .add_case(&principal, id, &case, &input.questions)
    })
    .await??;
    changed(state, who, id).await
}

/// Replace the questions of one case of the discussion.
#[utoipa::path(put, path = "/api/v1/discussions/{id}/cases/{case_id}", tag = "discussions", operation_id = "set_discussion_questions",
    params(("id" = i64, Path, minimum = 1), ("case_id" = String, Path, pattern = "^[0-9a-f]{32}$")), request_body = QuestionsBody,
    responses(
        (status = 200, body = DiscussionResponse),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_questions(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (raw_id, raw_case) = path.into_inner();
    let id = discussion_id(&raw_id)?;
    let case = case_in_path(&raw_case)?;
    let input: QuestionsBody = body(&req, payload).await?;
    let svc = state.clone();
    let principal = who.clone();
    web::block(move || {
        svc.discussions
            .set_questions(&principal, id, &case, &input.questions)
    })
    .await??;
    changed(state, who, id).await
}

/// Take a case out of the discussion (its questions and takeaways go with it).
#[utoipa::path(delete, path = "/api/v1/discussions/{id}/cases/{case_id}", tag = "discussions", operation_id = "remove_discussion_case",
    params(("id" = i64, Path, minimum = 1), ("case_id" = String, Path, pattern = "^[0-9a-f]{32}$")),
    responses(
        (status = 204),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_case(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let (raw_id, raw_case) = path.into_inner();
    let id = discussion_id(&raw_id)?;
    let case = case_in_path(&raw_case)?;
    web::block(move || state.discussions.remove_case(&who, id, &case)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// Put the cases in a new order.
#[utoipa::path(put, path = "/api/v1/discussions/{id}/order", tag = "discussions", operation_id = "reorder_discussion",
    params(("id" = i64, Path, minimum = 1)), request_body = OrderBody,
    responses(
        (status = 200, body = DiscussionResponse),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "the order does not name each case exactly once")))]
pub async fn reorder(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = discussion_id(&path)?;
    let input: OrderBody = body(&req, payload).await?;
    let order = case_ids(&input.case_ids, "case_ids")?;
    let svc = state.clone();
    let principal = who.clone();
    web::block(move || svc.discussions.reorder(&principal, id, &order)).await??;
    changed(state, who, id).await
}

/// Publish a draft to its invitees (it needs at least one case).
#[utoipa::path(post, path = "/api/v1/discussions/{id}/publish", tag = "discussions", operation_id = "publish_discussion",
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = DiscussionResponse),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "no case yet")))]
pub async fn publish(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let id = discussion_id(&path)?;
    let svc = state.clone();
    let principal = who.clone();
    web::block(move || svc.discussions.publish(&principal, id)).await??;
    changed(state, who, id).await
}

/// Accept the discussion's confidentiality statement (no body): no copying outside the
/// session, no attempt to identify anyone, PSWP protections apply. Recorded and audited.
#[utoipa::path(post, path = "/api/v1/discussions/{id}/attest", tag = "discussions", operation_id = "attest_discussion",
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, description = "`attested_at`, RFC 3339 in UTC, and the statement accepted", body = AttestedBody),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody)))]
pub async fn attest(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let id = discussion_id(&path)?;
    let bytes = read_limited(payload, 1024).await?;
    require_json(&req, &bytes)?;
    let at = web::block(move || state.discussions.attest(&who, id)).await??;
    Ok(HttpResponse::Ok().json(AttestedBody {
        attested_at: rfc3339(&at),
        statement: crate::discussion::CONFIDENTIALITY_STATEMENT,
    }))
}

/// An attendee's attestation, as recorded.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AttestedBody {
    /// RFC 3339, UTC.
    pub attested_at: String,
    /// The statement's paragraphs, as accepted.
    #[schema(value_type = Vec<String>)]
    pub statement: [&'static str; 4],
}

/// The packet (PDF): agenda, every case's shared view and its questions; every page
/// carries the PSWP marking, the title, and a watermark naming the downloader and the
/// time. Audited.
#[utoipa::path(get, path = "/api/v1/discussions/{id}/packet.pdf", tag = "discussions", operation_id = "discussion_packet",
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, content_type = "application/pdf", body = String),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "`attestation_required`"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn packet(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let id = discussion_id(&path)?;
    let pdf = web::block(move || state.discussions.packet(&who, id)).await??;
    Ok(pdf_response(id, pdf))
}

/// A PDF download.
pub(crate) fn pdf_response(id: DiscussionId, pdf: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"safe-table-{id}.pdf\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(pdf)
}

/// The session as an iCalendar file, for invitees who attested: no case content.
#[utoipa::path(get, path = "/api/v1/discussions/{id}/calendar.ics", tag = "discussions", operation_id = "discussion_calendar",
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, content_type = "text/calendar", body = String),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "`attestation_required`"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn calendar(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let id = discussion_id(&path)?;
    let ics = web::block(move || state.discussions.calendar(&who, id)).await??;
    Ok(ics_response(id, ics))
}

/// A calendar download.
pub(crate) fn ics_response(id: DiscussionId, ics: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"safe-table-{id}.ics\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(ics)
}

/// Record takeaways, overall and per case (faculty, curators); each is redacted first.
#[utoipa::path(put, path = "/api/v1/discussions/{id}/takeaways", tag = "discussions", operation_id = "set_discussion_takeaways",
    params(("id" = i64, Path, minimum = 1)), request_body = TakeawaysBody,
    responses(
        (status = 200, body = DiscussionResponse),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn takeaways(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = discussion_id(&path)?;
    let input: TakeawaysBody = body(&req, payload).await?;
    let ids: Vec<String> = input.cases.iter().map(|c| c.case_id.clone()).collect();
    let ids = case_ids(&ids, "cases")?;
    let takeaways = TakeawaysInput {
        overall: input.overall,
        cases: ids
            .into_iter()
            .zip(input.cases)
            .map(|(id, c)| (id, c.takeaways))
            .collect(),
    };
    let svc = state.clone();
    let principal = who.clone();
    web::block(move || svc.discussions.set_takeaways(&principal, id, &takeaways)).await??;
    changed(state, who, id).await
}

/// Record who attended (faculty, curators): users who accepted the statement.
#[utoipa::path(put, path = "/api/v1/discussions/{id}/attendance", tag = "discussions", operation_id = "set_discussion_attendance",
    params(("id" = i64, Path, minimum = 1)), request_body = AttendanceBody,
    responses(
        (status = 200, body = DiscussionResponse),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "someone who has not accepted the statement")))]
pub async fn attendance(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = discussion_id(&path)?;
    let input: AttendanceBody = body(&req, payload).await?;
    let users: Vec<UserId> = input.attended.into_iter().map(UserId::new).collect();
    let svc = state.clone();
    let principal = who.clone();
    web::block(move || svc.discussions.set_attendance(&principal, id, &users)).await??;
    changed(state, who, id).await
}
