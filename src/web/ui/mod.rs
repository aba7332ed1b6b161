//! The browser application: server-rendered pages on the U.S. Web Design System.
//!
//! Everything here is registered by [`configure`] under one root scope wrapped in the
//! [`headers`] middleware, so that every page, asset and error page carries the
//! security headers (a strict `Content-Security-Policy`: no inline script or style, so
//! templates never use `style=` attributes or inline `<script>`).
//!
//! - [`assets`]: the stylesheet, scripts, fonts and icons, embedded in the binary and
//!   served under `/assets/{version}/…` (see [`assets::prefix`]).
//! - [`layout`]: the base layout's data: page title, navigation by role.
//! - [`pages`]: one file per page handler; templates in `src/web/ui/templates/`.
//! - [`csrf`]: tokens for every form that changes something.
//! - [`error`]: the HTML error pages.
//!
//! Adding a page: a template `templates/NAME.html` that `{% extends "base.html" %}`, a
//! struct deriving `askama::Template` with a `layout: Layout` field in `pages/NAME.rs`,
//! a handler returning `Result<HttpResponse, UiError>` through [`pages::render`], a route
//! in [`configure`], and a test in `tests/api/browser.rs` (screenshot, axe, keyboard).

pub mod assets;
pub mod csrf;
pub mod error;
pub mod headers;
pub mod labels;
pub mod layout;
pub mod pages;
pub mod redacted;
pub mod session;
pub mod snippet;
pub mod url;

use actix_web::{middleware, web};

pub use error::UiError;
pub use layout::{Layout, Nav, NavItem};

/// What the pages share across workers: the CSRF key.
pub struct UiState {
    pub csrf: csrf::CsrfKey,
}

impl UiState {
    /// State with a fresh random CSRF key.
    ///
    /// A random key per process is right for one server; several servers behind a load
    /// balancer must share the key (like `pseudonym.key`), or a form rendered by one is
    /// refused by another.
    pub fn generate() -> std::io::Result<Self> {
        Ok(UiState {
            csrf: csrf::CsrfKey::generate()?,
        })
    }
}

/// The largest urlencoded form accepted (the contribution form's text fields together).
pub const FORM_LIMIT: usize = 4 * 1024 * 1024;

/// Registers the UI routes. Call after the API's `configure`: the root scope takes every
/// path the API did not, and answers unknown ones with the HTML 404 page.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            // Registered first, so it runs inside the headers' middleware: its new
            // error pages get the security headers too.
            .wrap(middleware::from_fn(error::signed_in_error_pages))
            .wrap(middleware::from_fn(headers::security_headers))
            .app_data(
                web::FormConfig::default()
                    .limit(FORM_LIMIT)
                    .error_handler(|_, _| UiError::BadRequest.into()),
            )
            .app_data(web::QueryConfig::default().error_handler(|_, _| UiError::BadRequest.into()))
            .app_data(web::PathConfig::default().error_handler(|_, _| UiError::NotFound.into()))
            .route("/", web::get().to(pages::home::home))
            .route("/sign-in", web::get().to(pages::sign_in::form))
            .route("/sign-in", web::post().to(pages::sign_in::submit))
            .route("/sign-out", web::post().to(pages::sign_in::sign_out))
            .route("/search", web::get().to(pages::search::search))
            .route("/contribute", web::get().to(pages::contribute::form))
            .route("/contribute", web::post().to(pages::contribute::submit))
            .route(
                "/contribute/upload",
                web::post().to(pages::contribute::upload),
            )
            .route("/review", web::get().to(pages::cases::review_queue))
            .route("/cases", web::get().to(pages::cases::own_cases))
            .route("/cases/{id}", web::get().to(pages::case::show))
            .route("/cases/{id}/publish", web::post().to(pages::case::publish))
            .route(
                "/cases/{id}/return",
                web::post().to(pages::case::return_to_org),
            )
            .route(
                "/cases/{id}/withdraw",
                web::get().to(pages::case::withdraw_form),
            )
            .route(
                "/cases/{id}/withdraw",
                web::post().to(pages::case::withdraw),
            )
            .route(
                "/cases/{id}/redactions",
                web::post().to(pages::case::add_redaction),
            )
            .route("/admin/members", web::get().to(pages::admin::members))
            .route("/admin/orgs", web::post().to(pages::admin::add_org))
            .route("/admin/users", web::post().to(pages::admin::invite))
            .route("/admin/aliases", web::post().to(pages::admin::add_alias))
            .route(
                "/admin/users/{id}/disable",
                web::post().to(pages::admin::disable),
            )
            .route(
                "/admin/tokens/{id}/revoke",
                web::post().to(pages::admin::revoke),
            )
            .route("/admin/audit", web::get().to(pages::admin::audit))
            .route("/discussions", web::get().to(pages::discussions::list))
            .route(
                "/discussions/new",
                web::get().to(pages::discussions::new_form),
            )
            .route(
                "/discussions/new",
                web::post().to(pages::discussions::create),
            )
            .route(
                "/discussions/add",
                web::post().to(pages::discussions::add_case),
            )
            .route("/discussions/{id}", web::get().to(pages::discussions::show))
            .route(
                "/discussions/{id}/edit",
                web::get().to(pages::discussions::edit_form),
            )
            .route(
                "/discussions/{id}/edit",
                web::post().to(pages::discussions::update),
            )
            .route(
                "/discussions/{id}/attest",
                web::post().to(pages::discussions::attest),
            )
            .route(
                "/discussions/{id}/publish",
                web::post().to(pages::discussions::publish),
            )
            .route(
                "/discussions/{id}/takeaways",
                web::post().to(pages::discussions::takeaways),
            )
            .route(
                "/discussions/{id}/attendance",
                web::post().to(pages::discussions::attendance),
            )
            .route(
                "/discussions/{id}/cases/{case}/questions",
                web::post().to(pages::discussions::questions),
            )
            .route(
                "/discussions/{id}/cases/{case}/move",
                web::post().to(pages::discussions::move_case),
            )
            .route(
                "/discussions/{id}/cases/{case}/remove",
                web::post().to(pages::discussions::remove_case),
            )
            .route(
                "/discussions/{id}/packet",
                web::get().to(pages::discussions::printable),
            )
            .route(
                "/discussions/{id}/packet.pdf",
                web::get().to(pages::discussions::packet_pdf),
            )
            .route(
                "/discussions/{id}/calendar.ics",
                web::get().to(pages::discussions::calendar),
            )
            .route("/measures", web::get().to(pages::measures::show))
            .route(
                "/measures/export.csv",
                web::get().to(pages::measures::export_csv),
            )
            .route(
                "/measures/report.pdf",
                web::get().to(pages::measures::board_report),
            )
            .route("/account", web::get().to(pages::account::show))
            .route(
                "/account/password",
                web::get().to(pages::account::password_form),
            )
            .route(
                "/account/password",
                web::post().to(pages::account::change_password),
            )
            .route(
                "/account/tokens",
                web::post().to(pages::account::create_token),
            )
            .route(
                "/account/tokens/{id}/revoke",
                web::post().to(pages::account::revoke_token),
            )
            .route("/assets/{version}/{path:.*}", web::get().to(assets::serve))
            .route("/favicon.ico", web::get().to(assets::favicon))
            .default_service(web::to(pages::not_found::not_found)),
    );
}
