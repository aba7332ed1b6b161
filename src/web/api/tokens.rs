//! Signing in: e-mail and password for an API token.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::web::body::{no_query, read_json};
use crate::web::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenBody {
    /// Shown once; only its hash is stored.
    pub token: String,
}

/// Exchanges e-mail and password for a new API token.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = LoginBody,
    responses(
        (status = 201, body = TokenBody),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody, description = "`wrong_password`: the e-mail address or the password is wrong"),
        (status = 403, body = crate::error::ErrorBody, description = "`password_change_required`: the account still has its one-time password; sign in in the browser first"),
        (status = 429, body = crate::error::ErrorBody, description = "`too_many_attempts`: too many failed sign-ins for the account or from this address; the `Retry-After` header says how many seconds to wait"),
        (status = 503, body = crate::error::ErrorBody, description = "`unavailable`: too many sign-ins at once"),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    no_query(&req)?;
    let body: LoginBody = read_json(&req, payload, 16 * 1024).await?;
    let client = req.peer_addr().map(|a| a.ip());
    let token =
        web::block(move || state.accounts.login(&body.email, &body.password, client)).await??;
    Ok(HttpResponse::Created().json(TokenBody {
        token: token.reveal().to_owned(),
    }))
}
