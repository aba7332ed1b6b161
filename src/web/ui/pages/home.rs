//! `GET /`: the start page of the user's role (the first item of their navigation);
//! signed out, the sign-in page.

use actix_web::http::header;
use actix_web::HttpResponse;

use super::super::session::SignedIn;
use super::super::{Nav, UiError};

/// Sends the visitor where their work starts.
pub async fn home(signed_in: Result<SignedIn, UiError>) -> Result<HttpResponse, UiError> {
    let user = signed_in?;
    let roles = &user.principal().roles;
    // Faculty come to run safe tables; everyone else starts where the menu does.
    let start = if roles.has(crate::auth::Role::Faculty) && !roles.has(crate::auth::Role::Curator) {
        "/discussions"
    } else {
        let nav = Nav::for_roles(roles, None);
        nav.links.first().map(|l| l.href).unwrap_or("/account")
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, start))
        .finish())
}
