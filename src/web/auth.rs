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
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| TokenHash::of(t.trim()));
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("no application state".into()))?;
            let hash = token.ok_or(AppError::Unauthenticated)?;
            let principal = web::block(move || state.repo.store.principal_for_token(&hash))
                .await??
                .ok_or(AppError::Unauthenticated)?;
            Ok(Authenticated(principal))
        })
    }
}
