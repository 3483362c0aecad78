//! The one table from domain errors to gRPC statuses. Details carry Lago's codes so that the
//! gateway (or any client) can rebuild Lago's error body without parsing messages:
//!
//! | domain error | gRPC code | details |
//! |---|---|---|
//! | NotFound(resource) | NOT_FOUND | ErrorInfo reason `<resource>_not_found` |
//! | Validation | INVALID_ARGUMENT | ErrorInfo `validation_errors`, BadRequest field violations |
//! | BadRequest | INVALID_ARGUMENT | ErrorInfo `bad_request` |
//! | Forbidden(code) | PERMISSION_DENIED | ErrorInfo `<code>` (`feature_unavailable`) |
//! | NotAllowed(code) | FAILED_PRECONDITION | ErrorInfo `<code>` (such as `purchase_order_number_not_editable`) |
//! | Unauthenticated | UNAUTHENTICATED | ErrorInfo `unauthorized` |
//! | Unavailable | UNAVAILABLE | ErrorInfo `unavailable` |
//! | Internal | INTERNAL (logged here, once) | ErrorInfo `internal_error` |

use std::collections::HashMap;

use entitlements_domain::Error;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

/// The `domain` of every ErrorInfo this service sends.
pub const ERROR_DOMAIN: &str = "entitlements";

/// Builds the status answering `error`.
pub fn status_from_error(error: impl Into<Error>) -> Status {
    match error.into() {
        Error::NotFound(resource) => {
            let reason = resource.not_found_code();
            with_reason(Code::NotFound, reason.replace('_', " "), reason, ErrorDetails::new())
        }
        Error::Validation(errors) => {
            let violations: Vec<FieldViolation> = errors
                .fields()
                .flat_map(|(field, codes)| {
                    codes.iter().map(move |code| FieldViolation {
                        field: field.to_owned(),
                        description: code.as_str().to_owned(),
                        reason: code.as_str().to_owned(),
                        localized_message: None,
                    })
                })
                .collect();
            with_reason(
                Code::InvalidArgument,
                format!("validation errors: {errors}"),
                "validation_errors",
                ErrorDetails::with_bad_request(violations),
            )
        }
        Error::BadRequest(message) => {
            with_reason(Code::InvalidArgument, message, "bad_request", ErrorDetails::new())
        }
        Error::Forbidden(code) => {
            with_reason(Code::PermissionDenied, code.replace('_', " "), code, ErrorDetails::new())
        }
        Error::NotAllowed(code) => {
            with_reason(Code::FailedPrecondition, code.replace('_', " "), code, ErrorDetails::new())
        }
        Error::Unauthenticated => {
            with_reason(Code::Unauthenticated, "unauthorized".to_owned(), "unauthorized", ErrorDetails::new())
        }
        Error::Unavailable(message) => {
            tracing::warn!(error = %message, "database unavailable");
            with_reason(
                Code::Unavailable,
                "database unavailable".to_owned(),
                "unavailable",
                ErrorDetails::new(),
            )
        }
        Error::Internal(message) => {
            tracing::error!(error = %message, "internal error");
            with_reason(Code::Internal, "internal error".to_owned(), "internal_error", ErrorDetails::new())
        }
    }
}

fn with_reason(code: Code, message: String, reason: &str, mut details: ErrorDetails) -> Status {
    details.set_error_info(reason, ERROR_DOMAIN, HashMap::new());
    Status::with_error_details(code, message, details)
}
