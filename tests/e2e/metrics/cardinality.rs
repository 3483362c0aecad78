//! Cardinality is bounded by construction: 200 distinct subscription ids and feature codes, over
//! REST and gRPC, found and not found, make a handful of series, and no label holds an id.

use entitlements::v1::check_service_client::CheckServiceClient;
use entitlements::v1::{CheckRequest, GetFeatureRequest};

use super::scrape;
use crate::check_grpc::seed;
use crate::support::{authorized, backend_tests};

/// Every id the scenario invents starts with this, so that a label holding one is found.
const ID_PREFIX: &str = "ghost";

backend_tests! {
    async fn many_ids_make_few_series(app) {
        seed(&app).await;
        let mut checks = CheckServiceClient::new(app.grpc_channel().await);
        let mut features = app.feature_client().await;
        for index in 0..50 {
            let subscription = format!("{ID_PREFIX}_sub_{index}");
            let feature = format!("{ID_PREFIX}_feature_{index}");
            assert_eq!(app.get(&format!("/api/v1/subscriptions/{subscription}")).await.status, 404);
            assert_eq!(app.get(&format!("/api/v1/features/{feature}")).await.status, 404);
            let request = CheckRequest {
                subscription_external_id: subscription,
                feature_code: "sso".to_owned(),
                ..CheckRequest::default()
            };
            checks.check(authorized(request)).await.expect("a check of a subscription not found");
            let missing = features.get_feature(authorized(GetFeatureRequest { code: feature })).await;
            assert_eq!(missing.expect_err("a feature not found").code(), tonic::Code::NotFound);
        }
        // The ones that exist, over both.
        for code in ["sso", "audit", "seats", "beta"] {
            assert_eq!(app.get(&format!("/api/v1/features/{code}")).await.status, 200);
            features.get_feature(authorized(GetFeatureRequest { code: code.to_owned() })).await.expect("found");
        }
        let scraped = scrape(&app).await;

        for sample in &scraped.samples {
            for (key, value) in &sample.labels {
                assert!(!value.contains(ID_PREFIX), "{}{{{key}=\"{value}\"}} holds an id", sample.name);
            }
        }
        let bounds = [
            ("http_server_request_duration_seconds_count", 20),
            ("grpc_server_started_total", 5),
            ("grpc_server_handled_total", 5),
            ("grpc_server_handling_seconds_count", 5),
            ("entitlements_check_answers_total", 10),
        ];
        for (family, bound) in bounds {
            let series = scraped.series(family);
            assert!(series > 0 && series <= bound, "{family} has {series} series (at most {bound})");
        }
        let subscription_route = [
            ("http_route", "/api/v1/subscriptions/{external_id}"),
            ("http_response_status_code", "404"),
        ];
        assert_eq!(scraped.value("http_server_request_duration_seconds_count", &subscription_route), 50.0);
        let not_found = [("grpc_method", "GetFeature"), ("grpc_code", "NotFound")];
        assert_eq!(scraped.value("grpc_server_handled_total", &not_found), 50.0);
        assert!(scraped.samples.len() < 1500, "{} samples in all", scraped.samples.len());
    }

    async fn paths_that_name_no_method_share_one_series(app) {
        // Over gRPC-Web (HTTP/1.1), which the gRPC listener serves and counts as gRPC.
        let http = reqwest::Client::new();
        for index in 0..20 {
            let url = format!("http://{}/{ID_PREFIX}.Service{index}/Method{index}", app.grpc_address);
            let answer = http
                .post(url)
                .header("content-type", "application/grpc-web+proto")
                .body(vec![0_u8, 0, 0, 0, 0])
                .send()
                .await
                .expect("an answer");
            assert_eq!(answer.status(), 200);
        }
        let scraped = scrape(&app).await;
        let unknown = [("grpc_service", "unknown"), ("grpc_method", "unknown")];
        assert_eq!(scraped.value("grpc_server_started_total", &unknown), 20.0);
        assert_eq!(scraped.value("grpc_server_handled_total", &[("grpc_service", "unknown"), ("grpc_code", "Unimplemented")]), 20.0);
        let started_unknown = scraped.samples.iter().filter(|sample| {
            sample.name == "grpc_server_started_total" && sample.labels.get("grpc_service").map(String::as_str) != Some("grpc.health.v1.Health")
        });
        assert_eq!(started_unknown.count(), 1, "one series for every invented path");
    }
}
