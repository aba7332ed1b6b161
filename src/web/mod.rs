//! The HTTP service: the JSON API under `/api/v1`.
//!
//! [`Application::build`] binds (port 0 in tests), wires routes and state, and is used by
//! `serve`, `demo` and the integration tests alike.

pub mod api;
mod auth;
mod body;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

use crate::index::SearchIndex;
use crate::repository::Repository;

pub use auth::Authenticated;

/// Shared state of every worker.
pub struct AppState {
    pub repo: Repository,
    pub index: Arc<SearchIndex>,
    /// Wakes the index follower after a publication or withdrawal.
    pub follower: crate::follow::Nudge,
}

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Binds `bind` (use port 0 for a random port) and builds the server.
    pub fn build(
        bind: &str,
        workers: usize,
        repo: Repository,
        index: Arc<SearchIndex>,
        follower: crate::follow::Nudge,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            repo,
            index,
            follower,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(tracing_actix())
                .configure(api::configure)
        })
        .workers(workers)
        .shutdown_timeout(5)
        .listen(listener)?
        .run();
        Ok(Application { server, port })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server future with its handle (to stop it).
    pub fn into_server(self) -> Server {
        self.server
    }
}

/// Request logging: method, route pattern, status and duration; never bodies or query
/// strings (a query can hold a search term).
fn tracing_actix() -> actix_web::middleware::Logger {
    actix_web::middleware::Logger::new("%r-method %s %Dms").custom_request_replace(
        "r-method",
        |req| {
            format!(
                "{} {}",
                req.method(),
                req.match_pattern().unwrap_or_else(|| "-".into())
            )
        },
    )
}
