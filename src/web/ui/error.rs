//! Errors of HTML routes, rendered as pages (`templates/error.html`). Like the API, the
//! page never shows the detail: that goes to the log.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpResponse, ResponseError};
use askama::Template;

use super::layout::{Layout, Nav};
use super::session::{session_token, SignedIn};

/// An error a page handler returns.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("page not found")]
    NotFound,
    /// A form without a valid CSRF token.
    #[error("form refused")]
    Forbidden,
    /// The user's roles do not allow the page.
    #[error("not allowed")]
    NotAllowed,
    /// No valid session: the browser is sent to the sign-in page.
    #[error("sign-in required")]
    SignInRequired,
    /// The user must choose a password before anything else.
    #[error("password change required")]
    PasswordChangeRequired,
    /// A request no form of ours sends (a hand-made query or body).
    #[error("bad request")]
    BadRequest,
    /// The service is busy or its database does not answer.
    #[error("unavailable")]
    Unavailable,
    /// The detail is logged; the page says something went wrong.
    #[error("internal error")]
    Internal(String),
}

impl From<askama::Error> for UiError {
    fn from(e: askama::Error) -> Self {
        UiError::Internal(format!("template: {e}"))
    }
}

impl From<std::io::Error> for UiError {
    fn from(e: std::io::Error) -> Self {
        UiError::Internal(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for UiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        UiError::Internal(e.to_string())
    }
}

/// A service's refusal as a page: pages that can say more (a form's errors, a wrong
/// password) handle those errors themselves before this.
impl From<crate::error::AppError> for UiError {
    fn from(e: crate::error::AppError) -> Self {
        use crate::error::AppError as A;
        match e {
            A::NotFound(_) | A::NoRoute => UiError::NotFound,
            A::Forbidden | A::AttestationRequired => UiError::NotAllowed,
            A::Unauthenticated => UiError::SignInRequired,
            A::PasswordChangeRequired => UiError::PasswordChangeRequired,
            A::Unavailable(_) => UiError::Unavailable,
            A::Malformed(_)
            | A::BadQuery(_)
            | A::Schema { .. }
            | A::TooLarge(_)
            | A::UriTooLong(_)
            | A::UnsupportedMediaType
            | A::MethodNotAllowed(_) => UiError::BadRequest,
            other => UiError::Internal(other.to_string()),
        }
    }
}

impl From<super::csrf::CsrfError> for UiError {
    fn from(_: super::csrf::CsrfError) -> Self {
        UiError::Forbidden
    }
}

/// `templates/error.html`.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub heading: &'static str,
    pub message: &'static str,
}

impl UiError {
    fn page(&self) -> ErrorPage {
        let (heading, message) = match self {
            UiError::NotFound => (
                "Page not found",
                "The page you asked for does not exist, or is not yours to see.",
            ),
            UiError::Forbidden => (
                "Form refused",
                "The form has expired or did not come from this site. Go back, reload the page and try again.",
            ),
            UiError::NotAllowed => (
                "Not allowed",
                "Your role does not include this page. The menu above shows what you can do; if you need more, ask your PSO's curators.",
            ),
            UiError::SignInRequired => ("Sign in", "Sign in to continue."),
            UiError::PasswordChangeRequired => (
                "Choose a password",
                "Choose your own password to continue.",
            ),
            UiError::BadRequest => (
                "Request not understood",
                "The address or the form was not one this site makes. Go back and try again from the page.",
            ),
            UiError::Unavailable => (
                "Busy for a moment",
                "The service is busy or cannot reach its database. Try again in a moment.",
            ),
            UiError::Internal(_) => (
                "Something went wrong",
                "The service could not answer this request. Try again in a moment; if it keeps happening, tell your PSO.",
            ),
        };
        ErrorPage {
            layout: Layout::new(heading, Nav::signed_out()),
            status: self.status_code().as_u16(),
            heading,
            message,
        }
    }
}

/// The middleware (`middleware::from_fn(signed_in_error_pages)`) that draws the error
/// pages a signed-in user meets (400, 403, 404) in their own layout: the role and
/// organization badge, and the menu of what their roles may do (which the 403 page
/// points to). Without a valid session, or for any other answer, the response is left
/// as it is.
pub async fn signed_in_error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let has_session = session_token(req.request()).is_some();
    let res = next.call(req).await?.map_into_boxed_body();
    if !has_session {
        return Ok(res);
    }
    let page = match res.response().error().and_then(|e| e.as_error::<UiError>()) {
        Some(
            e
            @ (UiError::NotFound | UiError::Forbidden | UiError::NotAllowed | UiError::BadRequest),
        ) => e.page(),
        _ => return Ok(res),
    };
    let Ok(user) = SignedIn::extract(res.request()).await else {
        return Ok(res);
    };
    let page = ErrorPage {
        layout: user.layout(page.heading, None),
        ..page
    };
    let html = match page.render() {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            return Ok(res);
        }
    };
    let mut out = HttpResponse::build(res.status());
    out.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    ));
    Ok(res.into_response(out.body(html)))
}

impl ResponseError for UiError {
    fn status_code(&self) -> StatusCode {
        match self {
            UiError::NotFound => StatusCode::NOT_FOUND,
            UiError::Forbidden | UiError::NotAllowed => StatusCode::FORBIDDEN,
            UiError::SignInRequired | UiError::PasswordChangeRequired => StatusCode::SEE_OTHER,
            UiError::BadRequest => StatusCode::BAD_REQUEST,
            UiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            UiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let UiError::Internal(detail) = self {
            tracing::error!(%detail, "page failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        match self {
            UiError::SignInRequired => {
                return res.insert_header((header::LOCATION, "/sign-in")).finish();
            }
            UiError::PasswordChangeRequired => {
                return res
                    .insert_header((header::LOCATION, super::session::PASSWORD_PATH))
                    .finish();
            }
            _ => {}
        }
        match self.page().render() {
            Ok(html) => res
                .insert_header((
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ))
                .body(html),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                res.content_type("text/plain; charset=utf-8")
                    .body("Something went wrong.")
            }
        }
    }
}
