//! The gRPC server span around every call, on the gRPC listener and in the gateway's in-process
//! calls alike: `{package.Service}/{Method}`, with the RPC semantic conventions' attributes,
//! continuing the `traceparent` of the call's metadata (which the gateway writes, see
//! `propagation`). Added only while traces are exported. Names come from the served methods, so a
//! client inventing paths cannot mint span names: such calls are all `unknown`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use opentelemetry::trace::TraceContextExt as _;
use tower::{Layer, Service};
use tracing::Instrument as _;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::http_server_span::record_trace_id;
use super::propagation;
use crate::served_methods::ServedMethods;

/// Wraps a gRPC service in [`GrpcServerSpan`].
#[derive(Debug, Clone)]
pub(crate) struct GrpcServerSpanLayer {
    methods: ServedMethods,
}

impl GrpcServerSpanLayer {
    pub(crate) fn new(methods: ServedMethods) -> Self {
        Self { methods }
    }
}

impl<S> Layer<S> for GrpcServerSpanLayer {
    type Service = GrpcServerSpan<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcServerSpan { inner, methods: self.methods.clone() }
    }
}

/// A gRPC service whose calls each run in a server span.
#[derive(Debug, Clone)]
pub(crate) struct GrpcServerSpan<S> {
    inner: S,
    methods: ServedMethods,
}

impl<S, RequestBody, ResponseBody> Service<http::Request<RequestBody>> for GrpcServerSpan<S>
where
    S: Service<http::Request<RequestBody>, Response = http::Response<ResponseBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, context: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: http::Request<RequestBody>) -> Self::Future {
        // Every gRPC (and gRPC-Web) call is a POST; the rest (CORS preflights) are not calls.
        if request.method() != http::Method::POST {
            return Box::pin(self.inner.call(request));
        }
        let span = call_span(&request, &self.methods);
        let answer = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        Box::pin(async move {
            let answered = answer.instrument(span.clone()).await;
            if let Ok(response) = &answered {
                record_status(&span, response);
            }
            answered
        })
    }
}

fn call_span<B>(request: &http::Request<B>, methods: &ServedMethods) -> tracing::Span {
    let (full_method, service, method) = match methods.find(request.uri().path()) {
        Some(served) => (served.full_name(), served.service.as_str(), served.method.as_str()),
        None => ("unknown", "unknown", "unknown"),
    };
    let span = tracing::info_span!(
        "grpc request",
        otel.name = full_method,
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.service = service,
        rpc.method = method,
        rpc.grpc.status_code = Empty,
        otel.status_code = Empty,
        trace_id = Empty,
    );
    let parent = propagation::extract(request.headers());
    // Without a `traceparent`, the span stays a child of the current span, if any.
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
    record_trace_id(&span);
    span
}

/// The call's status: in the headers of an answer that is only an error (as tonic sends one),
/// otherwise `OK` (a stream that fails later reports it in its trailers, which this does not
/// wait for). The codes the conventions call server errors mark the span as failed.
fn record_status<B>(span: &tracing::Span, response: &http::Response<B>) {
    let code = response
        .headers()
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<i64>().ok())
        .unwrap_or(0);
    span.record("rpc.grpc.status_code", code);
    // UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
    if matches!(code, 2 | 4 | 12 | 13 | 14 | 15) {
        span.record("otel.status_code", "ERROR");
    }
}
