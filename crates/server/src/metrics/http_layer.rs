//! `http_server_request_duration_seconds` of the REST gateway, labelled with axum's route
//! template (`/api/v1/subscriptions/{external_id}`, never the raw path, so that ids make no
//! series), "" when no route matched, and the method outside the standard set as `_OTHER`.
//! Applied with `Router::layer`, which axum applies per route, after it has put the
//! `MatchedPath` in the request's extensions.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::Method;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::histogram::Histogram;

use super::HTTP_DURATION_BUCKETS;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct HttpRequestLabels {
    pub(crate) http_request_method: &'static str,
    pub(crate) http_route: String,
    pub(crate) http_response_status_code: u16,
}

/// The classic buckets of `http_server_request_duration_seconds`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DurationBuckets;

impl MetricConstructor<Histogram> for DurationBuckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(HTTP_DURATION_BUCKETS)
    }
}

/// The HTTP family of one registry.
#[derive(Debug, Clone)]
pub(crate) struct HttpMetrics {
    pub(crate) request_duration: Family<HttpRequestLabels, Histogram, DurationBuckets>,
}

impl HttpMetrics {
    pub(crate) fn new() -> Self {
        Self { request_duration: Family::new_with_constructor(DurationBuckets) }
    }
}

/// The middleware: times the request until its answer's head.
pub(crate) async fn record_http_request(
    State(metrics): State<HttpMetrics>,
    request: Request,
    next: Next,
) -> Response {
    let method = method_label(request.method());
    let route =
        request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_owned()).unwrap_or_default();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = HttpRequestLabels {
        http_request_method: method,
        http_route: route,
        http_response_status_code: response.status().as_u16(),
    };
    metrics.request_duration.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    response
}

/// The method as OpenTelemetry's `http.request.method`: one of the standard ones, else `_OTHER`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "_OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_outside_the_standard_set_is_other() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let Ok(invented) = Method::from_bytes(b"PURGE") else { panic!("a valid token") };
        assert_eq!(method_label(&invented), "_OTHER");
    }
}
