//! `--metrics false` serves no `/metrics` and changes nothing else; `--metrics-addr` serves it on
//! its own listener, and then not on the HTTP one; a gateway-only server reports its HTTP
//! requests but none of the metrics that need the store.

use entitlements::v1::GetFeatureRequest;
use entitlements_server::{Application, ServeConfig};
use entitlements_store::Clock;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::scrape_at;
use crate::support::{API_KEY, Backend, TestApp, authorized, backend_tests, spawn_app_with, test_serve_args};

async fn serves_without_metrics(app: &TestApp) {
    assert_eq!(app.get("/metrics").await.status, 404);
    app.create_feature(json!({"code": "seats"})).await;
    assert_eq!(app.get("/api/v1/features/seats").await.status, 200);
    let mut features = app.feature_client().await;
    features.get_feature(authorized(GetFeatureRequest { code: "seats".to_owned() })).await.expect("found");
    let checked = app.get("/v1/check?subscription_external_id=nobody&feature_code=seats").await;
    assert_eq!(checked.status, 200, "{}", checked.body);
}

async fn serves_metrics_on_their_own_listener(app: &TestApp) {
    let address = app.metrics_address.expect("the metrics listener");
    assert_eq!(app.get("/metrics").await.status, 404, "not on the HTTP listener");
    assert_eq!(app.get("/api/v1/features").await.status, 200);
    let scraped = scrape_at(address).await;
    let list = [("http_route", "/api/v1/features"), ("http_request_method", "GET")];
    assert_eq!(scraped.value("http_server_request_duration_seconds_count", &list), 1.0);
    let not_found = [("http_route", ""), ("http_response_status_code", "404")];
    assert_eq!(
        scraped.value("http_server_request_duration_seconds_count", &not_found),
        1.0,
        "the HTTP /metrics"
    );
}

macro_rules! flag_tests {
    ($($name:ident: $customize:expr => $scenario:ident;)*) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = spawn_app_with(Backend::Sqlite, $customize).await.expect("sqlite is always available");
                    $scenario(&app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = spawn_app_with(Backend::Postgres, $customize).await {
                        $scenario(&app).await;
                    }
                }
            }
        )*
    };
}

flag_tests! {
    metrics_off_serves_no_metrics_and_nothing_breaks:
        |config| config.args.metrics = false => serves_without_metrics;
    metrics_addr_serves_metrics_apart:
        |config| config.args.metrics_addr = Some("127.0.0.1:0".parse().expect("an address")) => serves_metrics_on_their_own_listener;
}

backend_tests! {
    async fn a_gateway_only_server_reports_its_requests_and_no_store_metrics(app) {
        app.create_feature(json!({"code": "seats"})).await;
        let mut args = test_serve_args();
        args.grpc_upstream = Some(format!("http://{}", app.grpc_address));
        let config = ServeConfig {
            // Never opened in this mode.
            database_url: "sqlite:///nonexistent-dir/never-opened.db".to_owned(),
            args,
            bootstrap_api_key: None,
            clock: Clock::system(),
        };
        let gateway = Application::build(config).await.expect("build the gateway");
        let gateway_address = gateway.http_address();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(gateway.run_until(shutdown.clone().cancelled_owned()));
        let answer = reqwest::Client::new()
            .get(format!("http://{gateway_address}/api/v1/features/seats"))
            .bearer_auth(API_KEY)
            .send()
            .await
            .expect("an answer from the gateway");
        assert_eq!(answer.status(), 200);

        let scraped = scrape_at(gateway_address).await;
        let route = [("http_route", "/api/v1/features/{code}"), ("http_response_status_code", "200")];
        assert_eq!(scraped.value("http_server_request_duration_seconds_count", &route), 1.0);
        assert!(scraped.has("entitlements_build_info", &[]));
        for absent in ["entitlements_view_ready", "entitlements_db_pool_max_connections", "grpc_server_started_total"] {
            assert!(!scraped.has(absent, &[]), "{absent} in gateway-only mode");
        }
        // Its call reached the full server over its gRPC listener, where it is counted.
        let upstream = crate::metrics::scrape(&app).await;
        let get_feature = [("grpc_method", "GetFeature"), ("grpc_code", "OK")];
        assert_eq!(upstream.value("grpc_server_handled_total", &get_feature), 1.0);
        shutdown.cancel();
        server.await.expect("the gateway task ends").expect("the gateway stops cleanly");
    }
}
