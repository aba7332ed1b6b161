//! JSON answers for what no handler takes: unknown routes (404), wrong methods (405),
//! over-long URIs (414).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

use crate::error::AppError;

/// Longest request URI (path and query) accepted.
pub const MAX_URI_BYTES: usize = 16 * 1024;

/// The default service: no route has this path.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NoRoute)
}

/// A resource's default service: the path exists, the method does not.
pub fn method_not_allowed(
    allowed: &'static str,
) -> impl Fn() -> std::future::Ready<Result<HttpResponse, AppError>> + Clone {
    move || std::future::ready(Err(AppError::MethodNotAllowed(allowed)))
}

/// Refuses a URI longer than [`MAX_URI_BYTES`] before routing.
pub async fn uri_length(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let len = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().len())
        .unwrap_or(0);
    if len > MAX_URI_BYTES {
        let response = AppError::UriTooLong(MAX_URI_BYTES).error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}
