//! A known sequence of calls — 3 Checks granted and 1 for a subscription not found over gRPC, 2
//! REST GETs of one route with different codes, 1 gRPC call with a bad argument, 1 without an
//! API key — shows in the scrape as exactly those counts, by method, code, route and reason.

use entitlements::v1::CheckRequest;
use entitlements::v1::check_service_client::CheckServiceClient;
use tonic::Code;

use super::{Scrape, scrape};
use crate::check_grpc::seed;
use crate::support::{authorized, backend_tests};

const CHECK: [(&str, &str); 3] =
    [("grpc_type", "unary"), ("grpc_service", "entitlements.v1.CheckService"), ("grpc_method", "Check")];

fn check_request(subscription: &str, feature: &str) -> CheckRequest {
    CheckRequest {
        subscription_external_id: subscription.to_owned(),
        feature_code: feature.to_owned(),
        ..CheckRequest::default()
    }
}

/// `after`'s value of a series less `before`'s.
fn delta(before: &Scrape, after: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    after.value(name, labels) - before.value(name, labels)
}

fn with_code(code: &str) -> Vec<(&str, &str)> {
    let mut labels = CHECK.to_vec();
    labels.push(("grpc_code", code));
    labels
}

backend_tests! {
    async fn a_known_sequence_of_calls_shows_exactly_those_counts(app) {
        seed(&app).await;
        let before = scrape(&app).await;
        let mut checks = CheckServiceClient::new(app.grpc_channel().await);
        for _ in 0..3 {
            let answer = checks.check(authorized(check_request("sub_1", "sso"))).await.expect("a granted check");
            assert!(answer.into_inner().allowed);
        }
        let missing = checks.check(authorized(check_request("sub_missing", "sso"))).await.expect("an answer");
        assert!(!missing.into_inner().allowed);
        assert_eq!(app.get("/api/v1/features/sso").await.status, 200);
        assert_eq!(app.get("/api/v1/features/audit").await.status, 200);
        let invalid = checks.check(authorized(check_request("", "sso"))).await.expect_err("an invalid check");
        assert_eq!(invalid.code(), Code::InvalidArgument);
        let anonymous =
            checks.check(tonic::Request::new(check_request("sub_1", "sso"))).await.expect_err("no API key");
        assert_eq!(anonymous.code(), Code::Unauthenticated);
        let after = scrape(&app).await;

        assert_eq!(delta(&before, &after, "grpc_server_started_total", &CHECK), 6.0);
        assert_eq!(delta(&before, &after, "grpc_server_handled_total", &with_code("OK")), 4.0);
        assert_eq!(delta(&before, &after, "grpc_server_handled_total", &with_code("InvalidArgument")), 1.0);
        assert_eq!(delta(&before, &after, "grpc_server_handled_total", &with_code("Unauthenticated")), 1.0);
        assert_eq!(delta(&before, &after, "grpc_server_handled_total", &CHECK), 6.0);
        assert_eq!(delta(&before, &after, "grpc_server_handling_seconds_count", &CHECK), 6.0);
        let feature_route = [
            ("http_request_method", "GET"),
            ("http_route", "/api/v1/features/{code}"),
            ("http_response_status_code", "200"),
        ];
        assert_eq!(delta(&before, &after, "http_server_request_duration_seconds_count", &feature_route), 2.0);
        let answers = "entitlements_check_answers_total";
        assert_eq!(delta(&before, &after, answers, &[("reason", "granted_by_plan")]), 3.0);
        assert_eq!(delta(&before, &after, answers, &[("reason", "subscription_not_found")]), 1.0);
        assert_eq!(delta(&before, &after, answers, &[]), 4.0, "no other answer was counted");
        // The REST seed went through the gateway's in-process calls: counted as HTTP, not gRPC.
        let features = [("grpc_service", "entitlements.v1.FeatureService")];
        assert_eq!(before.value("grpc_server_started_total", &features), 0.0);
        assert!(before.value("http_server_request_duration_seconds_count", &[]) > 0.0);
        // Scrapes are not requests the metrics count.
        assert!(!after.has("http_server_request_duration_seconds_count", &[("http_route", "/metrics")]));
    }

    async fn a_rest_check_is_counted_by_reason_too(app) {
        seed(&app).await;
        let before = scrape(&app).await;
        let checked = app.get("/v1/check?subscription_external_id=sub_1&feature_code=sso").await;
        assert_eq!(checked.status, 200, "{}", checked.body);
        let after = scrape(&app).await;
        let granted = [("reason", "granted_by_plan")];
        assert_eq!(delta(&before, &after, "entitlements_check_answers_total", &granted), 1.0);
        let route = [("http_route", "/v1/check"), ("http_response_status_code", "200")];
        assert_eq!(delta(&before, &after, "http_server_request_duration_seconds_count", &route), 1.0);
    }
}
