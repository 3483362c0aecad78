//! Domain errors as gRPC statuses: each variant picks its kind in the one error table
//! (`entitlements::errors`), which fixes the code and the ErrorInfo reason; this module adds what
//! only the domain knows, the message and the field violations. Internal errors are logged here,
//! once, and never sent.

use entitlements::errors::ErrorKind;
use entitlements_domain::{Error, ErrorCode};
use tonic::Status;
use tonic_types::{ErrorDetails, FieldViolation};

/// The answer to a write whose input sits in the request field `input` (`feature`, `plan`, ...):
/// its field violations are named by their path in the request, `feature.privileges[1].code`.
pub(crate) fn status_in<E: Into<Error>>(input: &'static str) -> impl Fn(E) -> Status {
    move |error| status_from_error(within_input(error.into(), input))
}

/// `error` with its field violations moved under `input`. The request's own `update_mask` stays
/// where it is: it sits beside the input, not in it.
pub(crate) fn within_input(error: Error, input: &str) -> Error {
    match error {
        Error::Validation(errors) => {
            let prefix = format!("{input}.");
            Error::Validation(errors.map_fields(|field| {
                if field == REQUEST_UPDATE_MASK { field.to_owned() } else { format!("{prefix}{field}") }
            }))
        }
        other => other,
    }
}

/// The field of a request that holds its update mask.
const REQUEST_UPDATE_MASK: &str = "update_mask";

/// Builds the status answering `error`.
pub fn status_from_error(error: impl Into<Error>) -> Status {
    match error.into() {
        Error::NotFound { resource, name } => {
            let reason = resource.not_found_code();
            let resource_type = resource.type_name();
            let message = format!("{resource_type} {name:?} not found");
            let details = ErrorDetails::with_resource_info(resource_type, name, "", message.clone());
            ErrorKind::NotFound.status(Some(reason), message, details)
        }
        Error::Validation(errors) => {
            let violations: Vec<FieldViolation> = errors
                .fields()
                .flat_map(|(field, codes)| {
                    codes.iter().map(move |code| FieldViolation {
                        field: field.to_owned(),
                        description: format!("{field}: {}", code.as_str().replace('_', " ")),
                        reason: code.as_str().to_owned(),
                        localized_message: None,
                    })
                })
                .collect();
            ErrorKind::Validation.status(
                None,
                format!("validation errors: {errors}"),
                ErrorDetails::with_bad_request(violations),
            )
        }
        Error::BadRequest(message) => ErrorKind::BadRequest.status(None, message, ErrorDetails::new()),
        Error::MissingParam(param) => {
            let message = format!("{param} is required");
            let violation = FieldViolation {
                field: param,
                description: message.clone(),
                reason: ErrorCode::ValueIsMandatory.as_str().to_owned(),
                localized_message: None,
            };
            ErrorKind::BadRequest.status(None, message, ErrorDetails::with_bad_request(vec![violation]))
        }
        Error::Forbidden(code) => {
            ErrorKind::Forbidden.status(Some(code), code.replace('_', " "), ErrorDetails::new())
        }
        Error::NotAllowed(code) => {
            ErrorKind::NotAllowed.status(Some(code), code.replace('_', " "), ErrorDetails::new())
        }
        Error::Unauthenticated => {
            ErrorKind::Unauthenticated.status(None, "unauthorized", ErrorDetails::new())
        }
        Error::Unavailable(message) => {
            tracing::warn!(error = %message, "database unavailable");
            ErrorKind::Unavailable.status(None, "database unavailable", ErrorDetails::new())
        }
        Error::Internal(message) => {
            tracing::error!(error = %message, "internal error");
            ErrorKind::Internal.status(None, "internal error", ErrorDetails::new())
        }
    }
}
