//! `GET /`: the start page of the user's role (the first item of their navigation);
//! signed out, the sign-in page.

use actix_web::http::header;
use actix_web::HttpResponse;

use super::super::session::SignedIn;
use super::super::{Nav, UiError};

/// Sends the visitor where their work starts.
pub async fn home(signed_in: Result<SignedIn, UiError>) -> Result<HttpResponse, UiError> {
    let user = signed_in?;
    let nav = Nav::for_roles(&user.principal().roles, None);
    let start = nav.links.first().map(|l| l.href).unwrap_or("/account");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, start))
        .finish())
}
