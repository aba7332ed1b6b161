//! Search over published shared views, and similar cases: adapters over
//! [`crate::service::SearchService`].

use actix_web::{web, HttpRequest, HttpResponse};

use super::case_id;
use crate::error::AppError;
use crate::index::SearchRequest;
use crate::web::body::query_pairs;
use crate::web::{AppState, Authenticated};

/// Search published cases: full text with phrases, AND/OR/NOT and field prefixes, typo
/// tolerance and relaxation of queries that find nothing; filters by every facet, also
/// typed in the query (`category:fall`); facet counts; highlighted snippets.
#[utoipa::path(get, path = "/api/v1/search", tag = "search",
    params(
        ("q" = Option<String>, Query, max_length = 1000, description = "query: words, \"phrases\", AND/OR/NOT, field:word (summary, findings, notes, lessons, actions, service, roles), facet:value as a filter (category:fall, harm:severe, any facet parameter); words of 5 letters or more tolerate a typo; when the words together find nothing, words are dropped from the end (see `relaxed` in the response)"),
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
        (status = 200, description = "similar published cases"),
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
    let mut limit = 10;
    for (key, value) in query_pairs(&req)? {
        match key.as_str() {
            "limit" => {
                limit = value.parse::<usize>().map_err(|_| {
                    AppError::BadQuery("limit must be a whole number from 1 to 50".into())
                })?
            }
            other => {
                return Err(AppError::BadQuery(format!(
                    "unknown parameter `{}`; this endpoint takes limit",
                    crate::index::shown_parameter(other)
                )))
            }
        }
    }
    let hits = web::block(move || state.search.similar(&who, &id, limit)).await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "hits": hits })))
}
