//! A test OTLP trace receiver: a collector on loopback that records every span it is sent, over
//! gRPC (a tonic `TraceService`) or HTTP with protobuf bodies (`POST /v1/traces`), decoded with
//! the OpenTelemetry protobuf definitions rather than the server's own code.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message as _;
use tokio::sync::Notify;

/// The OTLP transport the receiver speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OtlpProtocol {
    Grpc,
    HttpProtobuf,
}

impl OtlpProtocol {
    /// `OTEL_EXPORTER_OTLP_PROTOCOL`'s value for it.
    pub(crate) fn variable_value(self) -> &'static str {
        match self {
            Self::Grpc => "grpc",
            Self::HttpProtobuf => "http/protobuf",
        }
    }
}

/// One span as received, ids in lowercase hex (empty for no parent), attribute values as text.
#[derive(Debug, Clone)]
pub(crate) struct ReceivedSpan {
    pub(crate) trace_id: String,
    pub(crate) span_id: String,
    pub(crate) parent_span_id: String,
    pub(crate) name: String,
    /// OTLP's `SpanKind`: 2 server, 3 client.
    pub(crate) kind: i32,
    /// The status code: 0 unset, 1 ok, 2 error.
    pub(crate) status_code: i32,
    pub(crate) attributes: HashMap<String, String>,
    /// The resource's `service.name`.
    pub(crate) service_name: String,
}

impl ReceivedSpan {
    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }
}

#[derive(Debug, Clone, Default)]
struct Received {
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    arrived: Arc<Notify>,
}

impl Received {
    fn record(&self, request: ExportTraceServiceRequest) {
        let mut spans = self.spans.lock().expect("received spans");
        for resource_spans in request.resource_spans {
            let service_name = resource_spans
                .resource
                .as_ref()
                .and_then(|resource| text_attributes(&resource.attributes).remove("service.name"))
                .unwrap_or_default();
            for scope_spans in resource_spans.scope_spans {
                for span in scope_spans.spans {
                    spans.push(ReceivedSpan {
                        trace_id: hex::encode(&span.trace_id),
                        span_id: hex::encode(&span.span_id),
                        parent_span_id: hex::encode(&span.parent_span_id),
                        name: span.name,
                        kind: span.kind,
                        status_code: span.status.map_or(0, |status| status.code),
                        attributes: text_attributes(&span.attributes),
                        service_name: service_name.clone(),
                    });
                }
            }
        }
        drop(spans);
        self.arrived.notify_waiters();
    }
}

fn text_attributes(attributes: &[KeyValue]) -> HashMap<String, String> {
    attributes
        .iter()
        .filter_map(|attribute| {
            let value = match attribute.value.as_ref()?.value.as_ref()? {
                AnyValue::StringValue(text) => text.clone(),
                AnyValue::BoolValue(value) => value.to_string(),
                AnyValue::IntValue(value) => value.to_string(),
                AnyValue::DoubleValue(value) => value.to_string(),
                other => format!("{other:?}"),
            };
            Some((attribute.key.clone(), value))
        })
        .collect()
}

/// The running receiver; stops when dropped.
#[derive(Debug)]
pub(crate) struct OtlpReceiver {
    address: SocketAddr,
    received: Received,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl OtlpReceiver {
    pub(crate) async fn start(protocol: OtlpProtocol) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the OTLP receiver");
        let address = listener.local_addr().expect("the receiver's address");
        let received = Received::default();
        let server = match protocol {
            OtlpProtocol::Grpc => {
                let service = TraceServiceServer::new(GrpcCollector(received.clone()));
                tokio::spawn(async move {
                    tonic::transport::Server::builder()
                        .add_service(service)
                        .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener))
                        .await
                        .expect("the OTLP gRPC receiver serves");
                })
            }
            OtlpProtocol::HttpProtobuf => {
                let router = axum::Router::new()
                    .route("/v1/traces", axum::routing::post(receive_http))
                    .with_state(received.clone());
                tokio::spawn(async move {
                    axum::serve(listener, router).await.expect("the OTLP HTTP receiver serves");
                })
            }
        };
        Self { address, received, server }
    }

    /// `OTEL_EXPORTER_OTLP_ENDPOINT` for the receiver (either protocol adds its own path).
    pub(crate) fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every span received so far.
    pub(crate) fn spans(&self) -> Vec<ReceivedSpan> {
        self.received.spans.lock().expect("received spans").clone()
    }

    /// Waits until the spans received satisfy `complete` (failing after `timeout`), and returns
    /// them all.
    pub(crate) async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        complete: impl Fn(&[ReceivedSpan]) -> bool,
    ) -> Vec<ReceivedSpan> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.received.arrived.notified();
            let spans = self.spans();
            if complete(&spans) {
                return spans;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("waited {timeout:?} for {what}; received: {spans:#?}");
            }
        }
    }
}

#[derive(Debug)]
struct GrpcCollector(Received);

#[tonic::codegen::async_trait]
impl TraceService for GrpcCollector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.0.record(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse { partial_success: None }))
    }
}

async fn receive_http(State(received): State<Received>, body: Bytes) -> impl axum::response::IntoResponse {
    match ExportTraceServiceRequest::decode(body) {
        Ok(request) => {
            received.record(request);
            let answer = ExportTraceServiceResponse { partial_success: None }.encode_to_vec();
            (http::StatusCode::OK, [(http::header::CONTENT_TYPE, "application/x-protobuf")], answer)
        }
        Err(error) => (
            http::StatusCode::BAD_REQUEST,
            [(http::header::CONTENT_TYPE, "text/plain")],
            error.to_string().into_bytes(),
        ),
    }
}
