//! Bearer-token authentication as an extractor.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};

use super::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::seal::TokenHash;

/// The authenticated caller of a request.
pub struct Authenticated(pub Principal);

impl FromRequest for Authenticated {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .map(TokenHash::of);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("no application state".into()))?;
            let hash = token.ok_or(AppError::Unauthenticated)?;
            let principal = web::block(move || state.accounts.authenticate(&hash)).await??;
            Ok(Authenticated(principal))
        })
    }
}

/// The token of an `Authorization` header value: the scheme `Bearer` in any case
/// (RFC 9110 §11.1: auth schemes are case-insensitive), one or more spaces, the token.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for header in [
            "Bearer st_abc",
            "bearer st_abc",
            "BEARER st_abc",
            "bEaReR   st_abc ",
            "  Bearer\tst_abc",
        ] {
            assert_eq!(bearer_token(header), Some("st_abc"), "{header:?}");
        }
    }

    #[test]
    fn other_schemes_and_empty_tokens_are_not_bearer_tokens() {
        for header in [
            "Basic dXNlcjpwdw==",
            "Bearer",
            "Bearer   ",
            "Bearerst_abc",
            "",
            "st_abc",
        ] {
            assert_eq!(bearer_token(header), None, "{header:?}");
        }
    }
}
