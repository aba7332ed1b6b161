//! The one table from error to HTTP status and code. Messages shown to callers never
//! contain case content; internal details go to the log, not to the response.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::case::{FieldError, ParseError};
use crate::redaction::RedactionError;
use crate::store::StoreError;

/// An error as the API reports it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Malformed(String),
    #[error("authentication required: send Authorization: Bearer TOKEN")]
    Unauthenticated,
    /// Signing in with an e-mail address and a password that do not match (which of the
    /// two is wrong is not said: that would tell who has an account).
    #[error("wrong e-mail address or password")]
    WrongPassword,
    #[error("your role does not allow this")]
    Forbidden,
    /// Too many failed sign-ins for the account or from the address.
    #[error("too many failed sign-ins: try again in {retry_after} seconds")]
    Throttled { retry_after: u64 },
    /// The account holds a one-time password: it signs in in the browser first.
    #[error("this account still has its one-time password: sign in in the browser and choose a password first")]
    PasswordChangeRequired,
    /// A safe-table discussion seen before its confidentiality statement was accepted.
    #[error("accept the discussion's confidentiality statement first (POST /api/v1/discussions/ID/attest)")]
    AttestationRequired,
    #[error("no such {0}")]
    NotFound(&'static str),
    /// No route has that path.
    #[error("no such endpoint: see /api/v1/openapi.json")]
    NoRoute,
    #[error("this endpoint does not take that method; it takes {0}")]
    MethodNotAllowed(&'static str),
    #[error("the request URI is longer than {0} bytes")]
    UriTooLong(usize),
    #[error("the body must be JSON: send Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{message}")]
    Schema {
        message: String,
        fields: Vec<FieldError>,
    },
    /// A valid case the redaction pipeline refused: it is neither stored nor published.
    #[error("{0}")]
    Redaction(RedactionError),
    #[error("{0}")]
    BadQuery(String),
    #[error("the service is not available: {0}")]
    Unavailable(String),
    /// The detail is logged; the caller sees a fixed message.
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable code: `malformed`, `unauthenticated`, `wrong_password`, `forbidden`,
    /// `too_many_attempts`, `password_change_required`, `attestation_required`, `not_found`,
    /// `method_not_allowed`, `uri_too_long`, `unsupported_media_type`, `conflict`,
    /// `too_large`, `schema`, `redaction_failed`, `bad_query`, `unavailable`, `internal`.
    pub error: &'static str,
    pub message: String,
    /// For `schema`: each field path and what was expected.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<FieldError>,
}

impl AppError {
    /// The code and status, in one place.
    pub fn code(&self) -> (&'static str, StatusCode) {
        match self {
            AppError::Malformed(_) => ("malformed", StatusCode::BAD_REQUEST),
            AppError::Unauthenticated => ("unauthenticated", StatusCode::UNAUTHORIZED),
            AppError::WrongPassword => ("wrong_password", StatusCode::UNAUTHORIZED),
            AppError::Forbidden => ("forbidden", StatusCode::FORBIDDEN),
            AppError::Throttled { .. } => ("too_many_attempts", StatusCode::TOO_MANY_REQUESTS),
            AppError::PasswordChangeRequired => ("password_change_required", StatusCode::FORBIDDEN),
            AppError::AttestationRequired => ("attestation_required", StatusCode::FORBIDDEN),
            AppError::NotFound(_) => ("not_found", StatusCode::NOT_FOUND),
            AppError::NoRoute => ("not_found", StatusCode::NOT_FOUND),
            AppError::MethodNotAllowed(_) => ("method_not_allowed", StatusCode::METHOD_NOT_ALLOWED),
            AppError::UriTooLong(_) => ("uri_too_long", StatusCode::URI_TOO_LONG),
            AppError::UnsupportedMediaType => {
                ("unsupported_media_type", StatusCode::UNSUPPORTED_MEDIA_TYPE)
            }
            AppError::Conflict(_) => ("conflict", StatusCode::CONFLICT),
            AppError::TooLarge(_) => ("too_large", StatusCode::PAYLOAD_TOO_LARGE),
            AppError::Schema { .. } => ("schema", StatusCode::UNPROCESSABLE_ENTITY),
            AppError::Redaction(_) => ("redaction_failed", StatusCode::UNPROCESSABLE_ENTITY),
            AppError::BadQuery(_) => ("bad_query", StatusCode::BAD_REQUEST),
            AppError::Unavailable(_) => ("unavailable", StatusCode::SERVICE_UNAVAILABLE),
            AppError::Internal(_) => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.code().1
    }

    fn error_response(&self) -> HttpResponse {
        let (error, status) = self.code();
        match self {
            AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
            // The message names the failure, never the case.
            AppError::Redaction(e) => tracing::error!(error = %e, "a case was refused"),
            _ => {}
        }
        let fields = match self {
            AppError::Schema { fields, .. } => fields.clone(),
            _ => Vec::new(),
        };
        let mut response = HttpResponse::build(status);
        if let AppError::MethodNotAllowed(allowed) = self {
            response.insert_header((actix_web::http::header::ALLOW, *allowed));
        }
        if let AppError::Throttled { retry_after } = self {
            response.insert_header((
                actix_web::http::header::RETRY_AFTER,
                retry_after.to_string(),
            ));
        }
        if let AppError::Unauthenticated = self {
            response.insert_header((actix_web::http::header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(ErrorBody {
            error,
            message: self.to_string(),
            fields,
        })
    }
}

impl From<ParseError> for AppError {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::TooLarge { .. } => AppError::TooLarge(e.to_string()),
            ParseError::InvalidUtf8 { .. } | ParseError::Malformed { .. } => {
                AppError::Malformed(e.to_string())
            }
            ParseError::Schema(ref fields) => AppError::Schema {
                message: e.to_string(),
                fields: fields.clone(),
            },
        }
    }
}

impl From<RedactionError> for AppError {
    fn from(e: RedactionError) -> Self {
        AppError::Redaction(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("case"),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::InvalidTransition { .. } => AppError::Conflict(e.to_string()),
            StoreError::NotInField => AppError::Schema {
                message: e.to_string(),
                fields: vec![FieldError {
                    path: "text".into(),
                    problem: "does not occur in the shared-view field named by `field`".into(),
                }],
            },
            StoreError::Connect(_) => AppError::Unavailable("the database does not answer".into()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<crate::auth::Forbidden> for AppError {
    fn from(_: crate::auth::Forbidden) -> Self {
        AppError::Forbidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_case_is_a_422_redaction_failed_naming_no_case_text() {
        for e in [RedactionError::Matcher, RedactionError::Failed] {
            let err = AppError::from(e);
            assert_eq!(
                err.code(),
                ("redaction_failed", StatusCode::UNPROCESSABLE_ENTITY)
            );
            let response = err.error_response();
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let message = err.to_string();
            assert!(message.contains("could not be redacted"), "{message}");
        }
    }
}
