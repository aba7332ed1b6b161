//! Search over published shared views, and similar cases: adapters over
//! [`crate::service::SearchService`].

use actix_web::{web, HttpRequest, HttpResponse};

use super::case_id;
use crate::error::AppError;
use crate::index::SearchRequest;
use crate::service::search::MAX_SIMILAR;
use crate::web::body::query_pairs;
use crate::web::{AppState, Authenticated};

/// Search published cases: full text with phrases, AND/OR/NOT and field prefixes, typo
/// tolerance and relaxation of queries that find nothing; filters by every facet, also
/// typed in the query (`category:fall`); facet counts; highlighted snippets.
#[utoipa::path(get, path = "/api/v1/search", tag = "search",
    params(
        ("q" = Option<String>, Query, max_length = 1000, description = "query (the served document completes this with the fields a query may name: web::api::document)"),
        ("category" = Option<crate::case::Category>, Query, description = "repeat, or separate values with commas"),
        ("harm" = Option<crate::case::Harm>, Query),
        ("setting" = Option<crate::case::Setting>, Query),
        ("factor" = Option<crate::case::ContributingFactor>, Query),
        ("strength" = Option<crate::case::ActionStrength>, Query),
        ("action_status" = Option<crate::case::ActionStatus>, Query),
        ("method" = Option<crate::case::ReviewMethod>, Query),
        ("standard_of_care" = Option<crate::case::StandardOfCare>, Query),
        ("compensation" = Option<crate::case::Compensation>, Query),
        ("year" = Option<i32>, Query, minimum = 1900, maximum = 2200),
        ("age_band" = Option<crate::case::AgeBand>, Query),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100),
        ("offset" = Option<usize>, Query, minimum = 0, maximum = 10000),
    ),
    responses(
        (status = 200, description = "hits, facets, total", body = crate::index::SearchResults),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn search(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = SearchRequest::from_query_pairs(&query_pairs(&req)?)?;
    let results = web::block(move || state.search.search(&who, &request)).await??;
    Ok(HttpResponse::Ok().json(results))
}

/// Published cases most like this one.
#[utoipa::path(get, path = "/api/v1/cases/{id}/similar", tag = "search",
    params(("id" = String, Path), ("limit" = Option<usize>, Query, minimum = 1, maximum = 50)),
    responses(
        (status = 200, description = "similar published cases", body = SimilarBody),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn similar(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path)?;
    let pairs = query_pairs(&req)?;
    crate::params::Accepted {
        single: &["limit"],
        repeatable: &[],
    }
    .check(&pairs)
    .map_err(AppError::BadQuery)?;
    let limit = match pairs.first() {
        Some((_, value)) => crate::params::whole_number("limit", value, 1..=MAX_SIMILAR)
            .map_err(AppError::BadQuery)?,
        None => 10,
    };
    let hits = web::block(move || state.search.similar(&who, &id, limit)).await??;
    Ok(HttpResponse::Ok().json(SimilarBody { hits }))
}

/// Published cases most like one, best first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SimilarBody {
    pub hits: Vec<crate::index::SearchHit>,
}
