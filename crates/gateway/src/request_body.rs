//! Reading request bodies the way Lago does, but strictly: JSON with a JSON content type, where
//! Lago would have answered 500 or silently ignored the body, we answer a 400.
//!
//! Lago reads a body only after it has authenticated the caller and found the object the request
//! names, so an unreadable body is a 400 only when there is no 401 or 404 to answer first. The
//! services keep that order (authentication layer, then `found_before_invalid`), and the gateway
//! leans on them: `split_body` sends an unreadable body as an absent one and puts the reason in
//! the 400 the service answers. Where an absent body is a valid request (a PATCH that changes
//! nothing), `unreadable_after_lookup` asks the service for the object first instead.

use std::future::Future;

use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};
use tonic::Status;

use crate::lago_error::{BodyError, LagoError};

/// The body as a JSON object. An empty body reads as `{}` (Lago: no params).
pub(crate) fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, BodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if media_type != "application/json" && !media_type.ends_with("+json") {
        return Err(BodyError("Content-Type must be application/json".to_owned()));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(BodyError("request body must be a JSON object".to_owned())),
        Err(error) => Err(BodyError(format!("invalid JSON: {error}"))),
    }
}

/// The object under `root`; `None` when absent, null or empty (Lago's "param is missing").
pub(crate) fn root_object(
    mut body: Map<String, Value>,
    root: &str,
) -> Result<Option<Map<String, Value>>, BodyError> {
    match body.remove(root) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(object)) if object.is_empty() => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(_) => Err(BodyError(format!("{root} must be a JSON object"))),
    }
}

/// An optional string field: `Ok(None)` when absent, `Ok(Some(None))` when null.
pub(crate) fn nullable_string(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<Option<String>>, BodyError> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) => Ok(Some(Some(text.clone()))),
        Some(_) => Err(BodyError(format!("{path}.{key} must be a string or null"))),
    }
}

/// `tax_codes`: `None` when absent or null (Lago keeps the taxes), else the codes (strings only).
pub(crate) fn tax_code_list(value: Option<&Value>, path: &str) -> Result<Option<Vec<String>>, BodyError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(codes)) => codes
            .iter()
            .map(|code| code.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .map(Some)
            .ok_or_else(|| BodyError(format!("{path}.tax_codes must contain strings"))),
        Some(_) => Err(BodyError(format!("{path}.tax_codes must be an array"))),
    }
}

/// The 400 for an unreadable body, once `lookup` (a read of the object the request names) has
/// not answered 401 or 404 first.
pub(crate) async fn unreadable_after_lookup<T>(
    lookup: impl Future<Output = Result<T, Status>>,
    error: BodyError,
) -> LagoError {
    error_after_lookup(lookup, LagoError::bad_request(&error.0)).await
}

/// `error`, a check the gateway makes itself, once `lookup` (a call that authenticates the caller
/// and makes the service's checks Lago makes first) has not answered an error of its own.
pub(crate) async fn error_after_lookup<T>(
    lookup: impl Future<Output = Result<T, Status>>,
    error: LagoError,
) -> LagoError {
    match lookup.await {
        Ok(_) => error,
        Err(status) => LagoError::from_status(&status, None),
    }
}

/// A readable body becomes the request's message; an unreadable one becomes no message (the
/// service then authenticates, looks the object up, and answers 400) plus the reason to put in
/// that 400.
pub(crate) fn split_body<T>(parsed: Result<Option<T>, BodyError>) -> (Option<T>, Option<BodyError>) {
    match parsed {
        Ok(message) => (message, None),
        Err(error) => (None, Some(error)),
    }
}
