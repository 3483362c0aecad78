//! Logging and tracing. Logs: `RUST_LOG` filters (default `info`), text or JSON lines on stderr,
//! so that stdout carries only what a command prints (such as a new API key). Traces: exported
//! over OTLP when the standard `OTEL_*` variables ask for it (see `otlp`), and then the request
//! spans carry the trace id into the logs. Kept apart from initialization so tests can run the
//! server without installing a global subscriber.

mod grpc_server_span;
mod http_server_span;
mod otlp;
pub(crate) mod propagation;
mod statement_spans;
pub(crate) mod webhook_span;

use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry_sdk::trace::SdkTracerProvider;

use crate::config::LogFormat;
use crate::served_methods::ServedMethods;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{Layer as _, Registry};

pub(crate) use grpc_server_span::GrpcServerSpanLayer;
pub(crate) use http_server_span::{HttpServerSpan, RecordHttpStatus};
pub use otlp::TraceSettingsError;
pub(crate) use statement_spans::StatementSpans;

/// Whether this process exports traces: set once by `init_from_environment`. Everything that
/// costs something per request (extracting and injecting context, statement spans) asks first.
static TRACES_ENABLED: OnceLock<bool> = OnceLock::new();

/// Whether spans are exported. `false` in processes that never called `init_from_environment`
/// (tests that run the server in-process).
pub(crate) fn traces_enabled() -> bool {
    TRACES_ENABLED.get().copied().unwrap_or(false)
}

/// The name under which this server's spans are recorded (the instrumentation scope).
pub(crate) const TRACER_NAME: &str = "entitlements-server";

/// Installs the global subscriber, logs only. Call once.
pub fn init(format: LogFormat) {
    let filter = env_filter();
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_target(true).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

/// Installs the global subscriber, with the OTLP trace exporter when the environment configures
/// one; without it, exactly what [`init`] installs. Call once, from `main`, on the runtime; keep
/// the result until the server has stopped, then call [`TraceExport::shutdown`].
///
/// # Errors
/// When the `OTEL_*` variables ask for traces in a way this server cannot export (an unknown
/// protocol, an unusable endpoint). Logs are installed either way, so the error can be logged.
pub fn init_from_environment(format: LogFormat) -> Result<TraceExport, TraceSettingsError> {
    let configured = otlp::TraceSettings::from_environment().and_then(|settings| {
        settings.map(|settings| Ok((settings.tracer_provider()?, settings))).transpose()
    });
    let (provider, settings) = match configured {
        Ok(Some(configured)) => configured,
        // No export asked for, or one that cannot be made: logs only, and traces stay off.
        Ok(None) | Err(_) => {
            let _ = TRACES_ENABLED.set(false);
            init(format);
            return configured.map(|_| TraceExport { provider: None });
        }
    };
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    opentelemetry::global::set_tracer_provider(provider.clone());
    let _ = TRACES_ENABLED.set(true);
    let tracer = opentelemetry::trace::TracerProvider::tracer(&provider, TRACER_NAME);
    // Only this server's own spans become OpenTelemetry spans (the request spans, built to the
    // semantic conventions), whatever `RUST_LOG` says; its events stay in the logs.
    let otel_layer = tracing_opentelemetry::layer().with_tracer(tracer).with_filter(filter_fn(|metadata| {
        metadata.is_span() && metadata.target().starts_with("entitlements")
    }));
    let fmt_layer = tracing_subscriber::fmt::layer().with_target(true).with_writer(std::io::stderr);
    let fmt_layer = match format {
        LogFormat::Text => fmt_layer.boxed(),
        LogFormat::Json => fmt_layer.json().flatten_event(true).boxed(),
    };
    Registry::default().with(fmt_layer.with_filter(env_filter())).with(otel_layer).init();
    tracing::info!(
        protocol = settings.protocol.as_str(),
        endpoint = %settings.endpoint_for_log(),
        "exporting traces over otlp"
    );
    Ok(TraceExport { provider: Some(provider) })
}

fn env_filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
}

/// The installed trace exporter, if any, to flush when the server stops.
#[derive(Debug)]
#[must_use = "shut it down when the server stops, so that the last spans are sent"]
pub struct TraceExport {
    provider: Option<SdkTracerProvider>,
}

impl TraceExport {
    /// Sends the spans still queued and stops the exporter (waiting at most a few seconds for a
    /// collector that does not answer).
    pub fn shutdown(self) {
        let Some(provider) = self.provider else { return };
        if let Err(error) = provider.shutdown_with_timeout(Duration::from_secs(5)) {
            tracing::warn!(%error, "cannot flush the last spans");
        }
    }
}

/// The store, while traces are exported, recording each write's trace with its webhook
/// deliveries; otherwise `store` as it is.
pub(crate) fn traced_store(store: entitlements_store::Store) -> entitlements_store::Store {
    if !traces_enabled() {
        return store;
    }
    store.with_trace_parent_source(entitlements_store::TraceParentSource::new(
        propagation::current_trace_parent,
    ))
}

/// The spans of the statements of traced requests on `backend`, while traces are exported.
pub(crate) fn statement_spans(backend: sea_orm::DbBackend) -> Option<StatementSpans> {
    traces_enabled().then(|| StatementSpans::new(backend))
}

/// The layer making a span of every gRPC call, while traces are exported.
pub(crate) fn grpc_server_span_layer(methods: &ServedMethods) -> Option<GrpcServerSpanLayer> {
    traces_enabled().then(|| GrpcServerSpanLayer::new(methods.clone()))
}

/// The gateway's transport, writing the current trace context on every call while traces are
/// exported; otherwise `transport` as it is.
pub(crate) fn gateway_transport(
    transport: entitlements_gateway::GrpcTransport,
) -> entitlements_gateway::GrpcTransport {
    if traces_enabled() { propagation::injecting_transport(transport) } else { transport }
}
