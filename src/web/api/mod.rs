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
        cases::Submitted,
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

/// Registers every route under `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/healthz", web::get().to(health::healthz))
            .route("/openapi.json", web::get().to(health::openapi))
            .route("/tokens", web::post().to(tokens::login))
            .route("/search", web::get().to(search::search))
            .route("/cases", web::post().to(cases::submit))
            .route("/cases", web::get().to(cases::list))
            .route("/cases/{id}", web::get().to(cases::get_case))
            .route("/cases/{id}", web::delete().to(cases::withdraw))
            .route("/cases/{id}/publish", web::post().to(cases::publish))
            .route("/cases/{id}/return", web::post().to(cases::return_case))
            .route(
                "/cases/{id}/redactions",
                web::post().to(cases::add_redaction),
            )
            .route("/cases/{id}/similar", web::get().to(search::similar)),
    );
}

/// A case id from the path; anything that is not a case id cannot name a case.
pub(crate) fn case_id(raw: &str) -> Result<crate::case::CaseId, crate::error::AppError> {
    raw.parse()
        .map_err(|_| crate::error::AppError::NotFound("case"))
}
