//! Assertions shared by the conformance scenarios: Lago's REST envelopes with exact bodies (key
//! order included), and the gRPC error details of the error table.

use serde_json::{Value, json};
use tonic::{Code, Status};
use tonic_types::StatusExt as _;

use super::HttpResponse;

/// Asserts the status, the body with its key order (Lago's clients see the bytes) and Lago's
/// content type.
#[track_caller]
pub(crate) fn assert_response(response: &HttpResponse, status: u16, body: &Value) {
    assert_eq!(response.status, status, "unexpected status, body: {}", response.body);
    assert_eq!(&response.body, body);
    assert_eq!(response.body.to_string(), body.to_string(), "same JSON but another key order");
    assert_eq!(response.content_type, "application/json; charset=utf-8");
}

/// Lago's 422 envelope around these error details.
pub(crate) fn validation_errors(details: Value) -> Value {
    json!({"status": 422, "error": "Unprocessable Entity", "code": "validation_errors", "error_details": details})
}

/// Lago's 400 for a missing, empty or invalid root key.
pub(crate) fn missing_param(root: &str) -> Value {
    json!({"status": 400, "error": format!("BadRequest: param is missing or the value is empty or invalid: {root}")})
}

/// Lago's pagination `meta`.
pub(crate) fn meta(
    current_page: u64,
    next_page: Option<u64>,
    prev_page: Option<u64>,
    total_pages: u64,
    total_count: u64,
) -> Value {
    json!({
        "current_page": current_page,
        "next_page": next_page,
        "prev_page": prev_page,
        "total_pages": total_pages,
        "total_count": total_count,
    })
}

/// The `created_at` of an object, once checked to be `YYYY-MM-DDTHH:MM:SSZ`.
#[track_caller]
pub(crate) fn created_at(object: &Value) -> Value {
    let text = object["created_at"].as_str().unwrap_or_else(|| panic!("created_at is a string in {object}"));
    let shape = "dddd-dd-ddTdd:dd:ddZ";
    let matches = text.len() == shape.len()
        && text.bytes().zip(shape.bytes()).all(|(actual, expected)| match expected {
            b'd' => actual.is_ascii_digit(),
            _ => actual == expected,
        });
    assert!(matches, "created_at {text:?} is not YYYY-MM-DDTHH:MM:SSZ");
    Value::String(text.to_owned())
}

/// The `lago_id` of an object, once checked to be a UUID.
#[track_caller]
pub(crate) fn lago_id(object: &Value) -> Value {
    let text = object["lago_id"].as_str().unwrap_or_else(|| panic!("lago_id is a string in {object}"));
    uuid::Uuid::parse_str(text).unwrap_or_else(|_| panic!("lago_id {text:?} is not a UUID"));
    Value::String(text.to_owned())
}

/// The status has `code` and an ErrorInfo with `reason` in the `entitlements` domain.
#[track_caller]
pub(crate) fn assert_error_info(status: &Status, code: Code, reason: &str) {
    assert_eq!(status.code(), code, "unexpected status: {status:?}");
    let details = status.get_error_details();
    let info = details.error_info().unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    assert_eq!(info.reason, reason, "ErrorInfo reason of {status:?}");
    assert_eq!(info.domain, "entitlements", "ErrorInfo domain of {status:?}");
}

/// NOT_FOUND with this reason.
#[track_caller]
pub(crate) fn assert_not_found<T: std::fmt::Debug>(result: Result<T, Status>, reason: &str) {
    let status = result.expect_err("NOT_FOUND expected");
    assert_error_info(&status, Code::NotFound, reason);
    let resource_type = reason.strip_suffix("_not_found").unwrap_or(reason);
    assert_eq!(
        status.get_error_details().resource_info().map(|info| info.resource_type.as_str()),
        Some(resource_type),
        "ResourceInfo of {status:?}"
    );
}

/// NOT_FOUND whose ResourceInfo names the missing object: its type and the code the request used.
#[track_caller]
pub(crate) fn assert_missing<T: std::fmt::Debug>(result: Result<T, Status>, resource_type: &str, name: &str) {
    let status = result.expect_err("NOT_FOUND expected");
    assert_error_info(&status, Code::NotFound, &format!("{resource_type}_not_found"));
    let details = status.get_error_details();
    let info = details.resource_info().unwrap_or_else(|| panic!("no ResourceInfo in {status:?}"));
    assert_eq!((info.resource_type.as_str(), info.resource_name.as_str()), (resource_type, name));
}

/// INVALID_ARGUMENT `bad_request`; a field violation, if any, names a missing part of the request.
#[track_caller]
pub(crate) fn assert_bad_request<T: std::fmt::Debug>(result: Result<T, Status>) {
    let status = result.expect_err("INVALID_ARGUMENT expected");
    assert_error_info(&status, Code::InvalidArgument, "bad_request");
    let details = status.get_error_details();
    let violations = details.bad_request().map_or(&[][..], |bad_request| &bad_request.field_violations[..]);
    assert!(
        violations.iter().all(|violation| violation.reason == "value_is_mandatory"),
        "only missing parts are field violations of a bad request: {status:?}"
    );
}

/// INVALID_ARGUMENT `bad_request` naming the missing part `field` of the request.
#[track_caller]
pub(crate) fn assert_missing_param<T: std::fmt::Debug>(result: Result<T, Status>, field: &str) {
    let status = result.expect_err("INVALID_ARGUMENT expected");
    assert_error_info(&status, Code::InvalidArgument, "bad_request");
    assert_eq!(status.message(), format!("{field} is required"));
    let details = status.get_error_details();
    let violations = details.bad_request().map(|bad_request| bad_request.field_violations.clone());
    let fields: Vec<(String, String)> = violations
        .unwrap_or_default()
        .into_iter()
        .map(|violation| (violation.field, violation.reason))
        .collect();
    assert_eq!(fields, [(field.to_owned(), "value_is_mandatory".to_owned())]);
}

/// INVALID_ARGUMENT `validation_errors` with exactly these (field, reason) violations, in order; each
/// also has an English description.
#[track_caller]
pub(crate) fn assert_violations<T: std::fmt::Debug>(result: Result<T, Status>, expected: &[(&str, &str)]) {
    let status = result.expect_err("INVALID_ARGUMENT expected");
    assert_error_info(&status, Code::InvalidArgument, "validation_errors");
    let details = status.get_error_details();
    let bad_request = details.bad_request().unwrap_or_else(|| panic!("no BadRequest in {status:?}"));
    let violations: Vec<(&str, &str)> = bad_request
        .field_violations
        .iter()
        .inspect(|violation| assert!(!violation.description.is_empty(), "a description for {violation:?}"))
        .map(|violation| (violation.field.as_str(), violation.reason.as_str()))
        .collect();
    assert_eq!(violations, expected, "field violations of {status:?}");
}

/// UNAUTHENTICATED with the `unauthorized` reason.
#[track_caller]
pub(crate) fn assert_unauthenticated<T: std::fmt::Debug>(result: Result<T, Status>) {
    let status = result.expect_err("UNAUTHENTICATED expected");
    assert_error_info(&status, Code::Unauthenticated, "unauthorized");
}

/// A change event as `TestApp::change_event_codes` lists it.
pub(crate) fn event(event_type: &str, code: &str) -> (String, String) {
    (event_type.to_owned(), code.to_owned())
}
