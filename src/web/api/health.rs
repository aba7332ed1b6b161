//! Health and the API description.

use actix_web::{web, HttpResponse};

use crate::error::AppError;
use crate::web::AppState;

/// 200 when the store answers. Open to all, so it tells nothing else: no counts.
#[utoipa::path(get, path = "/api/v1/healthz", tag = "service", security(()),
    responses(
        (status = 200, description = "the store answers"),
        (status = 400, body = crate::error::ErrorBody),
        (status = 503, body = crate::error::ErrorBody, description = "not ready")))]
pub async fn healthz(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    crate::web::body::no_query(&req)?;
    web::block(move || state.search.health()).await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })))
}

/// The OpenAPI 3 description of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "service", security(()),
    responses((status = 200, description = "OpenAPI document")))]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(super::document())
}
