//! Search over published shared views, and similar cases.

use actix_web::{web, HttpRequest, HttpResponse};

use super::case_id;
use crate::audit::{AuditAction, AuditEvent};
use crate::auth::Action;
use crate::case::CaseStatus;
use crate::error::AppError;
use crate::index::{SearchError, SearchRequest};
use crate::web::{AppState, Authenticated};

impl From<SearchError> for AppError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::BadQuery(message) => AppError::BadQuery(message),
            SearchError::NotFound => AppError::NotFound("case"),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// Search published cases: full text with phrases, AND/OR/NOT and field prefixes;
/// filters by every facet; facet counts; highlighted snippets.
#[utoipa::path(get, path = "/api/v1/search", tag = "search",
    params(
        ("q" = Option<String>, Query, description = "query: words, \"phrases\", AND/OR/NOT, field:word"),
        ("category" = Option<String>, Query), ("harm" = Option<String>, Query),
        ("setting" = Option<String>, Query), ("factor" = Option<String>, Query),
        ("strength" = Option<String>, Query), ("action_status" = Option<String>, Query),
        ("method" = Option<String>, Query), ("standard_of_care" = Option<String>, Query),
        ("compensation" = Option<String>, Query), ("year" = Option<String>, Query),
        ("age_band" = Option<String>, Query),
        ("limit" = Option<usize>, Query), ("offset" = Option<usize>, Query),
    ),
    responses((status = 200, description = "hits, facets, total", body = crate::index::SearchResults), (status = 400, body = crate::error::ErrorBody)))]
pub async fn search(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    who.require(Action::Search)?;
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|_| AppError::BadQuery("the query string is not well formed".into()))?
        .into_inner();
    let request = SearchRequest::from_query_pairs(&pairs)?;
    let results = web::block(move || -> Result<_, AppError> {
        let results = state.index.search(&request)?;
        // What was asked, not what was found, and never the text that was typed: a member
        // may type a patient's name, and the hash chain makes an entry impossible to
        // erase. The query is kept as a keyed digest (the same search gives the same
        // digest); the filters are values of closed vocabularies.
        let query = request
            .query
            .as_deref()
            .map(|q| state.repo.query_digest(q).as_str().to_owned());
        let filters: serde_json::Map<String, serde_json::Value> = request
            .filters
            .iter()
            .map(|(kind, values)| (kind.name().to_owned(), serde_json::json!(values)))
            .collect();
        state.repo.store.audit(
            &AuditEvent::new(who.actor(), AuditAction::Search, None).with_detail(
                serde_json::json!({ "query": query, "filters": filters, "total": results.total }),
            ),
        )?;
        Ok(results)
    })
    .await??;
    Ok(HttpResponse::Ok().json(results))
}

/// Published cases most like this one.
#[utoipa::path(get, path = "/api/v1/cases/{id}/similar", tag = "search",
    params(("id" = String, Path), ("limit" = Option<usize>, Query)),
    responses((status = 200, description = "similar published cases"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn similar(
    state: web::Data<AppState>,
    Authenticated(who): Authenticated,
    path: web::Path<String>,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    who.require(Action::Search)?;
    let id = case_id(&path)?;
    let limit = match query.get("limit") {
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=50).contains(l))
            .ok_or_else(|| AppError::BadQuery("limit must be between 1 and 50".into()))?,
        None => 10,
    };
    let hits = web::block(move || -> Result<_, AppError> {
        let record = state
            .repo
            .store
            .case(&id)?
            .ok_or(AppError::NotFound("case"))?;
        if record.status != CaseStatus::Published {
            return Err(AppError::NotFound("case"));
        }
        let hits = state.index.similar(&id, limit)?;
        state.repo.store.audit(&AuditEvent::new(
            who.actor(),
            AuditAction::Similar,
            Some(id.to_string()),
        ))?;
        Ok(hits)
    })
    .await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "hits": hits })))
}
