//! How a gRPC call that ends with an error status is logged: a status that says the client erred
//! (NOT_FOUND, INVALID_ARGUMENT, UNAUTHENTICATED, ...) at DEBUG with its code, since it is the
//! service working as specified; one that says the server is at fault (the codes OpenTelemetry
//! marks as server errors: UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE,
//! DATA_LOSS) at ERROR, for whoever alerts on errors. `tower_http` logs every non-OK status at
//! ERROR by default.

use std::time::Duration;

use tower_http::classify::GrpcFailureClass;
use tower_http::trace::OnFailure;
use tracing::Span;

/// The gRPC listener's `OnFailure` for `tower_http`'s `TraceLayer`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LogGrpcFailure;

impl OnFailure<GrpcFailureClass> for LogGrpcFailure {
    fn on_failure(&mut self, failure: GrpcFailureClass, latency: Duration, _span: &Span) {
        let latency_ms = latency.as_millis();
        match failure {
            GrpcFailureClass::Code(code) => {
                let grpc_code = tonic::Code::from(code.get());
                if is_server_fault(grpc_code) {
                    tracing::error!(?grpc_code, latency_ms, "call failed");
                } else {
                    tracing::debug!(?grpc_code, latency_ms, "call answered with a client error");
                }
            }
            GrpcFailureClass::Error(error) => tracing::error!(%error, latency_ms, "call failed"),
        }
    }
}

/// Whether `code` says the server, not the client, is at fault.
fn is_server_fault(code: tonic::Code) -> bool {
    matches!(
        code,
        tonic::Code::Unknown
            | tonic::Code::DeadlineExceeded
            | tonic::Code::Unimplemented
            | tonic::Code::Internal
            | tonic::Code::Unavailable
            | tonic::Code::DataLoss
    )
}

#[cfg(test)]
mod tests {
    use super::is_server_fault;

    #[test]
    fn client_errors_are_not_server_faults() {
        for code in [
            tonic::Code::Cancelled,
            tonic::Code::InvalidArgument,
            tonic::Code::NotFound,
            tonic::Code::AlreadyExists,
            tonic::Code::PermissionDenied,
            tonic::Code::ResourceExhausted,
            tonic::Code::FailedPrecondition,
            tonic::Code::Aborted,
            tonic::Code::OutOfRange,
            tonic::Code::Unauthenticated,
        ] {
            assert!(!is_server_fault(code), "{code:?}");
        }
        assert!(is_server_fault(tonic::Code::Internal));
        assert!(is_server_fault(tonic::Code::Unavailable));
    }
}
