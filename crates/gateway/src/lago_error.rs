//! Lago's error envelopes, rebuilt from the services' gRPC statuses without losing anything:
//!
//! | gRPC | HTTP | body |
//! |---|---|---|
//! | NOT_FOUND, ErrorInfo `<resource>_not_found` | 404 | `{"status":404,"error":"Not Found","code":"..."}` |
//! | INVALID_ARGUMENT with field violations | 422 | `{..."code":"validation_errors","error_details":{...}}` (a field `name[key]` nests under `name`) |
//! | INVALID_ARGUMENT otherwise | 400 | `{"status":400,"error":"BadRequest: ..."}` |
//! | UNAUTHENTICATED | 401 | `{"status":401,"error":"Unauthorized"}` |
//! | PERMISSION_DENIED, ErrorInfo `<code>` | 403 | `{"status":403,"error":"Forbidden","code":"..."}` |
//! | FAILED_PRECONDITION, ErrorInfo `<code>` | 405 | `{"status":405,"error":"Method Not Allowed","code":"..."}` |
//! | UNAVAILABLE | 503 | `{"status":503,"error":"Service Unavailable"}` |
//! | anything else | 500 | `{"status":500,"error":"Internal Server Error"}` |

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tonic::{Code, Status};
use tonic_types::StatusExt;

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
    pub(crate) fn bad_request(message: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "status": 400, "error": format!("BadRequest: {message}") }),
        }
    }

    pub(crate) fn not_found(code: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            body: json!({ "status": 404, "error": "Not Found", "code": code }),
        }
    }

    /// Translates a service status. When the gateway already knows the body was unreadable, its
    /// message replaces the service's generic "param is missing".
    pub(crate) fn from_status(status: &Status, body_error: Option<&BodyError>) -> Self {
        let details = status.get_error_details();
        match status.code() {
            Code::NotFound => {
                let code = details.error_info().map_or("resource_not_found", |info| info.reason.as_str());
                Self::not_found(code)
            }
            Code::InvalidArgument => match details.bad_request() {
                Some(bad_request) if !bad_request.field_violations.is_empty() => {
                    let mut error_details = Map::new();
                    for violation in &bad_request.field_violations {
                        push_detail(&mut error_details, &violation.field, &violation.description);
                    }
                    Self {
                        status: StatusCode::UNPROCESSABLE_ENTITY,
                        body: json!({
                            "status": 422,
                            "error": "Unprocessable Entity",
                            "code": "validation_errors",
                            "error_details": error_details,
                        }),
                    }
                }
                _ => Self::bad_request(body_error.map_or(status.message(), |error| error.0.as_str())),
            },
            Code::Unauthenticated => Self {
                status: StatusCode::UNAUTHORIZED,
                body: json!({ "status": 401, "error": "Unauthorized" }),
            },
            Code::PermissionDenied => {
                let code = details.error_info().map_or("feature_unavailable", |info| info.reason.as_str());
                Self {
                    status: StatusCode::FORBIDDEN,
                    body: json!({ "status": 403, "error": "Forbidden", "code": code }),
                }
            }
            Code::FailedPrecondition => {
                let code = details.error_info().map_or("not_allowed", |info| info.reason.as_str());
                Self {
                    status: StatusCode::METHOD_NOT_ALLOWED,
                    body: json!({ "status": 405, "error": "Method Not Allowed", "code": code }),
                }
            }
            Code::Unavailable => Self {
                status: StatusCode::SERVICE_UNAVAILABLE,
                body: json!({ "status": 503, "error": "Service Unavailable" }),
            },
            code => {
                if code != Code::Internal {
                    // The service logs its own internal errors; anything else is news here.
                    tracing::error!(grpc_code = ?code, message = status.message(), "unexpected grpc status");
                }
                Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    body: json!({ "status": 500, "error": "Internal Server Error" }),
                }
            }
        }
    }
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
    LagoError::not_found("resource_not_found")
}
