//! One file per page handler.

pub mod account;
pub mod admin;
pub mod case;
pub mod cases;
pub mod contribute;
pub mod discussions;
pub mod home;
pub mod measures;
pub mod not_found;
pub mod search;
pub mod sign_in;

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpResponse;
use askama::Template;

use super::UiError;

/// Renders `page` as a `200 text/html` response.
pub fn render(page: &impl Template) -> Result<HttpResponse, UiError> {
    Ok(html(HttpResponse::Ok(), page.render()?))
}

/// `body` as HTML on the response being built.
pub fn html(mut builder: actix_web::HttpResponseBuilder, body: String) -> HttpResponse {
    builder
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .body(body)
}
