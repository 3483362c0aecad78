//! The one error table of the entitlements API.
//!
//! Every failure is one [`ErrorKind`], and [`ErrorKind::row`] fixes, for each kind, everything a
//! side of the wire needs to know: the gRPC code, the `google.rpc.ErrorInfo` reason (whose
//! `domain` is always [`ERROR_DOMAIN`]), the HTTP status and the shape of Lago's JSON error body.
//! The service builds its statuses with [`ErrorKind::status`]; the REST gateway, and any Rust
//! client, reads a received status back into its kind with [`ReceivedError::from_status`], so
//! nobody decides a second time what a status means.
//!
//! Kinds whose reason names the object or the rule (`feature_not_found`, `feature_unavailable`,
//! `purchase_order_number_not_editable`) carry it per status; the others always send the same
//! reason (`validation_errors`, `bad_request`, `revision_expired`, `unauthorized`, `unavailable`,
//! `revision_not_reached`, `internal_error`).
//! A `validation_errors` status also carries a `google.rpc.BadRequest` whose field violations
//! name each field and its Lago code (field `code`, description `value_already_exist`).

use std::collections::HashMap;

use http::StatusCode;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The `domain` of every `google.rpc.ErrorInfo` the service sends.
pub const ERROR_DOMAIN: &str = "entitlements";

/// Why a request failed, as far as a caller can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The object does not exist in the caller's organization (or is deleted).
    NotFound,
    /// The request itself is malformed: a required part is missing or unusable.
    BadRequest,
    /// The request is well formed but its values break rules, listed field by field.
    Validation,
    /// The request needs a feature this server does not offer (Lago's 403 without a licence).
    Forbidden,
    /// The object's state does not allow the request (Lago's 405).
    NotAllowed,
    /// A change-log revision older than the log's retention: the caller cannot resume from it
    /// and must read the current state again (resync).
    RevisionExpired,
    /// No API key, or one that no organization owns.
    Unauthenticated,
    /// The database cannot be reached; the caller may retry.
    Unavailable,
    /// The organization has not reached the revision a read asked for (the metadata
    /// `x-entitlements-min-revision`, or CheckService's `min_revision`) within the server's wait;
    /// the caller may retry, or ask a server that has it.
    RevisionNotReached,
    /// A bug or an unexpected state; the server logs the details and never sends them.
    Internal,
}

/// The `google.rpc.ErrorInfo` reason of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Every status of the kind carries this reason.
    Fixed(&'static str),
    /// Each status names its object or rule; `fallback` stands in when a status carries none.
    PerObject { fallback: &'static str },
}

/// The shape of Lago's JSON error body. Every body starts with `"status"`, the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagoEnvelope {
    /// `{"status": 401, "error": "Unauthorized"}`.
    Title(&'static str),
    /// `{"status": 404, "error": "Not Found", "code": "<reason>"}`.
    TitleAndCode(&'static str),
    /// `{"status": 422, "error": "Unprocessable Entity", "code": "<reason>", "error_details":
    /// {"<field>": ["<code>", ...]}}`, the details from the `google.rpc.BadRequest` field
    /// violations.
    TitleCodeAndFieldErrors(&'static str),
    /// `{"status": 400, "error": "BadRequest: <message>"}`: this prefix, then the status message.
    MessageAfter(&'static str),
}

/// Everything a kind decides, side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorRow {
    pub grpc_code: Code,
    pub reason: Reason,
    pub http_status: StatusCode,
    pub lago_envelope: LagoEnvelope,
}

impl ErrorKind {
    /// Every kind. Kinds that share a gRPC code are told apart by their fixed reasons, and the
    /// first one listed answers a status whose reason names none of them: `BadRequest` comes
    /// before `Validation`, so an INVALID_ARGUMENT without `validation_errors` is a malformed
    /// request; likewise `NotAllowed` before `RevisionExpired`, `Unavailable` before
    /// `RevisionNotReached`.
    pub const ALL: [Self; 10] = [
        Self::NotFound,
        Self::BadRequest,
        Self::Validation,
        Self::Forbidden,
        Self::NotAllowed,
        Self::RevisionExpired,
        Self::Unauthenticated,
        Self::Unavailable,
        Self::RevisionNotReached,
        Self::Internal,
    ];

    /// The table.
    pub const fn row(self) -> ErrorRow {
        match self {
            Self::NotFound => ErrorRow {
                grpc_code: Code::NotFound,
                reason: Reason::PerObject { fallback: "resource_not_found" },
                http_status: StatusCode::NOT_FOUND,
                lago_envelope: LagoEnvelope::TitleAndCode("Not Found"),
            },
            Self::BadRequest => ErrorRow {
                grpc_code: Code::InvalidArgument,
                reason: Reason::Fixed("bad_request"),
                http_status: StatusCode::BAD_REQUEST,
                lago_envelope: LagoEnvelope::MessageAfter("BadRequest: "),
            },
            Self::Validation => ErrorRow {
                grpc_code: Code::InvalidArgument,
                reason: Reason::Fixed("validation_errors"),
                http_status: StatusCode::UNPROCESSABLE_ENTITY,
                lago_envelope: LagoEnvelope::TitleCodeAndFieldErrors("Unprocessable Entity"),
            },
            Self::Forbidden => ErrorRow {
                grpc_code: Code::PermissionDenied,
                reason: Reason::PerObject { fallback: "feature_unavailable" },
                http_status: StatusCode::FORBIDDEN,
                lago_envelope: LagoEnvelope::TitleAndCode("Forbidden"),
            },
            Self::NotAllowed => ErrorRow {
                grpc_code: Code::FailedPrecondition,
                reason: Reason::PerObject { fallback: "not_allowed" },
                http_status: StatusCode::METHOD_NOT_ALLOWED,
                lago_envelope: LagoEnvelope::TitleAndCode("Method Not Allowed"),
            },
            // No Lago route answers it (Lago has no change log); 410 says "gone for good" to a
            // REST caller too.
            Self::RevisionExpired => ErrorRow {
                grpc_code: Code::FailedPrecondition,
                reason: Reason::Fixed("revision_expired"),
                http_status: StatusCode::GONE,
                lago_envelope: LagoEnvelope::TitleAndCode("Gone"),
            },
            Self::Unauthenticated => ErrorRow {
                grpc_code: Code::Unauthenticated,
                reason: Reason::Fixed("unauthorized"),
                http_status: StatusCode::UNAUTHORIZED,
                lago_envelope: LagoEnvelope::Title("Unauthorized"),
            },
            Self::Unavailable => ErrorRow {
                grpc_code: Code::Unavailable,
                reason: Reason::Fixed("unavailable"),
                http_status: StatusCode::SERVICE_UNAVAILABLE,
                lago_envelope: LagoEnvelope::Title("Service Unavailable"),
            },
            Self::RevisionNotReached => ErrorRow {
                grpc_code: Code::Unavailable,
                reason: Reason::Fixed("revision_not_reached"),
                http_status: StatusCode::SERVICE_UNAVAILABLE,
                lago_envelope: LagoEnvelope::TitleAndCode("Service Unavailable"),
            },
            Self::Internal => ErrorRow {
                grpc_code: Code::Internal,
                reason: Reason::Fixed("internal_error"),
                http_status: StatusCode::INTERNAL_SERVER_ERROR,
                lago_envelope: LagoEnvelope::Title("Internal Server Error"),
            },
        }
    }

    /// A status of this kind: its gRPC code, `message`, and `details` with an ErrorInfo added in
    /// [`ERROR_DOMAIN`] whose reason is [`Reason::resolve`] of `object_reason`.
    pub fn status(
        self,
        object_reason: Option<&str>,
        message: impl Into<String>,
        details: ErrorDetails,
    ) -> Status {
        let ErrorRow { grpc_code, reason, .. } = self.row();
        let mut details = details;
        details.set_error_info(reason.resolve(object_reason), ERROR_DOMAIN, HashMap::new());
        Status::with_error_details(grpc_code, message, details)
    }

    /// The kind of a status with this code and ErrorInfo reason (see [`ErrorKind::ALL`] for
    /// kinds that share a code). A code that no kind sends (UNKNOWN, UNIMPLEMENTED, ...) is
    /// `Internal`.
    pub fn from_code_and_reason(code: Code, reason: Option<&str>) -> Self {
        let with_code = || Self::ALL.into_iter().filter(move |kind| kind.row().grpc_code == code);
        with_code()
            .find(|kind| matches!(kind.row().reason, Reason::Fixed(fixed) if Some(fixed) == reason))
            .or_else(|| with_code().next())
            .unwrap_or(Self::Internal)
    }
}

impl Reason {
    /// The reason a status carries: the fixed one, or else the object's, or else the fallback.
    pub fn resolve(self, object_reason: Option<&str>) -> &str {
        match self {
            Self::Fixed(reason) => reason,
            Self::PerObject { fallback } => object_reason.unwrap_or(fallback),
        }
    }
}

/// A received status read through the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedError {
    pub kind: ErrorKind,
    /// The ErrorInfo reason, resolved as the kind's [`Reason`] says (Lago's `code`).
    pub reason: String,
}

impl ReceivedError {
    pub fn from_status(status: &Status) -> Self {
        let details = status.get_error_details();
        let received_reason = details.error_info().map(|info| info.reason.as_str());
        let kind = ErrorKind::from_code_and_reason(status.code(), received_reason);
        Self { kind, reason: kind.row().reason.resolve(received_reason).to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn all_lists_every_kind_once() {
        let distinct: HashSet<ErrorKind> = ErrorKind::ALL.into_iter().collect();
        assert_eq!(distinct.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn every_kind_round_trips_through_its_status() {
        for kind in ErrorKind::ALL {
            let status = kind.status(None, "message", ErrorDetails::new());
            let received = ReceivedError::from_status(&status);
            assert_eq!(received.kind, kind, "{status:?}");
            assert_eq!(received.reason, kind.row().reason.resolve(None));
            assert_eq!(
                status.get_error_details().error_info().map(|info| info.domain.as_str()),
                Some(ERROR_DOMAIN)
            );
        }
    }

    #[test]
    fn per_object_reasons_are_sent_and_read_back() {
        for (kind, reason) in [
            (ErrorKind::NotFound, "feature_not_found"),
            (ErrorKind::Forbidden, "feature_unavailable"),
            (ErrorKind::NotAllowed, "purchase_order_number_not_editable"),
        ] {
            let status = kind.status(Some(reason), "message", ErrorDetails::new());
            assert_eq!(
                ReceivedError::from_status(&status),
                ReceivedError { kind, reason: reason.to_owned() }
            );
        }
    }

    #[test]
    fn fixed_reasons_win_over_an_object_reason() {
        let status = ErrorKind::Unauthenticated.status(Some("other"), "unauthorized", ErrorDetails::new());
        assert_eq!(
            status.get_error_details().error_info().map(|info| info.reason.as_str()),
            Some("unauthorized")
        );
    }

    #[test]
    fn grpc_codes_http_statuses_and_reasons_are_lagos() {
        let expected = [
            (ErrorKind::NotFound, Code::NotFound, 404, "resource_not_found"),
            (ErrorKind::BadRequest, Code::InvalidArgument, 400, "bad_request"),
            (ErrorKind::Validation, Code::InvalidArgument, 422, "validation_errors"),
            (ErrorKind::Forbidden, Code::PermissionDenied, 403, "feature_unavailable"),
            (ErrorKind::NotAllowed, Code::FailedPrecondition, 405, "not_allowed"),
            (ErrorKind::RevisionExpired, Code::FailedPrecondition, 410, "revision_expired"),
            (ErrorKind::Unauthenticated, Code::Unauthenticated, 401, "unauthorized"),
            (ErrorKind::Unavailable, Code::Unavailable, 503, "unavailable"),
            (ErrorKind::RevisionNotReached, Code::Unavailable, 503, "revision_not_reached"),
            (ErrorKind::Internal, Code::Internal, 500, "internal_error"),
        ];
        for (kind, grpc_code, http_status, reason) in expected {
            let row = kind.row();
            assert_eq!(row.grpc_code, grpc_code, "{kind:?}");
            assert_eq!(row.http_status.as_u16(), http_status, "{kind:?}");
            assert_eq!(row.reason.resolve(None), reason, "{kind:?}");
        }
    }

    #[test]
    fn statuses_without_error_info_fall_back_by_code() {
        let cases = [
            (Code::NotFound, ErrorKind::NotFound, "resource_not_found"),
            (Code::InvalidArgument, ErrorKind::BadRequest, "bad_request"),
            (Code::PermissionDenied, ErrorKind::Forbidden, "feature_unavailable"),
            (Code::FailedPrecondition, ErrorKind::NotAllowed, "not_allowed"),
            (Code::Unauthenticated, ErrorKind::Unauthenticated, "unauthorized"),
            (Code::Unavailable, ErrorKind::Unavailable, "unavailable"),
            (Code::Internal, ErrorKind::Internal, "internal_error"),
            (Code::Unknown, ErrorKind::Internal, "internal_error"),
            (Code::Unimplemented, ErrorKind::Internal, "internal_error"),
        ];
        for (code, kind, reason) in cases {
            let received = ReceivedError::from_status(&Status::new(code, "plain"));
            assert_eq!(received, ReceivedError { kind, reason: reason.to_owned() }, "{code:?}");
        }
    }

    #[test]
    fn invalid_argument_is_validation_only_when_it_says_so() {
        assert_eq!(
            ErrorKind::from_code_and_reason(Code::InvalidArgument, Some("validation_errors")),
            ErrorKind::Validation
        );
        assert_eq!(
            ErrorKind::from_code_and_reason(Code::InvalidArgument, Some("bad_request")),
            ErrorKind::BadRequest
        );
        assert_eq!(
            ErrorKind::from_code_and_reason(Code::InvalidArgument, Some("other")),
            ErrorKind::BadRequest
        );
    }
}
