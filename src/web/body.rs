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
    payload: web::Payload,
    limit: usize,
) -> Result<T, AppError> {
    let bytes = read_limited(payload, limit).await?;
    parse_json(&bytes)
}

/// Parses a small JSON body already read; errors name the field, never the value.
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
