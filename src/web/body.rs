//! Reading request bodies with a limit, answering our own 413 and 400.

use actix_web::web;
use futures_util::StreamExt;

use crate::error::AppError;

/// Reads the whole body, refusing more than `limit` bytes as it streams in.
pub async fn read_limited(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, AppError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| AppError::Malformed("the request body could not be read".into()))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::TooLarge(format!(
                "the request body is larger than {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses a small JSON body into `T`; errors name the field, never the value.
pub async fn read_json<T: serde::de::DeserializeOwned>(
    req: &actix_web::HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<T, AppError> {
    let bytes = read_limited(payload, limit).await?;
    require_json(req, &bytes)?;
    parse_json(&bytes)
}

/// Parses a small JSON body already read; errors name the field, never the value. A
/// repeated key or a NUL character anywhere is refused (422), as in a case.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| AppError::Malformed("the body is not valid UTF-8".into()))?;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        AppError::Malformed(format!(
            "malformed JSON at line {}, column {}",
            e.line(),
            e.column()
        ))
    })?;
    crate::case::check_plain_json(text, &value).map_err(|field| AppError::Schema {
        message: format!("the body does not match: {}", field.path),
        fields: vec![field],
    })?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        AppError::Schema {
            message: format!("the body does not match: {path}"),
            fields: vec![crate::case::FieldError {
                path,
                problem: "missing, of the wrong type, or not allowed".into(),
            }],
        }
    })
}

/// Refuses a body sent as anything but JSON (415). A request with no body at all passes:
/// handlers that take an optional body decide what an empty one means.
pub fn require_json(req: &actix_web::HttpRequest, body: &[u8]) -> Result<(), AppError> {
    if body.is_empty() {
        return Ok(());
    }
    let Some(value) = req.headers().get(actix_web::http::header::CONTENT_TYPE) else {
        // No content type at all: read as JSON, as most clients expect.
        return Ok(());
    };
    let essence = value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if json {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType)
    }
}

/// The query string as pairs, in order (repeated keys kept).
pub fn query_pairs(req: &actix_web::HttpRequest) -> Result<Vec<(String, String)>, AppError> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|_| AppError::BadQuery("the query string is not well formed".into()))
}

/// Refuses any query parameter on an endpoint that takes none.
pub fn no_query(req: &actix_web::HttpRequest) -> Result<(), AppError> {
    crate::params::Accepted {
        single: &[],
        repeatable: &[],
    }
    .check(&query_pairs(req)?)
    .map_err(AppError::BadQuery)
}
