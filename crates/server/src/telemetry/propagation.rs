//! W3C trace context in and out of HTTP headers and gRPC metadata (the same headers):
//! `traceparent` and `tracestate` read from incoming requests, written on the gateway's gRPC
//! calls and on webhook deliveries. Used only while traces are exported.

use std::collections::HashMap;
use std::task::{Context as TaskContext, Poll};

use entitlements_gateway::GrpcTransport;
use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TraceContextExt as _;
use tower::Service;
use tower::util::BoxCloneSyncService;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The context the request's headers carry (an empty one when they carry none).
pub(crate) fn extract(headers: &HeaderMap) -> Context {
    opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(&HeaderReader(headers)))
}

/// Writes the current span's context into `headers`.
pub(crate) fn inject_current(headers: &mut HeaderMap) {
    let context = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut HeaderWriter(headers));
    });
}

/// The current span's `traceparent`, if it is part of a trace: what a webhook delivery stores to
/// continue the trace of the write that produced it.
pub(crate) fn current_trace_parent() -> Option<String> {
    let context = tracing::Span::current().context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut fields = HashMap::new();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut fields);
    });
    fields.remove("traceparent")
}

/// The context a stored `traceparent` names.
pub(crate) fn from_trace_parent(trace_parent: &str) -> Context {
    let fields = HashMap::from([("traceparent".to_owned(), trace_parent.to_owned())]);
    opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(&fields))
}

/// The gateway's gRPC transport, with the current span's context written on every call, so that
/// the services' spans continue the REST request's trace, in-process or over the network.
pub(crate) fn injecting_transport(transport: GrpcTransport) -> GrpcTransport {
    BoxCloneSyncService::new(InjectContext { inner: transport })
}

#[derive(Clone)]
struct InjectContext {
    inner: GrpcTransport,
}

impl<Body> Service<http::Request<Body>> for InjectContext
where
    GrpcTransport: Service<http::Request<Body>>,
{
    type Response = <GrpcTransport as Service<http::Request<Body>>>::Response;
    type Error = <GrpcTransport as Service<http::Request<Body>>>::Error;
    type Future = <GrpcTransport as Service<http::Request<Body>>>::Future;

    fn poll_ready(&mut self, context: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        inject_current(request.headers_mut());
        self.inner.call(request)
    }
}

struct HeaderReader<'a>(&'a HeaderMap);

impl Extractor for HeaderReader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

struct HeaderWriter<'a>(&'a mut HeaderMap);

impl Injector for HeaderWriter<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(key), HeaderValue::try_from(value)) {
            self.0.insert(name, value);
        }
    }
}
