//! Signing in: e-mail and password for an API token.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::audit::{AuditAction, AuditEvent};
use crate::error::AppError;
use crate::seal::{verify_password, ApiToken};
use crate::web::body::read_json;
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
    responses((status = 201, body = TokenBody), (status = 401, body = crate::error::ErrorBody, description = "`wrong_password`: the e-mail address or the password is wrong")))]
pub async fn login(
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: LoginBody = read_json(payload, 16 * 1024).await?;
    let token = web::block(move || -> Result<ApiToken, AppError> {
        let store = &state.repo.store;
        let user = store.user_by_email(&body.email)?;
        // Verify against a dummy hash when the user does not exist, so that timing does
        // not tell which e-mail addresses have accounts.
        let ok = match &user {
            Some(u) => verify_password(&body.password, &u.password_hash),
            None => {
                verify_password(&body.password, crate::seal::DUMMY_PASSWORD_HASH);
                false
            }
        };
        let Some(user) = user.filter(|_| ok) else {
            return Err(AppError::WrongPassword);
        };
        let token = ApiToken::generate();
        let actor = format!("user:{}", user.id);
        store.audit(&AuditEvent::new(actor.clone(), AuditAction::Login, None))?;
        store.create_token(user.id, &token.hash(), &actor)?;
        Ok(token)
    })
    .await??;
    Ok(HttpResponse::Created().json(TokenBody {
        token: token.reveal().to_owned(),
    }))
}
