//! `/api/v1`: routes and the OpenAPI description.

mod cases;
pub(crate) mod discussions;
mod health;
pub(crate) mod measures;
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
        measures::measures,
        measures::export_csv,
        measures::board_report,
        discussions::list,
        discussions::create,
        discussions::show,
        discussions::update,
        discussions::add_case,
        discussions::set_questions,
        discussions::remove_case,
        discussions::reorder,
        discussions::publish,
        discussions::attest,
        discussions::packet,
        discussions::calendar,
        discussions::takeaways,
        discussions::attendance,
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
        crate::index::RelaxedQuery,
        crate::service::Submitted,
        cases::ReturnBody,
        cases::RedactionBody,
        cases::StatusBody,
        cases::ReplacedBody,
        health::HealthBody,
        search::SimilarBody,
        discussions::AttestedBody,
        tokens::LoginBody,
        tokens::TokenBody,
        crate::measures::MeasuresReport,
        crate::measures::Table,
        crate::measures::Row,
        crate::measures::Figure,
        crate::measures::Definition,
        crate::discussion::DiscussionBody,
        crate::discussion::DiscussionStatus,
        discussions::DiscussionListItem,
        discussions::DiscussionResponse,
        discussions::DiscussionCaseBody,
        discussions::InvitedOrg,
        discussions::ParticipantBody,
        discussions::YouBody,
        discussions::AddCaseBody,
        discussions::QuestionsBody,
        discussions::OrderBody,
        discussions::TakeawaysBody,
        discussions::CaseTakeaways,
        discussions::AttendanceBody,
    )),
    tags(
        (name = "cases", description = "Contribution and curation"),
        (name = "search", description = "Peers' published cases"),
        (name = "measures", description = "CRP measures against the collaborative, small cells suppressed"),
        (name = "discussions", description = "Safe-table discussions: faculty build them from published cases; invited members attest, then read and download the packet"),
        (name = "auth", description = "Tokens"),
        (name = "service", description = "Health and description"),
    )
)]
pub struct ApiDoc;

/// The OpenAPI document as served: the derived description, completed with what the
/// derive cannot say. The case body is the validation's own rule table (the drift test
/// holds that to `spec/case.schema.json`); every operation but the open ones requires a
/// bearer token; every response has a description.
pub fn document() -> serde_json::Value {
    use serde_json::{json, Value};
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    doc["components"]["schemas"]["SubmittedCase"] = crate::case::json_schema();
    doc["components"]["securitySchemes"]["bearer"] = json!({
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from `POST /api/v1/tokens` or `safetable token create`."
    });
    doc["security"] = json!([{ "bearer": [] }]);
    let open = ["/api/v1/healthz", "/api/v1/openapi.json", "/api/v1/tokens"];
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(ops) = item.as_object_mut() else {
                continue;
            };
            for op in ops.values_mut() {
                if open.contains(&path.as_str()) {
                    op["security"] = json!([]);
                }
                if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    // Any operation but the health check (which says so itself) reads the
                    // database, which may be unreachable for a while.
                    responses.entry("503").or_insert_with(|| {
                        json!({
                            "description": "the database is unreachable for now; try again",
                            "content": { "application/json": {
                                "schema": { "$ref": "#/components/schemas/ErrorBody" }
                            } }
                        })
                    });
                    // Any request may be too long to route.
                    responses.entry("414").or_insert_with(|| {
                        json!({
                            "description": "the request URI is longer than 16 KiB",
                            "content": { "application/json": {
                                "schema": { "$ref": "#/components/schemas/ErrorBody" }
                            } }
                        })
                    });
                    for (code, response) in responses.iter_mut() {
                        if response.get("description").is_none() {
                            let reason = code
                                .parse::<u16>()
                                .ok()
                                .and_then(|c| actix_web::http::StatusCode::from_u16(c).ok())
                                .and_then(|c| c.canonical_reason())
                                .unwrap_or("response");
                            response["description"] = reason.into();
                        }
                    }
                }
            }
        }
    }
    // The downloads are not JSON: say so as OpenAPI 3.1 does for bytes and text.
    for (path, kind) in [
        ("/api/v1/measures/report.pdf", "application/pdf"),
        ("/api/v1/measures/export.csv", "text/csv"),
        ("/api/v1/discussions/{id}/packet.pdf", "application/pdf"),
        ("/api/v1/discussions/{id}/calendar.ics", "text/calendar"),
    ] {
        if let Some(ok) = doc["paths"][path]["get"]["responses"]["200"].as_object_mut() {
            let schema = if kind == "application/pdf" {
                json!({ "type": "string", "contentMediaType": "application/pdf" })
            } else {
                json!({ "type": "string" })
            };
            let mut content = serde_json::Map::new();
            content.insert(kind.to_owned(), json!({ "schema": schema }));
            ok.insert("content".into(), Value::Object(content));
        }
    }
    // The fields a query may name, from the index's registry.
    if let Some(params) = doc["paths"]["/api/v1/search"]["get"]["parameters"].as_array_mut() {
        let names: Vec<&str> = crate::case::IndexField::ALL
            .iter()
            .map(|f| f.name())
            .collect();
        for p in params.iter_mut().filter(|p| p["name"] == "q") {
            p["description"] = format!(
                "query: words, \"phrases\", AND/OR/NOT, field:word ({}), facet:value as a \
                 filter (category:fall, harm:severe, any facet parameter); words of 5 letters \
                 or more tolerate a typo; when the words together find nothing, words are \
                 dropped from the end (see `relaxed` in the response)",
                names.join(", ")
            )
            .into();
        }
    }
    // The time zones a discussion takes, as chrono-tz knows them.
    doc["components"]["schemas"]["DiscussionBody"]["properties"]["time_zone"]["enum"] =
        chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    if let Some(op) = doc["paths"]["/api/v1/measures"]["get"].as_object_mut() {
        op.insert(
            "description".into(),
            crate::measures::definitions::markdown().into(),
        );
    }
    doc["paths"]["/api/v1/cases"]["post"]["requestBody"] = json!({
        "required": true,
        "description": "One closed case, as spec/case.schema.json describes it.",
        "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/SubmittedCase" }
        } }
    });
    doc
}

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
            .service(resource("/measures", "GET").route(web::get().to(measures::measures)))
            .service(
                resource("/measures/export.csv", "GET").route(web::get().to(measures::export_csv)),
            )
            .service(
                resource("/measures/report.pdf", "GET")
                    .route(web::get().to(measures::board_report)),
            )
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
            .service(resource("/cases/{id}/similar", "GET").route(web::get().to(search::similar)))
            .service(
                resource("/discussions", "GET, POST")
                    .route(web::get().to(discussions::list))
                    .route(web::post().to(discussions::create)),
            )
            .service(
                resource("/discussions/{id}", "GET, PUT")
                    .route(web::get().to(discussions::show))
                    .route(web::put().to(discussions::update)),
            )
            .service(
                resource("/discussions/{id}/cases", "POST")
                    .route(web::post().to(discussions::add_case)),
            )
            .service(
                resource("/discussions/{id}/cases/{case_id}", "PUT, DELETE")
                    .route(web::put().to(discussions::set_questions))
                    .route(web::delete().to(discussions::remove_case)),
            )
            .service(
                resource("/discussions/{id}/order", "PUT")
                    .route(web::put().to(discussions::reorder)),
            )
            .service(
                resource("/discussions/{id}/publish", "POST")
                    .route(web::post().to(discussions::publish)),
            )
            .service(
                resource("/discussions/{id}/attest", "POST")
                    .route(web::post().to(discussions::attest)),
            )
            .service(
                resource("/discussions/{id}/packet.pdf", "GET")
                    .route(web::get().to(discussions::packet)),
            )
            .service(
                resource("/discussions/{id}/calendar.ics", "GET")
                    .route(web::get().to(discussions::calendar)),
            )
            .service(
                resource("/discussions/{id}/takeaways", "PUT")
                    .route(web::put().to(discussions::takeaways)),
            )
            .service(
                resource("/discussions/{id}/attendance", "PUT")
                    .route(web::put().to(discussions::attendance)),
            ),
    );
}

/// A case id from the path; anything that is not a case id cannot name a case.
pub(crate) fn case_id(raw: &str) -> Result<crate::case::CaseId, crate::error::AppError> {
    raw.parse()
        .map_err(|_| crate::error::AppError::NotFound("case"))
}
