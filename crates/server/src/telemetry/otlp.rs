//! The OTLP trace exporter, configured by the standard `OTEL_*` variables. Traces are exported
//! only when an endpoint is set (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
//! `OTEL_EXPORTER_OTLP_ENDPOINT`), unless `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.
//!
//! This module reads what decides whether and how to export: those variables, the protocol
//! (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`: `grpc`, `http/protobuf`
//! (the default, as the specification says) or `http/json`), the request timeout for the HTTP
//! client, and the default `service.name`. The SDK reads the rest itself: the endpoints, headers,
//! timeout and compression (`OTEL_EXPORTER_OTLP_[TRACES_]*`), the resource
//! (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`), the sampler (`OTEL_TRACES_SAMPLER[_ARG]`,
//! default `parentbased_always_on`) and the batch processor (`OTEL_BSP_*`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::Value;
use opentelemetry_http::hyper::HyperClient;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;

/// `service.name` when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` names one.
const DEFAULT_SERVICE_NAME: &str = "entitlements-server";

/// The OTLP request timeout when no variable sets one (the specification's 10 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the `OTEL_*` variables cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TraceSettingsError(String);

/// How to export traces, from the environment.
#[derive(Debug)]
pub(super) struct TraceSettings {
    pub(super) protocol: TraceProtocol,
    /// The variable that set the endpoint, and its value.
    endpoint: (&'static str, String),
}

/// The OTLP transports this server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TraceProtocol {
    Grpc,
    HttpProtobuf,
    HttpJson,
}

impl TraceProtocol {
    fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "grpc" => Some(Self::Grpc),
            "http/protobuf" => Some(Self::HttpProtobuf),
            "http/json" => Some(Self::HttpJson),
            _ => None,
        }
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Grpc => "grpc",
            Self::HttpProtobuf => "http/protobuf",
            Self::HttpJson => "http/json",
        }
    }
}

impl TraceSettings {
    /// The settings, or `None` when traces are not to be exported.
    pub(super) fn from_environment() -> Result<Option<Self>, TraceSettingsError> {
        Self::from_variables(|name| std::env::var(name).ok().filter(|value| !value.trim().is_empty()))
    }

    fn from_variables(variable: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, TraceSettingsError> {
        if variable("OTEL_SDK_DISABLED").is_some_and(|value| value.trim().eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        if let Some(exporters) = variable("OTEL_TRACES_EXPORTER") {
            let names: Vec<&str> = exporters.split(',').map(str::trim).collect();
            if names.contains(&"none") {
                return Ok(None);
            }
            if let Some(unknown) = names.iter().find(|name| **name != "otlp") {
                return Err(TraceSettingsError(format!(
                    "OTEL_TRACES_EXPORTER={exporters}: this server exports traces with `otlp` only \
                     (or `none`), not `{unknown}`"
                )));
            }
        }
        let endpoint = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"]
            .into_iter()
            .find_map(|name| Some((name, variable(name)?)));
        let Some((endpoint_variable, endpoint)) = endpoint else { return Ok(None) };
        let uri: http::Uri = endpoint.trim().parse().map_err(|error| {
            TraceSettingsError(format!("{endpoint_variable}={endpoint} is not a URL: {error}"))
        })?;
        if uri.scheme_str() == Some("https") {
            // Neither exporter is built with TLS (no second TLS stack for traces): refused here
            // rather than failing at every export.
            return Err(TraceSettingsError(format!(
                "{endpoint_variable}={endpoint}: exporting traces over TLS is not supported; \
                 send them to a collector on the local network (an agent or sidecar) over http://"
            )));
        }
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err(TraceSettingsError(format!(
                "{endpoint_variable}={endpoint} must be an http:// URL with a host"
            )));
        }
        let protocol = match ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"]
            .into_iter()
            .find_map(|name| Some((name, variable(name)?)))
        {
            None => TraceProtocol::HttpProtobuf,
            Some((name, value)) => TraceProtocol::parse(&value).ok_or_else(|| {
                TraceSettingsError(format!(
                    "{name}={value}: the OTLP protocol is `grpc`, `http/protobuf` or `http/json`"
                ))
            })?,
        };
        Ok(Some(Self { protocol, endpoint: (endpoint_variable, endpoint) }))
    }

    /// The endpoint as configured, for the startup log line (an endpoint carries no secret:
    /// headers do, and they are not logged).
    pub(super) fn endpoint_for_log(&self) -> String {
        format!("{}={}", self.endpoint.0, self.endpoint.1)
    }

    /// The tracer provider exporting in batches over the configured protocol. Must run on the
    /// Tokio runtime: the exporters' connections live on it.
    pub(super) fn tracer_provider(&self) -> Result<SdkTracerProvider, TraceSettingsError> {
        let exporter = match self.protocol {
            TraceProtocol::Grpc => SpanExporter::builder().with_tonic().with_protocol(Protocol::Grpc).build(),
            TraceProtocol::HttpProtobuf | TraceProtocol::HttpJson => {
                let protocol = match self.protocol {
                    TraceProtocol::HttpJson => Protocol::HttpJson,
                    _ => Protocol::HttpBinary,
                };
                let runtime = tokio::runtime::Handle::try_current().map_err(|error| {
                    TraceSettingsError(format!("exporting traces needs the Tokio runtime: {error}"))
                })?;
                let client = OnRuntime {
                    client: Arc::new(HyperClient::with_default_connector(request_timeout(), None)),
                    runtime,
                };
                SpanExporter::builder().with_http().with_protocol(protocol).with_http_client(client).build()
            }
        }
        .map_err(|error| TraceSettingsError(format!("cannot export traces over otlp: {error}")))?;
        Ok(SdkTracerProvider::builder().with_resource(resource()).with_batch_exporter(exporter).build())
    }
}

/// The SDK's resource (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, the SDK's own
/// attributes), named `entitlements-server` unless those variables name the service.
fn resource() -> Resource {
    let detected = Resource::builder().build();
    let named = detected.get(&opentelemetry::Key::from_static_str("service.name")).is_some_and(
        |name| !matches!(&name, Value::String(text) if text.as_str().starts_with("unknown_service")),
    );
    if named { detected } else { Resource::builder().with_service_name(DEFAULT_SERVICE_NAME).build() }
}

/// `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` or `OTEL_EXPORTER_OTLP_TIMEOUT`, in milliseconds, for the
/// HTTP client we hand the SDK (which applies these to the clients it builds itself).
fn request_timeout() -> Duration {
    ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok()?.trim().parse::<u64>().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_millis)
}

/// Hyper's client, run on the server's runtime. The batch span processor exports from a thread
/// of its own, outside any runtime, and Hyper's connections and timers need one: each request is
/// spawned onto the runtime and awaited from there.
#[derive(Debug)]
struct OnRuntime {
    client: Arc<HyperClient>,
    runtime: tokio::runtime::Handle,
}

impl HttpClient for OnRuntime {
    fn send_bytes<'client, 'future>(
        &'client self,
        request: Request<Bytes>,
    ) -> Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send + 'future>>
    where
        'client: 'future,
        Self: 'future,
    {
        let client = Arc::clone(&self.client);
        let sent = self.runtime.spawn(async move { client.send_bytes(request).await });
        Box::pin(async move { sent.await.map_err(|error| HttpError::from(error.to_string()))? })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{TraceProtocol, TraceSettings};

    fn settings(variables: &[(&str, &str)]) -> Result<Option<TraceSettings>, String> {
        let variables: HashMap<String, String> =
            variables.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        TraceSettings::from_variables(|name| variables.get(name).cloned()).map_err(|error| error.to_string())
    }

    /// The protocol traces are exported with, `None` when they are not.
    fn protocol(variables: &[(&str, &str)]) -> Option<TraceProtocol> {
        settings(variables).expect("usable settings").map(|settings| settings.protocol)
    }

    fn error(variables: &[(&str, &str)]) -> String {
        settings(variables).expect_err("unusable settings")
    }

    const ENDPOINT: (&str, &str) = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");

    #[test]
    fn no_endpoint_exports_nothing() {
        assert_eq!(protocol(&[]), None);
        assert_eq!(protocol(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]), None);
    }

    #[test]
    fn an_endpoint_exports_over_http_protobuf_by_default() {
        assert_eq!(protocol(&[ENDPOINT]), Some(TraceProtocol::HttpProtobuf));
        assert_eq!(
            protocol(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector/v1/traces")]),
            Some(TraceProtocol::HttpProtobuf)
        );
    }

    #[test]
    fn the_traces_protocol_wins_over_the_general_one() {
        let found = protocol(&[
            ENDPOINT,
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
        ]);
        assert_eq!(found, Some(TraceProtocol::Grpc));
        assert_eq!(
            protocol(&[ENDPOINT, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]),
            Some(TraceProtocol::HttpJson)
        );
    }

    #[test]
    fn disabled_or_no_exporter_exports_nothing() {
        assert_eq!(protocol(&[ENDPOINT, ("OTEL_SDK_DISABLED", "TRUE")]), None);
        assert_eq!(protocol(&[ENDPOINT, ("OTEL_TRACES_EXPORTER", "none")]), None);
        assert_eq!(
            protocol(&[ENDPOINT, ("OTEL_TRACES_EXPORTER", "otlp")]),
            Some(TraceProtocol::HttpProtobuf)
        );
    }

    #[test]
    fn bad_values_are_errors_that_name_the_variable() {
        let found = error(&[ENDPOINT, ("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")]);
        assert!(found.contains("OTEL_EXPORTER_OTLP_PROTOCOL=thrift"), "{found}");
        let found = error(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]);
        assert!(found.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "{found}");
        let found = error(&[ENDPOINT, ("OTEL_TRACES_EXPORTER", "zipkin")]);
        assert!(found.contains("zipkin"), "{found}");
        let found = error(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318")]);
        assert!(found.contains("OTEL_EXPORTER_OTLP_ENDPOINT") && found.contains("TLS"), "{found}");
    }
}
