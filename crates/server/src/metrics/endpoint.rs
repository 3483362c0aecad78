//! `GET /metrics`: refreshes the gauges read at scrape time, then encodes the registry in the
//! Prometheus text format 0.0.4. Served without an API key, on the HTTP listener (outside the
//! HTTP metrics) or on `--metrics-addr`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::registry::Registry;

use super::process::ProcessMetrics;
use super::service_gauges::ServiceGauges;

/// One server's registry and what its scrape reads, shared by the `/metrics` handlers.
#[derive(Debug, Clone)]
pub(crate) struct MetricsEndpoint {
    scrape: Arc<Scrape>,
}

#[derive(Debug)]
struct Scrape {
    registry: Registry,
    process: ProcessMetrics,
    /// The service's gauges, and the registry of those read from the database (encoded only when
    /// the reading succeeded); absent in gateway-only mode.
    service: Option<(ServiceGauges, Registry)>,
}

impl MetricsEndpoint {
    pub(super) fn new(registry: Registry, process: ProcessMetrics, service: Option<ServiceGauges>) -> Self {
        let service = service.map(|gauges| {
            let mut readings = Registry::default();
            gauges.register_database_readings(&mut readings);
            (gauges, readings)
        });
        Self { scrape: Arc::new(Scrape { registry, process, service }) }
    }

    /// The router serving `GET /metrics`.
    pub(crate) fn router(&self) -> Router {
        Router::new().route("/metrics", get(serve_metrics)).with_state(self.clone())
    }

    /// Every metric now, in the Prometheus text format.
    ///
    /// # Errors
    /// When encoding fails (a label that cannot be written).
    pub(crate) async fn render(&self) -> Result<String, std::fmt::Error> {
        let scrape = &self.scrape;
        scrape.process.refresh().await;
        let database_readings = match &scrape.service {
            Some((gauges, readings)) => gauges.refresh().await.then_some(readings),
            None => None,
        };
        let mut text = String::new();
        prometheus_text::encode(&mut text, &scrape.registry)?;
        if let Some(readings) = database_readings {
            prometheus_text::encode(&mut text, readings)?;
        }
        Ok(text)
    }
}

async fn serve_metrics(State(endpoint): State<MetricsEndpoint>) -> Response {
    match endpoint.render().await {
        Ok(text) => ([(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)], text).into_response(),
        Err(error) => {
            tracing::warn!(%error, "cannot encode the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
