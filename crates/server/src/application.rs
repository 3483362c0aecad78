//! The running server: listeners bound up front (so tests can use port 0 without races), the gRPC
//! server with health and reflection (also over gRPC-Web), the REST gateway, and an ordered shutdown: health goes
//! NOT_SERVING, the listeners stop accepting, requests in flight finish (up to a timeout).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use entitlements_domain::TerminationAlertDays;
use entitlements_domain::webhook::signing::WebhookSigningKey;
use entitlements_engine::EntitlementsView;
use entitlements_gateway::{GrpcClients, TransportError};
use entitlements_service::{ApiRoutes, ApiSettings, RevisionWait, ServiceCounters, WatchSettings};
use entitlements_store::{Clock, Store};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;
use tonic::transport::server::TcpIncoming;
use tonic_health::ServingStatus;
use tonic_health::pb::health_server::HealthServer;
use tower::util::{BoxCloneSyncService, option_layer};
use tower::{BoxError, Layer as _, ServiceExt};
use tower_http::trace::TraceLayer;

use crate::ServerError;
use crate::config::{ChangeLogArgs, ServeArgs, WebhookArgs};
use crate::database_observation::ServerDatabaseObserver;
use crate::grpc_call_logs::LogGrpcFailure;
use crate::grpc_web::CorsAllowedOrigins;
use crate::health;
use crate::http1_request_body::ReadHttp1RequestBodyLayer;
use crate::metrics::{GrpcMetricsLayer, HttpMetrics, MetricsEndpoint, ServerMetrics, record_http_request};
use crate::pruner;
use crate::served_methods::{SERVED_DESCRIPTOR_SETS, ServedMethods};
use crate::server_tasks::{TaskError, TaskGroup};
use crate::subscription_sweeper;
use crate::telemetry::{self, GrpcServerSpanLayer, HttpServerSpan, RecordHttpStatus};
use crate::webhook_dispatcher::{self, DispatchSettings};
use crate::webhook_renderer::LagoWebhookRenderer;

/// Everything `serve` needs, resolved from flags and environment.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database_url: String,
    pub args: ServeArgs,
    pub bootstrap_api_key: Option<String>,
    /// The system clock in production; tests move a manual one instead of sleeping.
    pub clock: Clock,
}

/// A server whose listeners are bound, ready to run.
#[derive(Debug)]
pub struct Application {
    http_listener: TcpListener,
    /// The metrics being wired, when `--metrics` is on.
    metrics: Option<ServerMetrics>,
    /// `--metrics-addr`'s listener, when metrics are served apart from the HTTP listener.
    metrics_listener: Option<TcpListener>,
    mode: Mode,
    shutdown_timeout: Duration,
}

#[derive(Debug)]
#[allow(clippy::large_enum_variant, reason = "one per process, never moved in a loop")]
enum Mode {
    /// gRPC services on their own listener, the gateway calling them in-process.
    Full {
        grpc_listener: TcpListener,
        grpc_web_cors: CorsAllowedOrigins,
        store: Store,
        bootstrap_api_key: Option<String>,
        health_check_interval: Duration,
        subscription_sweep_interval: Duration,
        termination_alert_days: TerminationAlertDays,
        min_revision_wait: Duration,
        change_log: ChangeLogArgs,
        webhooks: WebhookArgs,
    },
    /// Only the gateway, calling a remote gRPC server.
    GatewayOnly { upstream: tonic::transport::Channel },
}

impl Application {
    /// Binds the listeners and prepares the database pool (connections open lazily).
    ///
    /// # Errors
    /// When an address cannot be bound or a URL is unusable.
    pub async fn build(config: ServeConfig) -> Result<Self, ServerError> {
        let http_listener = bind(config.args.http_addr).await?;
        let metrics = config.args.metrics.then(ServerMetrics::new);
        let metrics_listener = match (config.args.metrics, config.args.metrics_addr) {
            (true, Some(address)) => Some(bind(address).await?),
            _ => None,
        };
        let mode = match &config.args.grpc_upstream {
            Some(upstream) => {
                let endpoint =
                    tonic::transport::Endpoint::from_shared(upstream.clone()).map_err(|error| {
                        ServerError::Startup(format!("invalid --grpc-upstream {upstream}: {error}"))
                    })?;
                Mode::GatewayOnly { upstream: endpoint.connect_lazy() }
            }
            None => Mode::Full {
                grpc_listener: bind(config.args.grpc_addr).await?,
                grpc_web_cors: config.args.grpc_web_cors_allowed_origins.clone(),
                store: telemetry::traced_store(
                    with_configured_signing_key(
                        Store::connect_with(&config.database_url, config.args.sqlite_synchronous.into())
                            .await?
                            .with_clock(config.clock)
                            .with_webhook_renderer(LagoWebhookRenderer::shared()),
                        &config.args.webhooks,
                    )
                    .await?,
                ),
                bootstrap_api_key: config.bootstrap_api_key,
                health_check_interval: config.args.health_check_interval(),
                subscription_sweep_interval: config.args.subscription_sweep_interval(),
                termination_alert_days: config.args.subscription_termination_alert_days.clone(),
                min_revision_wait: config.args.min_revision_wait(),
                change_log: config.args.change_log.clone(),
                webhooks: config.args.webhooks.clone(),
            },
        };
        Ok(Self {
            http_listener,
            metrics,
            metrics_listener,
            mode,
            shutdown_timeout: config.args.shutdown_timeout(),
        })
    }

    /// Where the REST gateway listens.
    pub fn http_address(&self) -> SocketAddr {
        self.http_listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Where `GET /metrics` is served apart from the HTTP listener (`--metrics-addr`), if it is.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    /// Where the gRPC server listens; `None` in gateway-only mode.
    pub fn grpc_address(&self) -> Option<SocketAddr> {
        match &self.mode {
            Mode::Full { grpc_listener, .. } => grpc_listener.local_addr().ok(),
            Mode::GatewayOnly { .. } => None,
        }
    }

    /// Serves until `shutdown` completes, then shuts down in order. A task that stops first (a
    /// server, the health supervisor, the sweeper) is logged and shuts the server down the same
    /// way, and its failure is returned.
    ///
    /// # Errors
    /// When the routes cannot be built or a task fails.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let token = CancellationToken::new();
        let (mut reporter, health_service) = tonic_health::server::health_reporter();
        reporter.set_service_status("", ServingStatus::NotServing).await;
        reporter.set_service_status(health::LIVENESS_SERVICE, ServingStatus::Serving).await;
        let mut service_names = Vec::new();
        // The health supervisor, the sweeper and the change log's tasks: stopped first on shutdown,
        // so that the supervisor cannot report SERVING after we report NOT_SERVING and no
        // transition is written after it.
        let background_token = CancellationToken::new();
        let mut background = TaskGroup::default();
        // The listeners: stopped once health says NOT_SERVING.
        let mut servers = TaskGroup::default();
        let mut metrics = self.metrics;
        let clients = match self.mode {
            Mode::GatewayOnly { upstream } => {
                GrpcClients::new(telemetry::gateway_transport(BoxCloneSyncService::new(
                    upstream.map_err(|error| TransportError::from(BoxError::from(error))),
                )))
            }
            Mode::Full {
                grpc_listener,
                grpc_web_cors,
                store,
                bootstrap_api_key,
                health_check_interval,
                subscription_sweep_interval,
                termination_alert_days,
                min_revision_wait,
                change_log,
                webhooks,
            } => {
                let statement_spans = telemetry::statement_spans(store.backend());
                let observer = ServerDatabaseObserver::new(
                    metrics.as_mut().map(ServerMetrics::database),
                    statement_spans,
                );
                let store = match observer {
                    Some(observer) => store.with_database_observer(Arc::new(observer)),
                    None => store,
                };
                let counters = metrics.as_ref().map(|_| Arc::new(ServiceCounters::default()));
                let served_methods = ServedMethods::of_this_server()?;
                let grpc_metrics = metrics.as_mut().map(|metrics| metrics.grpc_layer(served_methods.clone()));
                let grpc_spans = telemetry::grpc_server_span_layer(&served_methods);
                // Watch streams end when the listeners stop, so that they do not hold up shutdown.
                let watch = WatchSettings {
                    checkpoint_interval: change_log.watch_checkpoint_interval(),
                    poll_interval: change_log.watch_poll_interval(),
                    shutdown: token.clone(),
                };
                let settings = ApiSettings {
                    revision_wait: RevisionWait { timeout: min_revision_wait },
                    watch,
                    webhook_allow_private_networks: webhooks.webhook_allow_private_networks,
                    counters: counters.clone(),
                };
                let view = EntitlementsView::new(store.clone());
                if let (Some(metrics), Some(counters)) = (metrics.as_mut(), counters) {
                    metrics.service_gauges(view.clone(), counters);
                }
                let api = ApiRoutes::with_settings(view.clone(), settings);
                service_names = api.service_names;
                let routes = grpc_routes(api.routes, health_service)?;
                health::set_all(&reporter, &service_names, ServingStatus::NotServing).await;
                let sweep = subscription_sweeper::sweep_subscriptions(
                    store.clone(),
                    subscription_sweep_interval,
                    termination_alert_days,
                    background_token.clone(),
                    metrics.as_mut().map(ServerMetrics::subscription_sweeps),
                );
                background.spawn("subscription sweeper", async move {
                    sweep.await;
                    Ok(())
                });
                spawn_change_log_tasks(&mut background, &store, &change_log, &background_token);
                let dispatch = webhook_dispatcher::dispatch_webhooks(
                    store.clone(),
                    DispatchSettings::from(&webhooks),
                    background_token.clone(),
                    metrics.as_mut().map(ServerMetrics::webhook_attempts),
                );
                background
                    .spawn("webhook dispatcher", async move { dispatch.await.map_err(TaskError::from) });
                if let Some(retention) = webhooks.delivery_retention() {
                    let prune = pruner::prune_webhook_deliveries(
                        store.clone(),
                        retention,
                        change_log.prune_interval(),
                        background_token.clone(),
                    );
                    background.spawn("webhook delivery pruner", async move {
                        prune.await;
                        Ok(())
                    });
                }
                let follow_view = view.clone();
                let view_poll_interval = change_log.view_poll_interval();
                let view_shutdown = background_token.clone();
                background.spawn("entitlements view", async move {
                    follow_view.follow(view_poll_interval, view_shutdown).await;
                    Ok(())
                });
                let supervise = health::supervise_database(
                    view,
                    reporter.clone(),
                    service_names.clone(),
                    bootstrap_api_key,
                    health_check_interval,
                    background_token.clone(),
                );
                background.spawn("health supervisor", async move {
                    supervise.await;
                    Ok(())
                });
                servers.spawn(
                    "grpc server",
                    serve_grpc(
                        grpc_listener,
                        routes.clone(),
                        grpc_web_cors,
                        GrpcLayers { spans: grpc_spans.clone(), metrics: grpc_metrics },
                        token.clone(),
                    ),
                );
                // The gateway calls the same routes in-process: no socket, the same authentication,
                // the same server spans (while traces are exported).
                let transport = ServiceExt::<http::Request<tonic::body::Body>>::map_err(
                    option_layer(grpc_spans).layer(routes.prepare()),
                    |never: Infallible| -> TransportError { match never {} },
                );
                GrpcClients::new(telemetry::gateway_transport(BoxCloneSyncService::new(transport)))
            }
        };
        let http_metrics = metrics.as_ref().map(ServerMetrics::http);
        let endpoint = metrics.map(ServerMetrics::into_endpoint);
        // `/metrics` on its own listener when there is one, else on the HTTP listener.
        let http_endpoint = match (endpoint, self.metrics_listener) {
            (Some(endpoint), Some(listener)) => {
                servers.spawn("metrics server", serve_metrics(listener, endpoint, token.clone()));
                None
            }
            (endpoint, _) => endpoint,
        };
        servers.spawn(
            "http server",
            serve_http(self.http_listener, clients, http_metrics, http_endpoint, token.clone()),
        );

        let unexpected_stop = tokio::select! {
            () = shutdown => None,
            stopped = background.next_stopped() => Some(stopped.into_unexpected_stop()),
            stopped = servers.next_stopped() => Some(stopped.into_unexpected_stop()),
        };
        match &unexpected_stop {
            None => tracing::info!("shutting down: health NOT_SERVING, finishing requests in flight"),
            Some(error) => tracing::error!(%error, "a server task stopped; shutting down"),
        }
        background_token.cancel();
        let background_stopped = background.join_all().await;
        health::set_all(&reporter, &service_names, ServingStatus::NotServing).await;
        tracing::info!("health is NOT_SERVING; closing the listeners");
        token.cancel();
        health::end_watch_streams(&mut reporter, &service_names).await;
        let servers_stopped = match tokio::time::timeout(self.shutdown_timeout, servers.join_all()).await {
            Ok(stopped) => stopped,
            Err(_) => {
                tracing::warn!(
                    timeout_secs = self.shutdown_timeout.as_secs(),
                    "requests still in flight at the shutdown timeout"
                );
                Ok(())
            }
        };
        match unexpected_stop {
            Some(error) => Err(error),
            None => background_stopped.and(servers_stopped),
        }
    }
}

/// The change log's background tasks: the pruner (unless events are kept forever) and the relay of
/// change signals between replicas.
fn spawn_change_log_tasks(
    background: &mut TaskGroup,
    store: &Store,
    change_log: &ChangeLogArgs,
    shutdown: &CancellationToken,
) {
    if let Some(retention) = change_log.retention() {
        let prune =
            pruner::prune_change_log(store.clone(), retention, change_log.prune_interval(), shutdown.clone());
        background.spawn("change log pruner", async move {
            prune.await;
            Ok(())
        });
    }
    let relay_store = store.clone();
    let relay_shutdown = shutdown.clone();
    background.spawn("change relay", async move {
        relay_store.relay_changes_between_replicas(relay_shutdown.cancelled_owned()).await;
        Ok(())
    });
}

/// The store signing webhooks with the operator's key file, if `--webhook-signing-key-file` names
/// one (read once, at startup, so that a bad file stops the server before it serves).
async fn with_configured_signing_key(store: Store, webhooks: &WebhookArgs) -> Result<Store, ServerError> {
    let Some(path) = &webhooks.webhook_signing_key_file else { return Ok(store) };
    let text = tokio::fs::read_to_string(path).await.map_err(|error| {
        ServerError::Startup(format!("cannot read --webhook-signing-key-file {}: {error}", path.display()))
    })?;
    let key = WebhookSigningKey::from_pem(&text).map_err(|error| {
        ServerError::Startup(format!("--webhook-signing-key-file {}: {error}", path.display()))
    })?;
    Ok(store.with_webhook_signing_key(key))
}

async fn bind(address: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(address)
        .await
        .map_err(|error| ServerError::Startup(format!("cannot listen on {address}: {error}")))
}

/// Every gRPC service this server answers: the API's (behind authentication), health and
/// reflection. Built once, served both on the gRPC listener and in-process to the gateway.
fn grpc_routes(
    api_routes: Routes,
    health_service: HealthServer<impl tonic_health::pb::health_server::Health>,
) -> Result<Routes, ServerError> {
    let reflection_v1 = reflection_builder()
        .build_v1()
        .map_err(|error| ServerError::Startup(format!("reflection: {error}")))?;
    let reflection_v1alpha = reflection_builder()
        .build_v1alpha()
        .map_err(|error| ServerError::Startup(format!("reflection: {error}")))?;
    Ok(api_routes.add_service(health_service).add_service(reflection_v1).add_service(reflection_v1alpha))
}

/// Reflection over every service this server serves, both reflection versions included, so that
/// either version lists the same services, and over `google.rpc`'s error details, so that a
/// reflection client can decode the errors too.
fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    SERVED_DESCRIPTOR_SETS
        .into_iter()
        .fold(tonic_reflection::server::Builder::configure(), |builder, descriptor_set| {
            builder.register_encoded_file_descriptor_set(descriptor_set)
        })
}

/// The optional layers of the gRPC listener: a span per call while traces are exported, and the
/// metrics unless `--metrics false`.
#[derive(Debug)]
struct GrpcLayers {
    spans: Option<GrpcServerSpanLayer>,
    metrics: Option<GrpcMetricsLayer>,
}

/// Serves the routes over gRPC and gRPC-Web (hence HTTP/1.1 too), with CORS in front of
/// gRPC-Web so that it answers browsers' preflight requests itself, and HTTP/1.1 request bodies
/// read before any service answers (see `http1_request_body`). Only this listener speaks
/// gRPC-Web: the gateway calls the routes in-process over plain gRPC.
///
/// The metrics layer, when there is one, is the innermost: it sees gRPC-Web calls as gRPC, with
/// their status in trailers.
async fn serve_grpc(
    listener: TcpListener,
    routes: Routes,
    cors: CorsAllowedOrigins,
    layers: GrpcLayers,
    token: CancellationToken,
) -> Result<(), TaskError> {
    tracing::info!(address = %listener.local_addr()?, cors_allowed_origins = %cors, "grpc listening");
    let mut server = tonic::transport::Server::builder()
        .accept_http1(true)
        // Outermost, so that every log line of the call carries its trace id.
        .layer(option_layer(layers.spans))
        .layer(TraceLayer::new_for_grpc().on_failure(LogGrpcFailure))
        .layer(tower::util::option_layer(cors.layer()))
        .layer(ReadHttp1RequestBodyLayer)
        .layer(tonic_web::GrpcWebLayer::new());
    // Without TCP_NODELAY, an answer larger than one segment can wait for the client's delayed
    // ACK (40 ms on Linux) before its last bytes leave.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    // Two arms rather than an optional layer: without metrics, no layer at all is in the way.
    match layers.metrics {
        Some(metrics) => {
            server
                .layer(metrics)
                .add_routes(routes)
                .serve_with_incoming_shutdown(incoming, token.cancelled_owned())
                .await?;
        }
        None => {
            server.add_routes(routes).serve_with_incoming_shutdown(incoming, token.cancelled_owned()).await?
        }
    }
    Ok(())
}

/// Serves the REST gateway, timed by `metrics` if any, and `GET /metrics` if `endpoint` is given
/// (added after the metrics layer, so that scrapes are not counted).
async fn serve_http(
    listener: TcpListener,
    clients: GrpcClients,
    metrics: Option<HttpMetrics>,
    endpoint: Option<MetricsEndpoint>,
    token: CancellationToken,
) -> Result<(), TaskError> {
    tracing::info!(address = %listener.local_addr()?, "http listening");
    let mut router = entitlements_gateway::router(clients);
    if let Some(metrics) = metrics {
        router = router.layer(axum::middleware::from_fn_with_state(metrics, record_http_request));
    }
    if let Some(endpoint) = endpoint {
        router = router.merge(endpoint.router());
    }
    let router = router.layer(
        TraceLayer::new_for_http().make_span_with(HttpServerSpan::new()).on_response(RecordHttpStatus::new()),
    );
    // As on the gRPC listener: no answer waits for the client's delayed ACK.
    let listener = listener.tap_io(|connection| {
        if let Err(error) = connection.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY on a connection");
        }
    });
    axum::serve(listener, router).with_graceful_shutdown(token.cancelled_owned()).await?;
    Ok(())
}

/// Serves `GET /metrics` alone, on `--metrics-addr`.
async fn serve_metrics(
    listener: TcpListener,
    endpoint: MetricsEndpoint,
    token: CancellationToken,
) -> Result<(), TaskError> {
    tracing::info!(address = %listener.local_addr()?, "metrics listening");
    axum::serve(listener, endpoint.router()).with_graceful_shutdown(token.cancelled_owned()).await?;
    Ok(())
}

/// Completes on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("received SIGINT"),
        () = terminate => tracing::info!("received SIGTERM"),
    }
}
