//! The test harness: `spawn_app(backend)` starts the server with a fresh, migrated database (a
//! copy of the process's template, see `templates.rs`) and two organizations, and returns a
//! `TestApp` with one method per kind of call, so tests read like scenarios. `backend_tests!` turns
//! each scenario into a SQLite and a PostgreSQL test.

pub(crate) mod conformance;
pub(crate) mod postgres;
pub(crate) mod templates;
pub(crate) mod webhook_outbox;
pub(crate) mod webhook_receiver;

use std::net::SocketAddr;
use std::time::Duration;

use entitlements::v1::billable_metric_service_client::BillableMetricServiceClient;
use entitlements::v1::customer_service_client::CustomerServiceClient;
use entitlements::v1::feature_service_client::FeatureServiceClient;
use entitlements::v1::subscription_service_client::SubscriptionServiceClient;
use entitlements::v1::tax_service_client::TaxServiceClient;
use entitlements_server::config::{ServeArgs, WebhookArgs};
use entitlements_server::webhook_renderer::LagoWebhookRenderer;
use entitlements_server::{Application, ServeConfig};
use entitlements_store::{ApiKey, ChangeEvent, Clock, Store};
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_stream::StreamExt;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// The API key of the organization the tests act as.
pub(crate) const API_KEY: &str = "test-api-key";
/// The API key of another organization, whose objects must stay invisible.
pub(crate) const OTHER_API_KEY: &str = "other-api-key";

/// Events the harness's own setup records in each organization's change log:
/// `organization.created` and `api_key.created`.
pub(crate) const SETUP_CHANGE_EVENTS: i64 = 2;

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// A running server and clients for it.
#[derive(Debug)]
pub(crate) struct TestApp {
    pub(crate) backend: Backend,
    pub(crate) http_address: SocketAddr,
    pub(crate) grpc_address: SocketAddr,
    /// `--metrics-addr`'s listener, when the scenario asked for one.
    pub(crate) metrics_address: Option<SocketAddr>,
    pub(crate) database_url: String,
    pub(crate) store: Store,
    /// The server's clock (the system's unless the scenario chose a manual one).
    pub(crate) clock: Clock,
    http: reqwest::Client,
    shutdown: CancellationToken,
    server: JoinHandle<()>,
    _data_dir: tempfile::TempDir,
}

/// Starts the server on `backend`; `None` when PostgreSQL is not available outside CI (the
/// harness has said so loudly).
pub(crate) async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Like `spawn_app`, with a chance to change the serve settings (addresses are port 0, the
/// health check runs every 50 ms, no bootstrap API key).
pub(crate) async fn spawn_app_with(
    backend: Backend,
    customize: impl FnOnce(&mut ServeConfig),
) -> Option<TestApp> {
    init_test_logging();
    let data_dir = tempfile::tempdir().expect("a temp dir for the test database");
    let database_url = match backend {
        Backend::Sqlite => templates::migrated_sqlite_database(data_dir.path()).await,
        Backend::Postgres => {
            let server = postgres::require_postgres_or_skip("end-to-end test")?;
            templates::migrated_postgres_database(server).await
        }
    };
    let mut config = ServeConfig {
        database_url: database_url.clone(),
        args: test_serve_args(),
        bootstrap_api_key: None,
        clock: Clock::system(),
    };
    customize(&mut config);
    // It renders webhooks as the server does: the scenarios run the sweeper's steps on it.
    let store = Store::connect(&database_url)
        .await
        .expect("connect the harness store")
        .with_clock(config.clock.clone())
        .with_webhook_renderer(LagoWebhookRenderer::shared());
    store.create_organization("test", &ApiKey::new(API_KEY)).await.expect("create the test organization");
    store
        .create_organization("other", &ApiKey::new(OTHER_API_KEY))
        .await
        .expect("create the other organization");
    Some(start_server(backend, config, store, data_dir).await)
}

/// The serve settings of every test server: addresses on port 0, the health check every 50 ms,
/// the sweeper out of the way.
pub(crate) fn test_serve_args() -> ServeArgs {
    ServeArgs {
        grpc_addr: "127.0.0.1:0".parse().expect("valid address"),
        http_addr: "127.0.0.1:0".parse().expect("valid address"),
        grpc_upstream: None,
        health_check_interval_ms: 50,
        // Tests run the sweeper's steps themselves.
        subscription_sweep_interval_ms: 3_600_000,
        subscription_termination_alert_days: Default::default(),
        min_revision_wait_ms: 250,
        shutdown_timeout_secs: 10,
        grpc_web_cors_allowed_origins: Default::default(),
        sqlite_synchronous: Default::default(),
        metrics: true,
        metrics_addr: None,
        change_log: Default::default(),
        // Receivers of the tests listen on loopback; retries come quickly.
        webhooks: WebhookArgs {
            webhook_allow_private_networks: true,
            webhook_timeout_ms: 2_000,
            webhook_retry_schedule: "200ms,400ms".parse().expect("a retry schedule"),
            webhook_max_attempts: 3,
            webhook_poll_interval_ms: 100,
            ..WebhookArgs::default()
        },
    }
}

/// Starts the server of `config` and waits until it serves; `store` is the harness's own handle
/// on its database.
async fn start_server(
    backend: Backend,
    config: ServeConfig,
    store: Store,
    data_dir: tempfile::TempDir,
) -> TestApp {
    let database_url = config.database_url.clone();
    let clock = config.clock.clone();
    let application = Application::build(config).await.expect("build the application");
    let http_address = application.http_address();
    let grpc_address = application.grpc_address().expect("a grpc listener");
    let metrics_address = application.metrics_address();
    let shutdown = CancellationToken::new();
    let server_shutdown = shutdown.clone();
    let server = tokio::spawn(async move {
        application
            .run_until(server_shutdown.cancelled_owned())
            .await
            .expect("the server runs and stops cleanly");
    });
    let app = TestApp {
        backend,
        http_address,
        grpc_address,
        metrics_address,
        database_url,
        store,
        clock,
        http: reqwest::Client::new(),
        shutdown,
        server,
        _data_dir: data_dir,
    };
    app.wait_for_health("", ServingStatus::Serving).await;
    app
}

/// Logs of the server under test, only when `TEST_LOG` is set (installed once per process).
fn init_test_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if std::env::var_os("TEST_LOG").is_some() {
        ONCE.call_once(|| entitlements_server::telemetry::init(entitlements_server::config::LogFormat::Text));
    }
}

/// A response: status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) content_type: String,
}

impl TestApp {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http_address)
    }

    /// Sends a request as the test organization.
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> HttpResponse {
        self.send_as(Some(API_KEY), method, path, body).await
    }

    /// Sends a request with the given API key (or none).
    pub(crate) async fn send_as(
        &self,
        api_key: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> HttpResponse {
        let mut request = self.http.request(method, self.url(path));
        if let Some(key) = api_key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        into_response(request.send().await.expect("the request reaches the server")).await
    }

    /// Sends a raw body with a content type, as the test organization.
    /// Sends a request as the test organization and answers the raw response (its headers too).
    pub(crate) async fn http_request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(API_KEY);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("the server answers")
    }

    pub(crate) async fn send_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> HttpResponse {
        let request = self
            .http
            .request(method, self.url(path))
            .header("Authorization", format!("Bearer {API_KEY}"))
            .header("Content-Type", content_type)
            .body(body.to_owned());
        into_response(request.send().await.expect("the request reaches the server")).await
    }

    pub(crate) async fn get(&self, path: &str) -> HttpResponse {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> HttpResponse {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub(crate) async fn put(&self, path: &str, body: &Value) -> HttpResponse {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub(crate) async fn patch(&self, path: &str, body: &Value) -> HttpResponse {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> HttpResponse {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// Creates a feature through REST and asserts it worked.
    pub(crate) async fn create_feature(&self, feature: Value) -> Value {
        let response = self.post("/api/v1/features", &serde_json::json!({ "feature": feature })).await;
        assert_eq!(response.status, 200, "create feature: {}", response.body);
        response.body
    }

    /// A channel to the gRPC server.
    pub(crate) async fn grpc_channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.grpc_address))
            .expect("valid uri")
            .connect()
            .await
            .expect("connect to the grpc server")
    }

    pub(crate) async fn feature_client(&self) -> FeatureServiceClient<Channel> {
        FeatureServiceClient::new(self.grpc_channel().await)
    }

    pub(crate) async fn tax_client(&self) -> TaxServiceClient<Channel> {
        TaxServiceClient::new(self.grpc_channel().await)
    }

    pub(crate) async fn customer_client(&self) -> CustomerServiceClient<Channel> {
        CustomerServiceClient::new(self.grpc_channel().await)
    }

    pub(crate) async fn subscription_client(&self) -> SubscriptionServiceClient<Channel> {
        SubscriptionServiceClient::new(self.grpc_channel().await)
    }

    pub(crate) async fn billable_metric_client(&self) -> BillableMetricServiceClient<Channel> {
        BillableMetricServiceClient::new(self.grpc_channel().await)
    }

    /// `(event_type, object_code)` of the test organization's change events, oldest first.
    pub(crate) async fn change_event_codes(&self) -> Vec<(String, String)> {
        let events = self.change_events(API_KEY).await;
        events.into_iter().map(|event| (event.event_type, event.object_code)).collect()
    }

    pub(crate) async fn health_client(&self) -> HealthClient<Channel> {
        HealthClient::new(self.grpc_channel().await)
    }

    /// Waits, through the health service's Watch stream, until `service` reports `expected`.
    pub(crate) async fn wait_for_health(&self, service: &str, expected: ServingStatus) {
        let mut client = self.health_client().await;
        let mut stream = client
            .watch(HealthCheckRequest { service: service.to_owned() })
            .await
            .expect("watch health")
            .into_inner();
        let wait = async {
            while let Some(message) = stream.next().await {
                if message.expect("a health update").status() == expected {
                    return;
                }
            }
            panic!("the health stream ended before {service:?} was {expected:?}");
        };
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .unwrap_or_else(|_| panic!("{service:?} did not become {expected:?} within 30s"));
    }

    /// Another server on this app's database, as a second replica would be (with the same clock),
    /// after `customize` changed its serve settings.
    pub(crate) async fn spawn_replica(&self, customize: impl FnOnce(&mut ServeConfig)) -> TestApp {
        let mut config = ServeConfig {
            database_url: self.database_url.clone(),
            args: test_serve_args(),
            bootstrap_api_key: None,
            clock: self.clock.clone(),
        };
        customize(&mut config);
        let store = Store::connect(&self.database_url)
            .await
            .expect("connect the replica's harness store")
            .with_clock(self.clock.clone())
            .with_webhook_renderer(LagoWebhookRenderer::shared());
        let data_dir = tempfile::tempdir().expect("a temp dir for the replica");
        start_server(self.backend, config, store, data_dir).await
    }

    /// Stops the server as SIGTERM would, and waits for it to finish.
    pub(crate) async fn stop(self) {
        self.shutdown.cancel();
        self.server.await.expect("the server task ends");
    }

    /// The change log of the organization `api_key` opens, after the harness's setup events.
    pub(crate) async fn change_events(&self, api_key: &str) -> Vec<ChangeEvent> {
        let organization_id = self
            .store
            .organization_for_api_key(&ApiKey::new(api_key))
            .await
            .expect("query the organization")
            .expect("the organization exists");
        self.store
            .change_events(organization_id, SETUP_CHANGE_EVENTS, 10_000)
            .await
            .expect("read the change log")
    }

    /// The organization id of the test API key.
    pub(crate) async fn organization_id(&self) -> entitlements_domain::OrganizationId {
        self.store
            .organization_for_api_key(&ApiKey::new(API_KEY))
            .await
            .expect("query the organization")
            .expect("the test organization exists")
    }
}

/// Reads a response into status, JSON body and content type.
pub(crate) async fn into_response(response: reqwest::Response) -> HttpResponse {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("read the response body");
    HttpResponse { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), content_type }
}

/// Lago's 401 envelope.
pub(crate) fn unauthorized() -> Value {
    serde_json::json!({"status": 401, "error": "Unauthorized"})
}

/// Lago's 404 envelope with this code.
pub(crate) fn not_found(code: &str) -> Value {
    serde_json::json!({"status": 404, "error": "Not Found", "code": code})
}

/// Asserts the status, the exact body and Lago's content type; `what` names the case.
#[track_caller]
pub(crate) fn assert_body(response: &HttpResponse, status: u16, body: &Value, what: &str) {
    assert_eq!((response.status, &response.body), (status, body), "{what}");
    assert_eq!(response.content_type, "application/json; charset=utf-8", "{what}");
}

/// Adds the test organization's API key to a gRPC request.
pub(crate) fn authorized<T>(message: T) -> tonic::Request<T> {
    authorized_as(API_KEY, message)
}

pub(crate) fn authorized_as<T>(key: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {key}").parse().expect("ascii metadata"));
    request
}

/// An update mask of `paths`, for the `update_mask` of an update request (or of a list item).
pub(crate) fn field_mask(paths: &[&str]) -> Option<entitlements::prost_types::FieldMask> {
    Some(entitlements::prost_types::FieldMask { paths: paths.iter().map(|&path| path.to_owned()).collect() })
}

/// Declares each scenario twice, on SQLite and on PostgreSQL:
/// `backend_tests! { async fn name(app) { ... } }`.
macro_rules! backend_tests {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let $app = $crate::support::spawn_app($crate::support::Backend::Sqlite)
                        .await
                        .expect("sqlite is always available");
                    $body
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some($app) = $crate::support::spawn_app($crate::support::Backend::Postgres).await {
                        $body
                    }
                }
            }
        )*
    };
}
pub(crate) use backend_tests;

/// A server whose clock is manual, starting at `start` (RFC 3339), on `backend`.
pub(crate) async fn spawn_app_at(backend: Backend, start: &str) -> Option<TestApp> {
    let start = start.parse().expect("an RFC 3339 start instant");
    spawn_app_with(backend, |config| config.clock = Clock::manual(start)).await
}

/// Like `backend_tests!`, with the server's clock manual and starting at `$start` (RFC 3339):
/// `clocked_backend_tests! { "2026-06-20T10:00:00Z"; async fn name(app) { ... } }`. Scenarios
/// move it with `app.clock.set(...)` / `app.clock.advance(...)`.
macro_rules! clocked_backend_tests {
    ($start:literal; $(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let $app = $crate::support::spawn_app_at($crate::support::Backend::Sqlite, $start)
                        .await
                        .expect("sqlite is always available");
                    $body
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some($app) = $crate::support::spawn_app_at($crate::support::Backend::Postgres, $start).await {
                        $body
                    }
                }
            }
        )*
    };
}
pub(crate) use clocked_backend_tests;
