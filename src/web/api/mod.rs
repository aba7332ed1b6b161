//! `/api/v1`: routes and the OpenAPI description.

mod cases;
mod health;
mod search;
mod tokens;

use actix_web::web;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "safetable API",
        description = "Contribute, curate and search non-identifiable closed CRP cases. Authenticate with `Authorization: Bearer TOKEN`. Errors are `{\"error\": CODE, \"message\": TEXT}`."
    ),
    paths(
        cases::submit,
        cases::get_case,
        cases::list,
        cases::publish,
        cases::return_case,
        cases::add_redaction,
        cases::withdraw,
        search::search,
        search::similar,
        tokens::login,
        health::healthz,
        health::openapi,
    ),
    components(schemas(
        crate::case::SharedView,
        crate::case::CaseStatus,
        crate::store::CaseSummary,
        crate::error::ErrorBody,
        crate::index::SearchResults,
        crate::index::SearchHit,
        crate::index::Highlight,
        crate::service::Submitted,
        cases::ReturnBody,
        cases::RedactionBody,
        tokens::LoginBody,
        tokens::TokenBody,
    )),
    tags(
        (name = "cases", description = "Contribution and curation"),
        (name = "search", description = "Peers' published cases"),
        (name = "auth", description = "Tokens"),
        (name = "service", description = "Health and description"),
    )
)]
pub struct ApiDoc;

/// Registers every route under `/api/v1`; a known path with another method is a JSON 405.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use crate::web::errors::method_not_allowed;
    let resource = |path: &str, allowed: &'static str| {
        web::resource(path).default_service(web::to(method_not_allowed(allowed)))
    };
    cfg.service(
        web::scope("/api/v1")
            .service(resource("/healthz", "GET").route(web::get().to(health::healthz)))
            .service(resource("/openapi.json", "GET").route(web::get().to(health::openapi)))
            .service(resource("/tokens", "POST").route(web::post().to(tokens::login)))
            .service(resource("/search", "GET").route(web::get().to(search::search)))
            .service(
                resource("/cases", "GET, POST")
                    .route(web::post().to(cases::submit))
                    .route(web::get().to(cases::list)),
            )
            .service(
                resource("/cases/{id}", "GET, DELETE")
                    .route(web::get().to(cases::get_case))
                    .route(web::delete().to(cases::withdraw)),
            )
            .service(resource("/cases/{id}/publish", "POST").route(web::post().to(cases::publish)))
            .service(
                resource("/cases/{id}/return", "POST").route(web::post().to(cases::return_case)),
            )
            .service(
                resource("/cases/{id}/redactions", "POST")
                    .route(web::post().to(cases::add_redaction)),
            )
            .service(resource("/cases/{id}/similar", "GET").route(web::get().to(search::similar))),
    );
}

/// A case id from the path; anything that is not a case id cannot name a case.
pub(crate) fn case_id(raw: &str) -> Result<crate::case::CaseId, crate::error::AppError> {
    raw.parse()
        .map_err(|_| crate::error::AppError::NotFound("case"))
}
