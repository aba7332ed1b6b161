//! `GET /`: the start page. Signed out (and until sessions exist), the sign-in page.

use actix_web::http::header;
use actix_web::HttpResponse;

/// Sends a signed-out visitor to the sign-in page.
pub async fn home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/sign-in"))
        .finish()
}
