//! Lago's error envelopes, rebuilt from the services' gRPC statuses without losing anything. The
//! one error table (`entitlements::errors`) says which kind a status is, its HTTP status and the
//! shape of its body; this module renders that shape: a field `name[key]` nests under `name` in
//! `error_details`, and a request body the gateway could not read names its problem in the 400.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use entitlements::errors::{ErrorKind, ErrorRow, LagoEnvelope, ReceivedError};
use serde_json::{Map, Value, json};
use tonic::Status;
use tonic_types::StatusExt;

use crate::lago_field::{PrivilegeCodeAt, lago_key};
use crate::lago_json::json_response;

/// An error answered in Lago's envelope.
#[derive(Debug)]
pub(crate) struct LagoError {
    status: StatusCode,
    body: Value,
}

/// Why the gateway could not read a request body; answered as a 400 once the service has
/// authenticated the caller (and found the object), as Lago checks in that order.
#[derive(Debug, Clone)]
pub(crate) struct BodyError(pub(crate) String);

impl LagoError {
    /// A 400 found by the gateway itself (an unreadable path or query).
    pub(crate) fn bad_request(message: &str) -> Self {
        Self::of_kind(ErrorKind::BadRequest, message)
    }

    /// A 422 found by the gateway itself: Lago's checks of values the gRPC contract cannot carry,
    /// each `(field, code or message)` in Lago's order.
    pub(crate) fn validation(violations: &[(String, String)]) -> Self {
        let field_errors: Vec<(String, &str)> =
            violations.iter().map(|(field, code)| (field.clone(), code.as_str())).collect();
        Self::render(
            ErrorKind::Validation,
            ErrorKind::Validation.row().reason.resolve(None),
            "",
            &field_errors,
        )
    }

    /// A 403 with Lago's `code`, for a premium feature the gateway refuses itself.
    pub(crate) fn forbidden(code: &str) -> Self {
        Self::render(ErrorKind::Forbidden, code, "", &[])
    }

    /// The envelope alone, for an error that sits inside a larger answer (a failed item of a
    /// bulk check).
    pub(crate) fn into_body(self) -> Value {
        self.body
    }

    /// Translates a service status. When the gateway already knows the body was unreadable, its
    /// message replaces the service's generic "param is missing".
    pub(crate) fn from_status(status: &Status, body_error: Option<&BodyError>) -> Self {
        Self::translate(status, body_error, None)
    }

    /// Translates the status of an entitlements write, whose value errors Lago keys by the
    /// privilege's code: `privilege_code_at` finds it in the request the gateway sent.
    pub(crate) fn from_entitlements_status(status: &Status, privilege_code_at: PrivilegeCodeAt<'_>) -> Self {
        Self::translate(status, None, Some(privilege_code_at))
    }

    fn translate(
        status: &Status,
        body_error: Option<&BodyError>,
        privilege_code_at: Option<PrivilegeCodeAt<'_>>,
    ) -> Self {
        let ReceivedError { kind, reason } = ReceivedError::from_status(status);
        if status.code() != kind.row().grpc_code {
            // The service logs its own internal errors; a code that no kind sends is news here.
            tracing::error!(grpc_code = ?status.code(), message = status.message(), "unexpected grpc status");
        }
        let details = status.get_error_details();
        let field_violations =
            details.bad_request().map_or(&[][..], |bad_request| bad_request.field_violations.as_slice());
        let missing_param = (kind == ErrorKind::BadRequest)
            .then(|| field_violations.iter().find(|violation| violation.reason == "value_is_mandatory"))
            .flatten()
            .map(|violation| missing_param_message(&violation.field));
        let message = match (body_error, &missing_param) {
            (Some(body_error), _) => body_error.0.as_str(),
            (None, Some(missing_param)) => missing_param.as_str(),
            (None, None) => status.message(),
        };
        let details: Vec<(String, &str)> = field_violations
            .iter()
            .map(|violation| {
                (lago_key(&violation.field, &violation.reason, privilege_code_at), violation.reason.as_str())
            })
            .collect();
        Self::render(kind, &reason, message, &details)
    }

    /// An error of `kind` that no status carried: the table's reason for it, and no field errors.
    fn of_kind(kind: ErrorKind, message: &str) -> Self {
        Self::render(kind, kind.row().reason.resolve(None), message, &[])
    }

    /// The envelope the table gives `kind`; `message` shows only in the envelopes that show one.
    /// `field_errors` are (Lago key, code) pairs.
    fn render(kind: ErrorKind, reason: &str, message: &str, field_errors: &[(String, &str)]) -> Self {
        let ErrorRow { http_status, lago_envelope, .. } = kind.row();
        let status = http_status.as_u16();
        let body = match lago_envelope {
            LagoEnvelope::Title(title) => json!({ "status": status, "error": title }),
            LagoEnvelope::TitleAndCode(title) => json!({ "status": status, "error": title, "code": reason }),
            LagoEnvelope::TitleCodeAndFieldErrors(title) => {
                let mut error_details = Map::new();
                for (key, code) in field_errors {
                    push_detail(&mut error_details, key, code);
                }
                json!({ "status": status, "error": title, "code": reason, "error_details": error_details })
            }
            LagoEnvelope::MessageAfter(prefix) => {
                json!({ "status": status, "error": format!("{prefix}{message}") })
            }
        };
        Self { status: http_status, body }
    }
}

/// Rails' message for a missing or empty root parameter.
pub(crate) fn missing_param_message(param: &str) -> String {
    format!("param is missing or the value is empty or invalid: {param}")
}

/// The kind of error a status carries, read through the one table.
pub(crate) fn kind_of(status: &Status) -> ErrorKind {
    ReceivedError::from_status(status).kind
}

/// A status's field violations, `(proto field path, code)`.
pub(crate) fn violations(status: &Status) -> Vec<(String, String)> {
    status
        .get_error_details()
        .bad_request()
        .map(|bad_request| {
            bad_request
                .field_violations
                .iter()
                .map(|violation| (violation.field.clone(), violation.reason.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Adds a code under its field. A field `name[key]` (an element of a list filter, a metadata
/// key) nests as Lago's validation contracts do: `{"name": {"key": [codes]}}`.
fn push_detail(error_details: &mut Map<String, Value>, field: &str, code: &str) {
    let (parent, field) =
        match field.split_once('[').and_then(|(name, rest)| Some((name, rest.strip_suffix(']')?))) {
            Some((name, key)) => {
                let nested = error_details.entry(name.to_owned()).or_insert_with(|| json!({}));
                match nested {
                    Value::Object(nested) => (nested, key),
                    _ => return,
                }
            }
            None => (error_details, field),
        };
    if let Value::Array(codes) = parent.entry(field.to_owned()).or_insert_with(|| json!([])) {
        codes.push(Value::String(code.to_owned()));
    }
}

impl IntoResponse for LagoError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body)
    }
}

/// Lago's catch-all: unknown routes (and known paths with another method) are 404s.
pub(crate) async fn route_not_found() -> LagoError {
    LagoError::of_kind(ErrorKind::NotFound, "")
}
