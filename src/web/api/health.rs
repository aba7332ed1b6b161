//! Health and the API description.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use crate::error::AppError;
use crate::web::AppState;

/// 200 when the store and the index answer.
#[utoipa::path(get, path = "/api/v1/healthz", tag = "service",
    responses((status = 200, description = "store and index answer"), (status = 503, description = "not ready")))]
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let s = state.clone();
    web::block(move || s.repo.store.ping())
        .await?
        .map_err(|_| AppError::Unavailable("the database does not answer".into()))?;
    let docs = state.index.doc_count();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "indexed": docs })))
}

/// The OpenAPI 3 description of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "service",
    responses((status = 200, description = "OpenAPI document")))]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(super::ApiDoc::openapi())
}
