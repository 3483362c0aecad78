//! The REST gateway's request span, for `tower_http`'s `TraceLayer`. While traces are exported it
//! is an OpenTelemetry server span named and described as the HTTP semantic conventions say
//! (`GET /api/v1/features/{code}`, `http.request.method`, `http.route`, `url.path`,
//! `http.response.status_code`), continuing the request's `traceparent`, with the trace id as a
//! field so that every log line of the request carries it. Otherwise it is `TraceLayer`'s own
//! debug span, and nothing else is done per request.

use std::time::Duration;

use axum::extract::MatchedPath;
use opentelemetry::trace::TraceContextExt as _;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, MakeSpan, OnResponse};
use tracing::Span;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::{propagation, traces_enabled};

/// Makes each request's span.
#[derive(Debug, Clone)]
pub(crate) struct HttpServerSpan {
    traces: bool,
    fallback: DefaultMakeSpan,
}

impl HttpServerSpan {
    /// Per the process's trace export, decided once.
    pub(crate) fn new() -> Self {
        Self { traces: traces_enabled(), fallback: DefaultMakeSpan::new() }
    }
}

impl<B> MakeSpan<B> for HttpServerSpan {
    fn make_span(&mut self, request: &http::Request<B>) -> Span {
        if !self.traces {
            return self.fallback.make_span(request);
        }
        let method = semantic_method(request.method());
        let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
        let name = match route {
            Some(route) => format!("{method} {route}"),
            None => method.to_owned(),
        };
        let span = tracing::info_span!(
            "http request",
            otel.name = %name,
            otel.kind = "server",
            http.request.method = method,
            http.route = route,
            url.path = request.uri().path(),
            http.response.status_code = Empty,
            otel.status_code = Empty,
            trace_id = Empty,
        );
        let _ = span.set_parent(propagation::extract(request.headers()));
        record_trace_id(&span);
        span
    }
}

/// Records the answer's status on the span (and, from 500 on, the error status the conventions
/// give a server span), then logs as `TraceLayer` does by default.
#[derive(Debug, Clone)]
pub(crate) struct RecordHttpStatus {
    traces: bool,
    fallback: DefaultOnResponse,
}

impl RecordHttpStatus {
    /// Per the process's trace export, decided once.
    pub(crate) fn new() -> Self {
        Self { traces: traces_enabled(), fallback: DefaultOnResponse::new() }
    }
}

impl<B> OnResponse<B> for RecordHttpStatus {
    fn on_response(self, response: &http::Response<B>, latency: Duration, span: &Span) {
        if self.traces {
            let status = response.status();
            span.record("http.response.status_code", status.as_u16());
            if status.is_server_error() {
                span.record("otel.status_code", "ERROR");
            }
        }
        self.fallback.on_response(response, latency, span);
    }
}

/// The method as the conventions spell it: the standard ones, and `_OTHER` for the rest, so that
/// a client cannot mint span names.
fn semantic_method(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::PATCH => "PATCH",
        http::Method::DELETE => "DELETE",
        http::Method::HEAD => "HEAD",
        http::Method::OPTIONS => "OPTIONS",
        http::Method::TRACE => "TRACE",
        http::Method::CONNECT => "CONNECT",
        _ => "_OTHER",
    }
}

/// Puts the span's trace id in its `trace_id` field, for the logs.
pub(super) fn record_trace_id(span: &Span) {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    if span_context.is_valid() {
        span.record("trace_id", tracing::field::display(span_context.trace_id()));
    }
}
