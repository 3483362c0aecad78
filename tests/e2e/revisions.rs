//! Revisions: every committed write names its revision (`x-entitlements-revision`, gRPC metadata
//! and REST header), the organization's change sequence; a read carrying
//! `x-entitlements-min-revision` is served once that revision is reached, or answers
//! `revision_not_reached` after the bounded wait rather than a staler answer.

use std::time::{Duration, Instant};

use entitlements::v1::{CreateFeatureRequest, FeatureCreateInput, GetFeatureRequest};
use serde_json::json;
use tonic::Code;

use crate::support::conformance::assert_error_info;
use crate::support::{TestApp, authorized, backend_tests};

/// The server's wait for a minimum revision in tests (`min_revision_wait_ms`).
const WAIT: Duration = Duration::from_millis(250);

fn feature(code: &str) -> CreateFeatureRequest {
    CreateFeatureRequest {
        feature: Some(FeatureCreateInput { code: code.to_owned(), ..FeatureCreateInput::default() }),
    }
}

fn revision_of(metadata: &tonic::metadata::MetadataMap) -> Option<u64> {
    metadata.get("x-entitlements-revision")?.to_str().ok()?.parse().ok()
}

async fn organization_revision(app: &TestApp) -> u64 {
    app.store.revision(app.organization_id().await).await.expect("the organization's revision")
}

/// A REST request with optional minimum revision; answers the status, the revision header and
/// the body.
async fn rest(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
    min_revision: Option<&str>,
) -> (u16, Option<u64>, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .header("Authorization", format!("Bearer {}", crate::support::API_KEY));
    if let Some(min_revision) = min_revision {
        request = request.header("X-Entitlements-Min-Revision", min_revision);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the request reaches the server");
    let status = response.status().as_u16();
    let revision =
        response.headers().get("x-entitlements-revision").and_then(|value| value.to_str().ok()?.parse().ok());
    (status, revision, response.json().await.unwrap_or_default())
}

backend_tests! {
    async fn grpc_writes_name_their_revision_in_commit_order(app) {
        let mut features = app.feature_client().await;
        let first = features.create_feature(authorized(feature("seats"))).await.expect("created");
        let first = revision_of(first.metadata()).expect("a write names its revision");
        assert_eq!(first, organization_revision(&app).await);
        let second = features.create_feature(authorized(feature("sso"))).await.expect("created");
        let second = revision_of(second.metadata()).expect("a write names its revision");
        assert!(second > first, "{second} after {first}");
        assert_eq!(second, organization_revision(&app).await);
        let read = features.get_feature(authorized(GetFeatureRequest { code: "sso".to_owned() })).await;
        assert_eq!(revision_of(read.expect("read").metadata()), None, "a read commits nothing");
    }

    async fn rest_writes_name_their_revision(app) {
        let body = json!({"feature": {"code": "seats"}});
        let (status, created, _) = rest(&app, reqwest::Method::POST, "/api/v1/features", Some(body), None).await;
        assert_eq!(status, 200);
        let created = created.expect("X-Entitlements-Revision on a write");
        assert_eq!(created, organization_revision(&app).await);
        let update = json!({"feature": {"name": "Seats"}});
        let (status, updated, _) =
            rest(&app, reqwest::Method::PUT, "/api/v1/features/seats", Some(update), None).await;
        assert_eq!(status, 200);
        assert!(updated.expect("a revision") > created);
        let (status, read, _) = rest(&app, reqwest::Method::GET, "/api/v1/features/seats", None, None).await;
        assert_eq!((status, read), (200, None));
    }

    async fn a_reached_minimum_revision_is_served_at_once(app) {
        app.create_feature(json!({"code": "seats"})).await;
        let current = organization_revision(&app).await.to_string();
        let started = Instant::now();
        let (status, _, body) =
            rest(&app, reqwest::Method::GET, "/api/v1/features/seats", None, Some(&current)).await;
        assert_eq!((status, &body["feature"]["code"]), (200, &json!("seats")));
        assert!(started.elapsed() < WAIT, "no wait for a reached revision: {:?}", started.elapsed());
    }

    async fn an_unreached_minimum_revision_answers_after_the_wait(app) {
        app.create_feature(json!({"code": "seats"})).await;
        let ahead = (organization_revision(&app).await + 100).to_string();
        let started = Instant::now();
        let (status, _, body) = rest(&app, reqwest::Method::GET, "/api/v1/features/seats", None, Some(&ahead)).await;
        assert!(started.elapsed() >= WAIT, "waited {:?}", started.elapsed());
        assert_eq!(
            (status, body),
            (503, json!({"status": 503, "error": "Service Unavailable", "code": "revision_not_reached"}))
        );

        let mut features = app.feature_client().await;
        let mut request = authorized(GetFeatureRequest { code: "seats".to_owned() });
        request.metadata_mut().insert("x-entitlements-min-revision", ahead.parse().expect("ascii"));
        let status = features.get_feature(request).await.expect_err("not reached");
        assert_error_info(&status, Code::Unavailable, "revision_not_reached");
    }

    async fn a_malformed_minimum_revision_is_a_bad_request(app) {
        let (status, _, body) = rest(&app, reqwest::Method::GET, "/api/v1/features", None, Some("soon")).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"], json!("BadRequest: x-entitlements-min-revision must be a revision number"));
    }

    async fn concurrent_writes_take_distinct_gap_free_revisions(app) {
        let before = organization_revision(&app).await;
        let writes = (0..12).map(|index| {
            let app = &app;
            async move {
                let mut features = app.feature_client().await;
                let answer = features.create_feature(authorized(feature(&format!("f{index}")))).await;
                revision_of(answer.expect("created").metadata()).expect("a revision")
            }
        });
        let mut revisions = futures_util::future::join_all(writes).await;
        revisions.sort_unstable();
        // One change event per created feature: the twelve writes took the twelve next revisions.
        assert_eq!(revisions, ((before + 1)..=(before + 12)).collect::<Vec<_>>());
    }

    async fn every_write_route_names_the_revision_it_committed(app) {
        app.create_feature(json!({"code": "seats", "privileges": [{"code": "max", "value_type": "integer"}]})).await;
        let plan = json!({"plan": {
            "name": "Startup", "code": "startup", "interval": "monthly", "amount_cents": 100,
            "amount_currency": "EUR", "pay_in_advance": false
        }});
        let writes = [
            (reqwest::Method::POST, "/api/v1/plans", plan),
            (reqwest::Method::PATCH, "/api/v1/plans/startup/entitlements", json!({"entitlements": {"seats": {"max": 5}}})),
            (reqwest::Method::POST, "/api/v1/customers", json!({"customer": {"external_id": "acme"}})),
            (
                reqwest::Method::POST,
                "/api/v1/subscriptions",
                json!({"subscription": {"external_customer_id": "acme", "plan_code": "startup", "external_id": "s1"}}),
            ),
            (reqwest::Method::PATCH, "/api/v1/subscriptions/s1/entitlements", json!({"entitlements": {"seats": {"max": 9}}})),
        ];
        for (method, path, body) in writes {
            let (status, revision, answer) = rest(&app, method, path, Some(body), None).await;
            assert_eq!(status, 200, "{path}: {answer}");
            assert_eq!(revision, Some(organization_revision(&app).await), "{path}");
        }
    }
}
