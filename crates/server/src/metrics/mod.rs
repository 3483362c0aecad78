//! Prometheus metrics, one registry per running server (tests run many servers in one process,
//! so nothing is global): the gRPC calls on the gRPC listener (go-grpc-middleware's names), the
//! REST gateway's requests (OpenTelemetry's names), and the service's own (database, view,
//! Check answers, Watch streams, webhooks, sweeper, build, process), served at `GET /metrics`.
//! Cardinality is bounded by construction: every label takes its values from a fixed set (served
//! methods, route templates, codes, reasons), never from a request's ids.
//!
//! `ServerMetrics` is filled while the server is wired (each part registers what it reports),
//! then frozen into the `MetricsEndpoint` that serves the scrapes.

mod background;
mod database;
mod endpoint;
mod grpc_code;
mod grpc_layer;
mod grpc_methods;
mod http_layer;
mod process;
mod service_gauges;

pub(crate) use background::{SubscriptionSweepMetrics, WebhookAttemptMetrics};
pub(crate) use database::DatabaseMetrics;
pub(crate) use endpoint::MetricsEndpoint;
pub(crate) use grpc_layer::GrpcMetricsLayer;
pub(crate) use http_layer::{HttpMetrics, record_http_request};

use std::sync::Arc;

use entitlements_engine::EntitlementsView;
use entitlements_service::ServiceCounters;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::served_methods::ServedMethods;
use grpc_methods::{GrpcFamilies, MethodTable};
use process::ProcessMetrics;
use service_gauges::ServiceGauges;

/// `grpc_server_handling_seconds`' buckets (also the database's).
const GRPC_HANDLING_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// `http_server_request_duration_seconds`' buckets, OpenTelemetry's defaults.
const HTTP_DURATION_BUCKETS: [f64; 14] =
    [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

/// A webhook attempt's buckets: the HTTP ones, up to the default attempt timeout (15 s).
const WEBHOOK_ATTEMPT_BUCKETS: [f64; 15] =
    [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 15.0];

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

/// The registry while the server is wired.
#[derive(Debug)]
pub(crate) struct ServerMetrics {
    registry: Registry,
    process: ProcessMetrics,
    http: HttpMetrics,
    service: Option<ServiceGauges>,
}

impl ServerMetrics {
    /// What every server reports, gateway-only ones included: build, process and HTTP.
    pub(crate) fn new() -> Self {
        let mut registry = Registry::default();
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info.get_or_create(&BuildLabels { version: env!("CARGO_PKG_VERSION") }).set(1);
        registry.register("entitlements_build_info", "The running build (always 1), by version", build_info);
        let process = ProcessMetrics::register(&mut registry);
        let http = HttpMetrics::new();
        registry.register(
            "http_server_request_duration_seconds",
            "Duration of HTTP server requests (the REST gateway), until the answer's head",
            http.request_duration.clone(),
        );
        Self { registry, process, http, service: None }
    }

    pub(crate) fn http(&self) -> HttpMetrics {
        self.http.clone()
    }

    /// The layer counting the calls on the gRPC listener, knowing the methods it serves.
    pub(crate) fn grpc_layer(&mut self, methods: ServedMethods) -> GrpcMetricsLayer {
        let families = GrpcFamilies::new();
        let methods = MethodTable::new(methods, &families);
        self.registry.register("grpc_server_started", "RPCs started on the server", families.started);
        self.registry.register(
            "grpc_server_handled",
            "RPCs completed on the server, regardless of success or failure",
            families.handled,
        );
        self.registry.register(
            "grpc_server_handling_seconds",
            "Response latency (seconds) of gRPC that had been application-level handled by the server",
            families.handling,
        );
        GrpcMetricsLayer::new(methods)
    }

    pub(crate) fn database(&mut self) -> DatabaseMetrics {
        DatabaseMetrics::register(&mut self.registry)
    }

    pub(crate) fn webhook_attempts(&mut self) -> WebhookAttemptMetrics {
        WebhookAttemptMetrics::register(&mut self.registry)
    }

    pub(crate) fn subscription_sweeps(&mut self) -> SubscriptionSweepMetrics {
        SubscriptionSweepMetrics::register(&mut self.registry)
    }

    /// The service's gauges, read from `view` (and its store) and `counters` at each scrape.
    pub(crate) fn service_gauges(&mut self, view: EntitlementsView, counters: Arc<ServiceCounters>) {
        self.service = Some(ServiceGauges::register(&mut self.registry, view, counters));
    }

    /// The registry, complete, ready to serve.
    pub(crate) fn into_endpoint(self) -> MetricsEndpoint {
        MetricsEndpoint::new(self.registry, self.process, self.service)
    }
}
