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
pub mod layout;
pub mod pages;
pub mod redacted;

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

/// Registers the UI routes. Call after the API's `configure`: the root scope takes every
/// path the API did not, and answers unknown ones with the HTML 404 page.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            .wrap(middleware::from_fn(headers::security_headers))
            .route("/", web::get().to(pages::home::home))
            .route("/sign-in", web::get().to(pages::sign_in::form))
            .route("/assets/{version}/{path:.*}", web::get().to(assets::serve))
            .route("/favicon.ico", web::get().to(assets::favicon))
            .default_service(web::to(pages::not_found::not_found)),
    );
}
