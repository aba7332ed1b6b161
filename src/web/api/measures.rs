//! CRP measures: adapters over [`crate::service::MeasuresService`].

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::measures::MeasuresQuery;
use crate::service::measures::Form;
use crate::web::body::query_pairs;
use crate::web::{AppState, Authenticated};

/// The query of a measures request.
pub(crate) fn query(req: &HttpRequest) -> Result<MeasuresQuery, AppError> {
    Ok(MeasuresQuery::from_pairs(&query_pairs(req)?)?)
}

/// CRP measures of contributed, non-withdrawn cases. The formulas are in this API's
/// description (`definitions` in the response too). Members, faculty and contributors
/// read every count from one release of the collaborative, protected as a whole, so that
/// no two answers can be subtracted: they narrow by at most one of `category`, `harm`
/// and `setting`, and by quarters of contribution or by event years, not both; for part
/// of the period the cases by category and harm are left out (`notes` says so).
#[utoipa::path(get, path = "/api/v1/measures", tag = "measures",
    params(
        ("from" = Option<String>, Query, pattern = r"^[0-9]{4}-?[Qq][1-4]$", description = "first quarter of contribution, e.g. 2025-Q1"),
        ("to" = Option<String>, Query, pattern = r"^[0-9]{4}-?[Qq][1-4]$", description = "last quarter of contribution, e.g. 2025-Q4 (not before `from`)"),
        ("year_from" = Option<i32>, Query, minimum = 1900, maximum = 2199, description = "first event year"),
        ("year_to" = Option<i32>, Query, minimum = 1900, maximum = 2199, description = "last event year (not before `year_from`)"),
        ("category" = Option<crate::case::Category>, Query),
        ("harm" = Option<crate::case::Harm>, Query),
        ("setting" = Option<crate::case::Setting>, Query),
    ),
    responses(
        (status = 200, body = crate::measures::MeasuresReport, description = "the measures as the caller may see them: members and faculty the collaborative; contributors their organization beside it; curators unsuppressed, with the distribution across organizations"),
        (status = 400, body = crate::error::ErrorBody, description = "an unknown, repeated or malformed parameter, a range whose start is after its end, or (for everyone but curators) two of category, harm and setting, or both kinds of period"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn measures(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q = query(&req)?;
    let report = web::block(move || state.measures.report(&who, &q, Form::Json)).await??;
    Ok(HttpResponse::Ok().json(report))
}

/// The measures as CSV: every table as the page shows it, `<11` included.
#[utoipa::path(get, path = "/api/v1/measures/export.csv", tag = "measures",
    params(
        ("from" = Option<String>, Query, pattern = r"^[0-9]{4}-?[Qq][1-4]$"),
        ("to" = Option<String>, Query, pattern = r"^[0-9]{4}-?[Qq][1-4]$"),
        ("year_from" = Option<i32>, Query, minimum = 1900, maximum = 2199),
        ("year_to" = Option<i32>, Query, minimum = 1900, maximum = 2199),
        ("category" = Option<crate::case::Category>, Query),
        ("harm" = Option<crate::case::Harm>, Query),
        ("setting" = Option<crate::case::Setting>, Query),
    ),
    responses(
        (status = 200, content_type = "text/csv", body = String, description = "the tables of GET /api/v1/measures, as CSV"),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn export_csv(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q = query(&req)?;
    let csv = web::block(move || state.measures.csv(&who, &q)).await??;
    Ok(csv_response(csv))
}

/// The quarterly board report (PDF) of the caller's own organization beside the
/// collaborative (contributors). Without `from`, the four quarters up to `to`, or up to
/// the last complete quarter.
#[utoipa::path(get, path = "/api/v1/measures/report.pdf", tag = "measures",
    params(
        ("from" = Option<String>, Query, pattern = r"^[0-9]{4}-?[Qq][1-4]$"),
        ("to" = Option<String>, Query, pattern = r"^[0-9]{4}-?[Qq][1-4]$"),
        ("year_from" = Option<i32>, Query, minimum = 1900, maximum = 2199),
        ("year_to" = Option<i32>, Query, minimum = 1900, maximum = 2199),
        ("category" = Option<crate::case::Category>, Query),
        ("harm" = Option<crate::case::Harm>, Query),
        ("setting" = Option<crate::case::Setting>, Query),
    ),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>, description = "the board report, marked as Patient Safety Work Product on every page"),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "not a contributor")))]
pub async fn board_report(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q = query(&req)?;
    let pdf = web::block(move || state.measures.board_report(&who, &q)).await??;
    Ok(pdf_response(pdf))
}

/// A CSV download.
pub(crate) fn csv_response(csv: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"crp-measures.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(csv)
}

/// A PDF download.
pub(crate) fn pdf_response(pdf: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"crp-board-report.pdf\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(pdf)
}
