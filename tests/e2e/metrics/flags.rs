//! `--metrics false` serves no `/metrics` and changes nothing else; `--metrics-addr` serves it on
//! its own listener, and then not on the HTTP one.

use entitlements::v1::GetFeatureRequest;
use serde_json::json;

use super::scrape_at;
use crate::support::{Backend, TestApp, authorized, spawn_app_with};

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
    assert_eq!(scraped.value("http_server_request_duration_seconds_count", &not_found), 1.0, "the HTTP /metrics");
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
