//! Traces of the real `entitlements-server` process, received by a test OTLP collector: a REST
//! call carrying a `traceparent` yields one trace (the HTTP server span, the gRPC service span
//! beneath it, the database statements beneath that, and the webhook delivery its write
//! produced, which sends the `traceparent` on); a gRPC call's `traceparent` is continued; the
//! request's log lines carry the trace id. On SQLite and PostgreSQL, over OTLP/gRPC and
//! OTLP/HTTP. Without an endpoint, or with the SDK disabled, nothing is sent.

#[allow(dead_code, reason = "shared by the tests of the binary, not all of which use every helper")]
#[path = "support/otlp_receiver.rs"]
mod otlp_receiver;
#[allow(dead_code, reason = "the harness's PostgreSQL helpers are shared with tests that use all of them")]
#[path = "../../../tests/e2e/support/postgres.rs"]
mod postgres;
#[allow(dead_code, reason = "shared by the tests of the binary, not all of which use every helper")]
#[path = "support/server_process.rs"]
mod server_process;
#[allow(dead_code, reason = "the receiver's helpers are shared with the end-to-end tests")]
#[path = "../../../tests/e2e/support/webhook_receiver.rs"]
mod webhook_receiver;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use entitlements::v1::GetFeatureRequest;
use entitlements::v1::feature_service_client::FeatureServiceClient;
use serde_json::{Value, json};

use otlp_receiver::{OtlpProtocol, OtlpReceiver, ReceivedSpan};
use server_process::ServerProcess;
use webhook_receiver::WebhookReceiver;

const API_KEY: &str = "traces-key";
const SPANS_WITHIN: Duration = Duration::from_secs(30);
/// OTLP's span kinds.
const SERVER: i32 = 2;
const CLIENT: i32 = 3;

/// Three traces the test starts, as a caller's tracer would: (trace id, the caller's span id).
const REST_WRITE: (&str, &str) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
const REST_READ: (&str, &str) = ("5cf92f3577b34da6a3ce929d0e0e4737", "10f067aa0ba902b8");
const GRPC_READ: (&str, &str) = ("6df92f3577b34da6a3ce929d0e0e4738", "20f067aa0ba902b9");
const GRPC_INVENTED: (&str, &str) = ("7ef92f3577b34da6a3ce929d0e0e4739", "30f067aa0ba902ba");

fn trace_parent((trace_id, span_id): (&str, &str)) -> String {
    format!("00-{trace_id}-{span_id}-01")
}

#[tokio::test]
async fn a_rest_call_is_one_trace_down_to_statements_and_webhooks_on_sqlite_over_grpc() {
    let dir = tempfile::tempdir().expect("a temp dir for the SQLite database");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("entitlements.db").display());
    traced_scenario(&url, "sqlite", OtlpProtocol::Grpc).await;
}

#[tokio::test]
async fn a_rest_call_is_one_trace_down_to_statements_and_webhooks_on_sqlite_over_http() {
    let dir = tempfile::tempdir().expect("a temp dir for the SQLite database");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("entitlements.db").display());
    traced_scenario(&url, "sqlite", OtlpProtocol::HttpProtobuf).await;
}

#[tokio::test]
async fn a_rest_call_is_one_trace_down_to_statements_and_webhooks_on_postgres_over_http() {
    let Some(server) = postgres::require_postgres_or_skip("traces (PostgreSQL, OTLP/HTTP)") else {
        return;
    };
    let url = tokio::task::spawn_blocking(|| server.create_database()).await.expect("create a test database");
    traced_scenario(&url, "postgresql", OtlpProtocol::HttpProtobuf).await;
}

#[tokio::test]
async fn a_rest_call_is_one_trace_down_to_statements_and_webhooks_on_postgres_over_grpc() {
    let Some(server) = postgres::require_postgres_or_skip("traces (PostgreSQL, OTLP/gRPC)") else {
        return;
    };
    let url = tokio::task::spawn_blocking(|| server.create_database()).await.expect("create a test database");
    traced_scenario(&url, "postgresql", OtlpProtocol::Grpc).await;
}

async fn traced_scenario(database_url: &str, database_system: &str, protocol: OtlpProtocol) {
    let collector = OtlpReceiver::start(protocol).await;
    let webhooks = WebhookReceiver::start().await;
    let endpoint = collector.endpoint();
    let mut server = ServerProcess::spawn_with_env(
        database_url,
        API_KEY,
        &["--webhook-allow-private-networks=true", "--webhook-poll-interval-ms", "100"],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.variable_value()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    )
    .await;
    let http = reqwest::Client::new();
    server_process::wait_for_bootstrap(database_url, API_KEY).await;
    register_endpoint(&http, server.http_address, &webhooks.url("/hook")).await;

    // A write and a read over REST, each continuing its caller's trace.
    let created = http
        .post(format!("http://{}/api/v1/features", server.http_address))
        .bearer_auth(API_KEY)
        .header("traceparent", trace_parent(REST_WRITE))
        .json(&json!({"feature": {"code": "traced_feature"}}))
        .send()
        .await
        .expect("create a feature");
    assert_eq!(created.status(), 200, "{:?}", created.text().await);
    let read = http
        .get(format!("http://{}/api/v1/features/traced_feature", server.http_address))
        .bearer_auth(API_KEY)
        .header("traceparent", trace_parent(REST_READ))
        .send()
        .await
        .expect("read the feature");
    assert_eq!(read.status(), 200);

    // A gRPC call continuing its caller's trace.
    let mut features = FeatureServiceClient::connect(format!("http://{}", server.grpc_address))
        .await
        .expect("connect over gRPC");
    let mut request = tonic::Request::new(GetFeatureRequest { code: "traced_feature".to_owned() });
    request.metadata_mut().insert("authorization", format!("Bearer {API_KEY}").parse().expect("ascii"));
    request.metadata_mut().insert("traceparent", trace_parent(GRPC_READ).parse().expect("ascii"));
    features.get_feature(request).await.expect("GetFeature over gRPC");
    // A call (gRPC-Web, over HTTP/1.1) of a method no service serves: its span is not named
    // after the invented path, so that a client cannot mint span names.
    let invented = http
        .post(format!(
            "http://{}/entitlements.v1.FeatureService/Invented{}",
            server.grpc_address,
            "x".repeat(8)
        ))
        .header("content-type", "application/grpc-web+proto")
        .header("traceparent", trace_parent(GRPC_INVENTED))
        .body(vec![0_u8, 0, 0, 0, 0])
        .send()
        .await
        .expect("call an invented method");
    assert_eq!(invented.status(), 200, "gRPC answers with a status in its trailers");

    // The delivery carries the write's trace on to the receiver.
    let delivered = webhooks.wait_for("/hook", 1, SPANS_WITHIN).await;
    let feature_created = delivered
        .iter()
        .find(|webhook| webhook.json()["webhook_type"] == "feature.created")
        .expect("a feature.created webhook");
    let sent_parent = feature_created.header("traceparent");
    assert!(
        sent_parent.starts_with(&format!("00-{}-", REST_WRITE.0)),
        "the delivery's traceparent {sent_parent:?} continues the write's trace"
    );

    let spans = collector
        .wait_until("the spans of the three traces", SPANS_WITHIN, |spans| {
            let has = |trace: &str, matches: &dyn Fn(&ReceivedSpan) -> bool| {
                spans.iter().any(|span| span.trace_id == trace && matches(span))
            };
            has(REST_WRITE.0, &|span| span.name == "POST" && span.kind == CLIENT)
                && has(REST_WRITE.0, &|span| span.attribute("db.query.text").is_some())
                && has(REST_WRITE.0, &|span| span.attribute("http.route").is_some())
                && has(REST_READ.0, &|span| span.attribute("rpc.system").is_some())
                && has(REST_READ.0, &|span| span.attribute("http.route").is_some())
                && has(GRPC_READ.0, &|span| span.attribute("rpc.system").is_some())
                && has(GRPC_INVENTED.0, &|span| span.attribute("rpc.system").is_some())
        })
        .await;
    let by_trace = spans.iter().fold(HashMap::<&str, Vec<&ReceivedSpan>>::new(), |mut traces, span| {
        traces.entry(span.trace_id.as_str()).or_default().push(span);
        traces
    });
    assert!(spans.iter().all(|span| span.service_name == "entitlements-server"), "{spans:#?}");

    // The write: HTTP server span under the caller's, the service's span under it, statements
    // under that, and the delivery in the same trace, under the HTTP span.
    let write = &by_trace[REST_WRITE.0];
    let http_span = only(write, |span| span.kind == SERVER && span.attribute("http.route").is_some());
    assert_eq!(http_span.name, "POST /api/v1/features");
    assert_eq!(http_span.parent_span_id, REST_WRITE.1, "the HTTP span continues the caller's");
    assert_eq!(http_span.attribute("http.request.method"), Some("POST"));
    assert_eq!(http_span.attribute("http.route"), Some("/api/v1/features"));
    assert_eq!(http_span.attribute("url.path"), Some("/api/v1/features"));
    assert_eq!(http_span.attribute("http.response.status_code"), Some("200"));
    let grpc_span = only(write, |span| span.attribute("rpc.system") == Some("grpc"));
    assert_eq!(grpc_span.name, "entitlements.v1.FeatureService/CreateFeature");
    assert_eq!(grpc_span.kind, SERVER);
    assert_eq!(grpc_span.parent_span_id, http_span.span_id, "the service span is the gateway call's child");
    assert_eq!(grpc_span.attribute("rpc.service"), Some("entitlements.v1.FeatureService"));
    assert_eq!(grpc_span.attribute("rpc.method"), Some("CreateFeature"));
    assert_eq!(grpc_span.attribute("rpc.grpc.status_code"), Some("0"));
    let statements: Vec<&&ReceivedSpan> =
        write.iter().filter(|span| span.attribute("db.query.text").is_some()).collect();
    assert!(statements.iter().any(|span| span.attribute("db.operation.name") == Some("insert")));
    for statement in &statements {
        assert_eq!(statement.kind, CLIENT);
        assert_eq!(statement.attribute("db.system.name"), Some(database_system));
        assert!(descends_from(statement, grpc_span, write), "{statement:#?} is beneath the service span");
        let sql = statement.attribute("db.query.text").unwrap_or_default();
        assert!(!sql.contains("traced_feature"), "statement text carries no values: {sql}");
    }
    let delivery = only(write, |span| span.name == "POST" && span.kind == CLIENT);
    assert_eq!(delivery.attribute("url.full"), Some(webhooks.url("/hook").as_str()));
    assert_eq!(delivery.attribute("http.response.status_code"), Some("200"));
    assert_eq!(delivery.attribute("webhook.event_type"), Some("feature.created"));
    assert_eq!(delivery.attribute("webhook.attempt"), Some("1"));
    assert_eq!(delivery.attribute("webhook.delivery_id"), Some(feature_created.unique_key()));
    assert!(descends_from(delivery, http_span, write), "the delivery is beneath the write's request");
    assert_eq!(sent_parent, format!("00-{}-{}-01", REST_WRITE.0, delivery.span_id));

    // The read: the same shape, without a delivery.
    let read = &by_trace[REST_READ.0];
    let http_span = only(read, |span| span.kind == SERVER && span.attribute("http.route").is_some());
    assert_eq!(http_span.name, "GET /api/v1/features/{code}");
    assert_eq!(http_span.parent_span_id, REST_READ.1);
    let grpc_span = only(read, |span| span.attribute("rpc.system") == Some("grpc"));
    assert_eq!(grpc_span.name, "entitlements.v1.FeatureService/GetFeature");
    assert_eq!(grpc_span.parent_span_id, http_span.span_id);

    // The gRPC call: its server span continues the caller's.
    let grpc_call = &by_trace[GRPC_READ.0];
    let grpc_span = only(grpc_call, |span| span.attribute("rpc.system") == Some("grpc"));
    assert_eq!(grpc_span.name, "entitlements.v1.FeatureService/GetFeature");
    assert_eq!(grpc_span.parent_span_id, GRPC_READ.1);

    // The invented method: one `unknown` span, whatever the path.
    let invented_call = &by_trace[GRPC_INVENTED.0];
    let invented_span = only(invented_call, |span| span.attribute("rpc.system") == Some("grpc"));
    assert_eq!(invented_span.name, "unknown");
    assert_eq!(invented_span.attribute("rpc.service"), Some("unknown"));
    assert_eq!(invented_span.attribute("rpc.method"), Some("unknown"));
    assert_eq!(invented_span.parent_span_id, GRPC_INVENTED.1);

    // The request's log lines carry its trace id.
    for (trace_id, _) in [REST_WRITE, REST_READ, GRPC_READ] {
        server
            .logs
            .wait_for("a log line of the traced request", |event| carries_trace_id(event, trace_id))
            .await;
    }
}

#[tokio::test]
async fn the_spans_still_queued_are_sent_when_the_server_stops() {
    let collector = OtlpReceiver::start(OtlpProtocol::Grpc).await;
    // Batches leave every ten minutes: only the shutdown's flush can send these spans in time.
    let (_dir, mut server) = spawn_on_sqlite(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.endpoint()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_BSP_SCHEDULE_DELAY", "600000"),
    ])
    .await;
    let read = reqwest::Client::new()
        .get(format!("http://{}/api/v1/features", server.http_address))
        .bearer_auth(API_KEY)
        .header("traceparent", trace_parent(REST_READ))
        .send()
        .await
        .expect("list the features");
    assert_eq!(read.status(), 200);
    server.terminate();
    server.logs.read_to_end().await;
    let status = server.child.wait().await.expect("the server exits");
    assert!(status.success(), "{status}");
    let spans = collector.spans();
    assert!(
        spans.iter().any(|span| span.trace_id == REST_READ.0 && span.name == "GET /api/v1/features"),
        "{spans:#?}"
    );
}

#[tokio::test]
async fn with_the_sdk_disabled_nothing_is_sent() {
    let collector = OtlpReceiver::start(OtlpProtocol::HttpProtobuf).await;
    let (_dir, mut server) = spawn_on_sqlite(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.endpoint()),
        ("OTEL_SDK_DISABLED", "true"),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
    ])
    .await;
    let http = reqwest::Client::new();
    let created = http
        .post(format!("http://{}/api/v1/features", server.http_address))
        .bearer_auth(API_KEY)
        .header("traceparent", trace_parent(REST_WRITE))
        .json(&json!({"feature": {"code": "untraced_feature"}}))
        .send()
        .await
        .expect("create a feature");
    assert_eq!(created.status(), 200);
    // Ten times the export delay: a span would have been sent by now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.terminate();
    server.logs.read_to_end().await;
    assert!(collector.spans().is_empty(), "{:#?}", collector.spans());
    let transcript = server.logs.transcript();
    assert!(!transcript.contains("trace_id"), "no trace ids in the logs: {transcript}");
    assert!(!transcript.contains("exporting traces"), "{transcript}");
}

#[tokio::test]
async fn a_collector_that_cannot_be_reached_is_logged() {
    // A port nothing listens on: every export fails at once.
    let unreachable = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let endpoint = format!("http://{}", unreachable.local_addr().expect("its address"));
    drop(unreachable);
    let (_dir, mut server) = spawn_on_sqlite(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
    ])
    .await;
    let read = reqwest::Client::new()
        .get(format!("http://{}/api/v1/features", server.http_address))
        .bearer_auth(API_KEY)
        .send()
        .await
        .expect("list the features");
    assert_eq!(read.status(), 200, "a missing collector does not stop the server from answering");
    let failure = server
        .logs
        .wait_for("the failed export in the logs", |event| {
            event["target"].as_str().is_some_and(|target| target.starts_with("opentelemetry"))
                && event["level"] == "ERROR"
        })
        .await;
    assert!(failure.to_string().contains("ExportError"), "{failure}");
}

#[tokio::test]
async fn an_unknown_protocol_stops_the_server_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("a temp dir for the SQLite database");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("entitlements.db").display());
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_entitlements-server"))
        .args(["--database-url", &url, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")
        .output()
        .await
        .expect("run the server");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("OTEL_EXPORTER_OTLP_PROTOCOL=thrift"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The server on a new SQLite database, with `environment`, once it has bootstrapped its
/// organization (the directory holds the database: keep it while the server runs).
async fn spawn_on_sqlite(environment: &[(&str, &str)]) -> (tempfile::TempDir, ServerProcess) {
    let dir = tempfile::tempdir().expect("a temp dir for the SQLite database");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("entitlements.db").display());
    let server = ServerProcess::spawn_with_env(&url, API_KEY, &[], environment).await;
    server_process::wait_for_bootstrap(&url, API_KEY).await;
    (dir, server)
}

/// The one span of `spans` that `matches`.
fn only<'a>(spans: &[&'a ReceivedSpan], matches: impl Fn(&ReceivedSpan) -> bool) -> &'a ReceivedSpan {
    let found: Vec<&ReceivedSpan> = spans.iter().copied().filter(|span| matches(span)).collect();
    assert_eq!(found.len(), 1, "one matching span among {spans:#?}");
    found[0]
}

/// Whether `ancestor` is `span`'s parent, or its parent's, and so on, within `trace`.
fn descends_from(span: &ReceivedSpan, ancestor: &ReceivedSpan, trace: &[&ReceivedSpan]) -> bool {
    let mut parent = span.parent_span_id.as_str();
    for _ in 0..trace.len() {
        if parent == ancestor.span_id {
            return true;
        }
        match trace.iter().find(|candidate| candidate.span_id == parent) {
            Some(next) => parent = next.parent_span_id.as_str(),
            None => return false,
        }
    }
    false
}

/// Whether a JSON log event was written inside a span whose `trace_id` is `trace_id`.
fn carries_trace_id(event: &Value, trace_id: &str) -> bool {
    let in_span = |span: &Value| span["trace_id"].as_str() == Some(trace_id);
    event["span"].is_object() && in_span(&event["span"])
        || event["spans"].as_array().is_some_and(|spans| spans.iter().any(in_span))
}

async fn register_endpoint(http: &reqwest::Client, server: SocketAddr, url: &str) {
    let created = http
        .post(format!("http://{server}/api/v1/webhook_endpoints"))
        .bearer_auth(API_KEY)
        .json(&json!({"webhook_endpoint": {"webhook_url": url, "signature_algo": "hmac"}}))
        .send()
        .await
        .expect("register the endpoint");
    assert_eq!(created.status(), 200);
}
