//! The HTTP service: the JSON API under `/api/v1` and the browser application ([`ui`])
//! on every other path, both thin adapters over [`crate::service`].
//!
//! [`Application::build`] binds (port 0 in tests) and wires routes over the services of
//! one [`crate::app::App`]; `serve`, `demo` and the integration tests all use it.

pub mod api;
mod auth;
mod body;
mod errors;
pub mod ui;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

use crate::service::Services;

pub use auth::Authenticated;

/// Shared state of every worker: the services.
pub type AppState = Services;

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Binds `bind` (use port 0 for a random port) and builds the server.
    pub fn build(bind: &str, workers: usize, services: Services) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(services);
        let ui_state = web::Data::new(ui::UiState::generate()?);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(ui_state.clone())
                .wrap(actix_web::middleware::from_fn(access_log))
                .wrap(actix_web::middleware::from_fn(errors::uri_length))
                .configure(api::configure)
                .configure(ui::configure)
                .default_service(web::to(errors::not_found))
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

/// Request logging: method, route pattern (`/api/v1/cases/{id}`), status and duration.
/// Never the request line, the path as sent or the query string: a path can hold a case
/// id and a query an `external_ref` or a search term. Runs after routing, so that the
/// matched pattern is known.
async fn access_log(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let result = next.call(req).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match &result {
        Ok(res) => {
            let route = res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "-".to_owned());
            tracing::info!(
                target: "safetable::access",
                %method,
                %route,
                status = res.status().as_u16(),
                elapsed_ms,
                "request"
            );
        }
        Err(e) => tracing::info!(
            target: "safetable::access",
            %method,
            route = "-",
            status = e.as_response_error().status_code().as_u16(),
            elapsed_ms,
            "request"
        ),
    }
    result
}
