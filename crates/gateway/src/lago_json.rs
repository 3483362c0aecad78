//! Lago's JSON conventions: `application/json; charset=utf-8`, timestamps in UTC to the second.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat};
use serde_json::Value;

/// A JSON response with Lago's content type.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    json_bytes_response(status, body.to_string().into_bytes())
}

/// A response with a body already serialized as JSON.
pub(crate) fn json_bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

/// `2025-07-17T12:34:35Z`, or null when the timestamp is missing or out of range.
pub(crate) fn timestamp(timestamp: Option<&prost_types::Timestamp>) -> Value {
    timestamp
        .and_then(|timestamp| DateTime::from_timestamp(timestamp.seconds, 0))
        .map(|instant| Value::String(instant.to_rfc3339_opts(SecondsFormat::Secs, true)))
        .unwrap_or(Value::Null)
}
