//! gRPC status codes as the `grpc_code` label, spelled as Go prints them (go-grpc-middleware's
//! labels), read from a `grpc-status` header or trailer without allocating.

use http::HeaderMap;

/// The labels of codes 0 to 16, indexed by code.
pub(crate) const GRPC_CODE_NAMES: [&str; 17] = [
    "OK",
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
];

/// A code's index in [`GRPC_CODE_NAMES`].
pub(crate) type GrpcCodeIndex = usize;

pub(crate) const CANCELED: GrpcCodeIndex = 1;
pub(crate) const UNKNOWN: GrpcCodeIndex = 2;

/// The code `grpc-status` says, if the map has one; an unreadable value is `Unknown`, as gRPC
/// clients read it.
pub(crate) fn grpc_code_of(headers: &HeaderMap) -> Option<GrpcCodeIndex> {
    let value = headers.get("grpc-status")?;
    let code = std::str::from_utf8(value.as_bytes())
        .ok()
        .and_then(|text| text.parse::<usize>().ok())
        .filter(|code| *code < GRPC_CODE_NAMES.len());
    Some(code.unwrap_or(UNKNOWN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_from_grpc_status() {
        let mut headers = HeaderMap::new();
        assert_eq!(grpc_code_of(&headers), None);
        headers.insert("grpc-status", http::HeaderValue::from_static("16"));
        assert_eq!(
            grpc_code_of(&headers).and_then(|code| GRPC_CODE_NAMES.get(code)),
            Some(&"Unauthenticated")
        );
        headers.insert("grpc-status", http::HeaderValue::from_static("99"));
        assert_eq!(grpc_code_of(&headers), Some(UNKNOWN));
    }
}
