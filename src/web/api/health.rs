//! Health and the API description.

use actix_web::{web, HttpResponse};

use crate::error::AppError;
use crate::web::AppState;

/// 200 when the store answers. Open to all, so it tells nothing else: no counts.
#[utoipa::path(get, path = "/api/v1/healthz", tag = "service", security(()),
    responses(
        (status = 200, description = "the store answers", body = HealthBody),
        (status = 400, body = crate::error::ErrorBody),
        (status = 503, body = crate::error::ErrorBody, description = "not ready")))]
pub async fn healthz(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    crate::web::body::no_query(&req)?;
    web::block(move || state.search.health()).await??;
    Ok(HttpResponse::Ok().json(HealthBody { status: "ok" }))
}

/// What the health check answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HealthBody {
    #[schema(value_type = String, pattern = "^ok$")]
    pub status: &'static str,
}

/// The OpenAPI 3 description of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "service", security(()),
    responses((status = 200, description = "OpenAPI document", body = Object)))]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(super::document())
}
