//! Where we differ from Lago on purpose: a POST without `entitlements` is a 400, not a wipe; POST
//! really replaces a feature's values; malformed shapes are 400s, not 500s; entitlements and values
//! come in creation order; a failed request emits no change event. And the change log of plan
//! entitlement writes.

use reqwest::Method;
use serde_json::json;

use super::{
    create_plan, create_simple_feature, current_entitlements, entitlements_path, max, max_admins,
    patch_entitlements, post_entitlements, root, seats, seats_and_startup, simple,
};
use crate::support::conformance::{assert_response, event};
use crate::support::{backend_tests, not_found, unauthorized};

backend_tests! {
    async fn post_without_entitlements_is_a_400_not_a_wipe(app) {
        seats_and_startup(&app).await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 10}})).await.status, 200);
        let missing = json!({"status": 400, "error": "BadRequest: param is missing or the value is empty or invalid: entitlements"});
        // No silent wipe: Lago treats a missing key as `{}` and deletes everything.
        for body in [json!({}), json!({"entitlements": null})] {
            assert_response(&app.post(&entitlements_path("startup"), &body).await, 400, &missing);
        }
        assert_response(&app.send_raw(Method::POST, &entitlements_path("startup"), "application/json", "").await, 400, &missing);
        assert_eq!(current_entitlements(&app, "startup").await, json!([seats(json!([max(10)]))]));
        // PATCH without it changes nothing, as in Lago.
        let response = app.patch(&entitlements_path("startup"), &json!({})).await;
        assert_response(&response, 200, &json!({"entitlements": [seats(json!([max(10)]))]}));
    }

    async fn post_really_replaces_the_values_of_a_feature(app) {
        seats_and_startup(&app).await;
        let all = json!({"seats": {"max": 10, "max_admins": "5", "root": true}});
        assert_eq!(post_entitlements(&app, "startup", all.clone()).await.status, 200);
        // POST replaces: `{}` and `null` leave the feature with no value (Lago keeps the old ones).
        for empty in [json!({}), json!(null)] {
            assert_eq!(post_entitlements(&app, "startup", all.clone()).await.status, 200);
            let response = post_entitlements(&app, "startup", json!({ "seats": empty })).await;
            assert_response(&response, 200, &json!({"entitlements": [seats(json!([]))]}));
        }
        // A partial map keeps exactly the values given.
        assert_eq!(post_entitlements(&app, "startup", all).await.status, 200);
        let response = post_entitlements(&app, "startup", json!({"seats": {"root": false}})).await;
        assert_response(&response, 200, &json!({"entitlements": [seats(json!([root(false)]))]}));
    }

    async fn malformed_bodies_are_400s_after_authentication_and_the_plan(app) {
        seats_and_startup(&app).await;
        let path = entitlements_path("startup");
        let bad_request = |message: &str| json!({"status": 400, "error": format!("BadRequest: {message}")});
        // Lago answers 500 for these; a malformed shape is a 400 here.
        let cases = [
            (json!({"entitlements": []}), "entitlements must be a JSON object"),
            (json!({"entitlements": "seats"}), "entitlements must be a JSON object"),
            (json!({"entitlements": {"seats": 5}}), "entitlements.seats must be a JSON object"),
            (json!({"entitlements": {"seats": ["max"]}}), "entitlements.seats must be a JSON object"),
        ];
        for (body, message) in cases {
            assert_response(&app.post(&path, &body).await, 400, &bad_request(message));
            assert_response(&app.patch(&path, &body).await, 400, &bad_request(message));
        }
        let invalid = app.send_raw(Method::PATCH, &path, "application/json", "{\"entitlements\": ").await;
        assert_eq!(invalid.status, 400, "{}", invalid.body);
        let text = app.send_raw(Method::POST, &path, "text/plain", "{\"entitlements\": {}}").await;
        assert_response(&text, 400, &bad_request("Content-Type must be application/json"));
        // Lago's order: 401, then the plan's 404, then the body's 400.
        let unknown = app.patch(&entitlements_path("unknown"), &json!({"entitlements": []})).await;
        assert_response(&unknown, 404, &not_found("plan_not_found"));
        let anonymous = app.send_as(None, Method::PATCH, &path, Some(&json!({"entitlements": []}))).await;
        assert_response(&anonymous, 401, &unauthorized());
        // PUT is not routed, as in Lago.
        let put = app.put(&path, &json!({"entitlements": {}})).await;
        assert_response(&put, 404, &not_found("resource_not_found"));
        assert_eq!(current_entitlements(&app, "startup").await, json!([]));
    }

    async fn entitlements_and_values_are_listed_in_creation_order(app) {
        seats_and_startup(&app).await;
        for code in ["zeta", "alpha"] {
            create_simple_feature(&app, code).await;
        }
        // A deterministic order: features in the order the plan got them, values in the order they
        // were set (not the privileges' order).
        let response = post_entitlements(&app, "startup", json!({"zeta": {}, "seats": {"root": true, "max": 3}})).await;
        let expected = json!([simple("zeta", json!([])), seats(json!([root(true), max(3)]))]);
        assert_response(&response, 200, &json!({ "entitlements": expected }));
        let response = patch_entitlements(&app, "startup", json!({"alpha": {}, "seats": {"max_admins": "1", "max": 4}})).await;
        let expected = json!([
            simple("zeta", json!([])),
            seats(json!([root(true), max(4), max_admins("1")])),
            simple("alpha", json!([]))
        ]);
        assert_response(&response, 200, &json!({ "entitlements": expected }));
        // The plan object embeds them in the same order.
        assert_eq!(app.get("/api/v1/plans/startup").await.body["plan"]["entitlements"], expected);
    }

    async fn every_successful_write_records_plan_updated_and_failures_nothing(app) {
        seats_and_startup(&app).await;
        create_plan(&app, "other").await;
        let before = app.change_event_codes().await.len();
        let path = entitlements_path("startup");
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 1}})).await.status, 200);
        assert_eq!(patch_entitlements(&app, "startup", json!({"seats": {"max": 1}})).await.status, 200);
        assert_eq!(patch_entitlements(&app, "startup", json!({"seats": {"max": "x"}})).await.status, 422);
        assert_eq!(patch_entitlements(&app, "startup", json!({"ghost": {}})).await.status, 404);
        assert_eq!(app.post(&path, &json!({})).await.status, 400);
        assert_eq!(app.delete(&format!("{path}/seats/privileges/max")).await.status, 200);
        assert_eq!(app.delete(&format!("{path}/seats/privileges/max")).await.status, 404);
        assert_eq!(app.delete(&format!("{path}/seats")).await.status, 200);
        assert_eq!(app.delete(&format!("{path}/seats")).await.status, 404);
        assert_eq!(app.get(&path).await.status, 200);
        let events: Vec<_> = app.change_event_codes().await.into_iter().skip(before).collect();
        // Even a write that changes nothing records the event, as Lago always sends `plan.updated`.
        assert_eq!(events, vec![event("plan.updated", "startup"); 4]);
    }
}
