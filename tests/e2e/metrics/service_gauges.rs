//! The service's own metrics are there and plausible: the pools, the view caught up with the log
//! once writes settle, statements timed, a Watch stream counted while it is open, a webhook
//! delivery counted by outcome with the outbox emptied, the build and the process.

use entitlements::v1::WatchRequest;
use entitlements::v1::watch_service_client::WatchServiceClient;
use serde_json::json;

use super::{SETTLE_DEADLINE, scrape, scrape_until};
use crate::support::webhook_receiver::WebhookReceiver;
use crate::support::{Backend, authorized, backend_tests};

backend_tests! {
    async fn the_database_and_the_view_are_measured(app) {
        app.create_feature(json!({"code": "seats"})).await;
        app.create_feature(json!({"code": "sso"})).await;
        let scraped = scrape_until(&app, "the view's lag", |scraped| {
            scraped.value("entitlements_view_ready", &[]) == 1.0
                && scraped.has("entitlements_view_lag_revisions", &[])
                && scraped.value("entitlements_view_lag_revisions", &[]) == 0.0
        })
        .await;
        let log = scraped.value("entitlements_change_log_revision", &[]);
        assert!(log >= 4.0, "two organizations created and two features: {log}");
        assert_eq!(scraped.value("entitlements_view_revision", &[]), log);

        assert!(scraped.value("entitlements_db_pool_max_connections", &[("pool", "main")]) >= 1.0);
        assert!(scraped.has("entitlements_db_pool_connections", &[("pool", "main"), ("state", "idle")]));
        assert!(scraped.has("entitlements_db_pool_connections", &[("pool", "main"), ("state", "in_use")]));
        let has_writer = scraped.has("entitlements_db_pool_max_connections", &[("pool", "writer")]);
        assert_eq!(has_writer, app.backend == Backend::Sqlite, "only SQLite has a writer pool");
        let selects = [("operation", "select")];
        assert!(scraped.value("entitlements_db_statement_duration_seconds_count", &selects) > 0.0);
        assert!(scraped.value("entitlements_db_statement_duration_seconds_count", &[("operation", "insert")]) > 0.0);
        assert!(scraped.value("entitlements_db_transaction_wait_seconds_count", &[]) > 0.0);
        assert_eq!(scraped.value("entitlements_webhook_deliveries_pending", &[]), 0.0);
        assert!(scraped.has("entitlements_webhook_deliveries_pending", &[]));

        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(scraped.value("entitlements_build_info", &[("version", version)]), 1.0);
        assert!(scraped.value("process_resident_memory_bytes", &[]) > 1_000_000.0);
        assert!(scraped.value("process_open_fds", &[]) > 3.0);
        assert!(scraped.value("process_cpu_seconds_total", &[]) > 0.0);
        assert!(scraped.value("process_start_time_seconds", &[]) > 1_700_000_000.0);
    }

    async fn an_open_watch_stream_is_counted_until_it_closes(app) {
        assert_eq!(scrape(&app).await.value("entitlements_watch_streams_open", &[]), 0.0);
        let mut client = WatchServiceClient::new(app.grpc_channel().await);
        let mut stream = client.watch(authorized(WatchRequest::default())).await.expect("a stream").into_inner();
        let first = tokio::time::timeout(SETTLE_DEADLINE, stream.message()).await;
        assert!(matches!(first, Ok(Ok(Some(_)))), "the stream's first checkpoint: {first:?}");
        let open = scrape(&app).await;
        assert_eq!(open.value("entitlements_watch_streams_open", &[]), 1.0);
        let watch = [("grpc_service", "entitlements.v1.WatchService"), ("grpc_method", "Watch"), ("grpc_type", "server_stream")];
        assert_eq!(open.value("grpc_server_started_total", &watch), 1.0);
        assert_eq!(open.value("grpc_server_handled_total", &watch), 0.0, "not handled while open");
        drop(stream);
        drop(client);
        let closed = scrape_until(&app, "the stream's close", |scraped| {
            scraped.value("entitlements_watch_streams_open", &[]) == 0.0
                && scraped.value("grpc_server_handled_total", &watch) == 1.0
        })
        .await;
        assert_eq!(closed.value("grpc_server_handled_total", &[("grpc_service", "entitlements.v1.WatchService"), ("grpc_code", "Canceled")]), 1.0);
        assert_eq!(closed.value("grpc_server_handling_seconds_count", &watch), 1.0);
    }

    async fn webhook_attempts_are_counted_by_outcome(app) {
        let receiver = WebhookReceiver::start().await;
        let endpoint = json!({"webhook_endpoint": {"webhook_url": receiver.url("/hook"), "signature_algo": "hmac"}});
        let created = app.post("/api/v1/webhook_endpoints", &endpoint).await;
        assert_eq!(created.status, 200, "{}", created.body);
        app.create_feature(json!({"code": "seats"})).await;
        receiver.wait_for("/hook", 1, SETTLE_DEADLINE).await;
        let scraped = scrape_until(&app, "the delivery's outcome", |scraped| {
            scraped.value("entitlements_webhook_attempts_total", &[("outcome", "delivered")]) >= 1.0
                && scraped.value("entitlements_webhook_deliveries_pending", &[]) == 0.0
        })
        .await;
        let delivered = scraped.value("entitlements_webhook_attempts_total", &[("outcome", "delivered")]);
        assert_eq!(scraped.value("entitlements_webhook_attempt_duration_seconds_count", &[]), delivered);
        assert_eq!(scraped.value("entitlements_webhook_attempts_total", &[]), delivered, "every attempt delivered");
    }
}
