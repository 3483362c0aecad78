//! The client span of a webhook delivery attempt, a child of the request whose write produced
//! the delivery (its `traceparent`, stored with the delivery). Made only while traces are
//! exported.

use entitlements_store::DueDelivery;
use opentelemetry::trace::TraceContextExt as _;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::{propagation, traces_enabled};

/// The span of one attempt at `delivery`, or `None` while traces are not exported.
pub(crate) fn delivery_span(delivery: &DueDelivery) -> Option<tracing::Span> {
    if !traces_enabled() {
        return None;
    }
    let span = tracing::info_span!(
        "webhook delivery",
        otel.name = "POST",
        otel.kind = "client",
        http.request.method = "POST",
        url.full = %url_without_secrets(&delivery.endpoint.url),
        http.response.status_code = Empty,
        otel.status_code = Empty,
        webhook.event_type = %delivery.webhook_type,
        webhook.delivery_id = %delivery.id,
        // The attempt's number, from 1, and the retries before it, as the conventions count them.
        webhook.attempt = delivery.attempts.saturating_add(1),
        http.request.resend_count = delivery.attempts,
    );
    if let Some(trace_parent) = &delivery.trace_parent {
        let parent = propagation::from_trace_parent(trace_parent);
        if parent.span().span_context().is_valid() {
            let _ = span.set_parent(parent);
        }
    }
    Some(span)
}

/// Records how the attempt ended: the status of an answer (an error from 500 on), or an error
/// without one.
pub(crate) fn record_outcome(span: &tracing::Span, http_status: Option<u16>) {
    match http_status {
        Some(status) => {
            span.record("http.response.status_code", status);
            if status >= 500 {
                span.record("otel.status_code", "ERROR");
            }
        }
        None => {
            span.record("otel.status_code", "ERROR");
        }
    }
}

/// The endpoint's URL without user information or query, which may hold credentials.
fn url_without_secrets(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.to_string()
        }
        Err(_) => String::new(),
    }
}
