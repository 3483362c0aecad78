//! Where we differ from Lago on purpose (values always validated and compared by their typed
//! meaning, no empty override rows, malformed shapes are 400s), what we keep from it (removals
//! survive, overrides stay with their subscription row), the change log, and the subscription
//! object embedding the merge.

use reqwest::Method;
use serde_json::json;

use super::{
    create_features, create_plan, current, entitlements_path, list, max, own_integer, patch, seats,
    seats_on_startup, subscribe,
};
use crate::support::conformance::{assert_response, event, validation_errors};
use crate::support::{backend_tests, not_found};

backend_tests! {
    async fn values_are_always_validated_and_compared_by_meaning(app) {
        create_features(&app).await;
        create_plan(&app, "startup", 10_000, json!({"seats": {"max": 0}})).await;
        assert_eq!(subscribe(&app, "startup", "sub_1").await.status, 200);
        // Always validate: Lago casts "abc" to 0, finds it equal to the plan's 0, and accepts it.
        let response = patch(&app, json!({"seats": {"max": "abc"}})).await;
        assert_response(&response, 422, &validation_errors(json!({"max_privilege_value": ["value_is_invalid"]})));
        // "0" and 0 are the same integer as the plan's: no override.
        for value in [json!("0"), json!(0)] {
            let response = patch(&app, json!({"seats": {"max": value}})).await;
            assert_response(&response, 200, &list(json!([seats(json!([max(Some(0), None)]))])));
        }
    }

    async fn overrides_equal_to_the_plan_leave_no_row_behind(app) {
        seats_on_startup(&app).await;
        // No empty override rows: keys other than the plan's, but every value equal to it: no
        // override row, so when the plan drops the feature, the subscription loses it too.
        assert_eq!(patch(&app, json!({"seats": {"max": 10, "max_admins": 3}})).await.status, 200);
        assert_eq!(patch(&app, json!({"seats": {"max_admins": 3}})).await.status, 200);
        assert_eq!(patch(&app, json!({"seats": {"max": 10}})).await.status, 200);
        let response = patch(&app, json!({"seats": {"max_admins": 7}})).await;
        assert_eq!(response.body["entitlements"], json!([seats(json!([max(Some(10), None), own_integer("max_admins", 7)]))]));
        assert_eq!(app.delete("/api/v1/subscriptions/sub_1/entitlements/seats/privileges/max_admins").await.status, 200);
        assert_eq!(app.delete("/api/v1/plans/startup/entitlements/seats").await.status, 200);
        assert_eq!(current(&app).await, json!([]));
    }

    async fn a_real_override_outlives_the_plans_entitlement(app) {
        seats_on_startup(&app).await;
        assert_eq!(patch(&app, json!({"seats": {"max": 15}})).await.status, 200);
        assert_eq!(app.delete("/api/v1/plans/startup/entitlements/seats").await.status, 200);
        // Lago: the feature stays, with `plan_value: null`.
        assert_eq!(current(&app).await, json!([seats(json!([max(None, Some(15))]))]));
    }

    async fn removals_survive_the_plan_dropping_the_feature(app) {
        seats_on_startup(&app).await;
        assert_eq!(app.delete(&format!("{}/seats", entitlements_path("sub_1"))).await.status, 200);
        assert_eq!(app.delete("/api/v1/plans/startup/entitlements/seats").await.status, 200);
        let regrant = app.patch("/api/v1/plans/startup/entitlements", &json!({"entitlements": {"seats": {"max": 20}}})).await;
        assert_eq!(regrant.status, 200);
        // Kept from Lago: the removal outlives the plan's entitlement; the subscription's contract
        // said no, and it still does.
        assert_eq!(current(&app).await, json!([]));
    }

    async fn naming_a_removed_privilege_at_the_plans_value_restores_it(app) {
        seats_on_startup(&app).await;
        assert_eq!(app.delete(&format!("{}/seats/privileges/max", entitlements_path("sub_1"))).await.status, 200);
        assert_eq!(current(&app).await, json!([seats(json!([]))]));
        // Lago #5799: the removal goes even though the value is the plan's.
        let response = patch(&app, json!({"seats": {"max": 10, "max_admins": 1}})).await;
        assert_eq!(response.body["entitlements"], json!([seats(json!([max(Some(10), None), own_integer("max_admins", 1)]))]));
    }

    async fn the_plans_exact_values_restore_the_plan(app) {
        seats_on_startup(&app).await;
        assert_eq!(patch(&app, json!({"seats": {"max": 99, "max_admins": 2}})).await.status, 200);
        assert_eq!(app.delete(&format!("{}/seats/privileges/root%3F", entitlements_path("sub_1"))).await.status, 200);
        // Exactly the plan's keys and values: the override and the removals go.
        let response = patch(&app, json!({"seats": {"max": "10"}})).await;
        assert_response(&response, 200, &list(json!([seats(json!([max(Some(10), None)]))])));
    }

    async fn overrides_stay_with_their_subscription_row(app) {
        create_features(&app).await;
        create_plan(&app, "startup", 10_000, json!({"seats": {"max": 10}})).await;
        create_plan(&app, "premium", 20_000, json!({"seats": {"max": 50}})).await;
        assert_eq!(subscribe(&app, "startup", "sub_1").await.status, 200);
        assert_eq!(patch(&app, json!({"seats": {"max": 12}})).await.status, 200);
        // An upgrade is a new subscription: it gets the new plan's entitlements only (Lago).
        assert_eq!(subscribe(&app, "premium", "sub_1").await.status, 200);
        assert_eq!(current(&app).await, json!([seats(json!([max(Some(50), None)]))]));
        let terminated = app.get(&format!("{}?subscription_status=terminated", entitlements_path("sub_1"))).await;
        assert_eq!(terminated.body["entitlements"], json!([seats(json!([max(Some(10), Some(12))]))]));
    }

    async fn the_subscription_object_embeds_the_merge(app) {
        seats_on_startup(&app).await;
        assert_eq!(patch(&app, json!({"seats": {"max": 60}})).await.status, 200);
        let expected = json!([seats(json!([max(Some(10), Some(60))]))]);
        assert_eq!(app.get("/api/v1/subscriptions/sub_1").await.body["subscription"]["entitlements"], expected);
    }

    async fn writes_record_subscription_updated_and_failures_nothing(app) {
        seats_on_startup(&app).await;
        let before = app.change_event_codes().await.len();
        let path = entitlements_path("sub_1");
        assert_eq!(patch(&app, json!({"seats": {"max": 11}})).await.status, 200);
        assert_eq!(patch(&app, json!({})).await.status, 200);
        assert_eq!(patch(&app, json!({"seats": {"max": "x"}})).await.status, 422);
        assert_eq!(patch(&app, json!({"ghost": {}})).await.status, 404);
        assert_eq!(app.delete(&format!("{path}/seats/privileges/max")).await.status, 200);
        assert_eq!(app.delete(&format!("{path}/seats")).await.status, 200);
        assert_eq!(app.delete(&format!("{path}/ghost")).await.status, 404);
        assert_eq!(app.get(&path).await.status, 200);
        let events: Vec<_> = app.change_event_codes().await.into_iter().skip(before).collect();
        assert_eq!(events, vec![event("subscription.updated", "sub_1"); 4]);
    }

    async fn deleting_a_feature_or_privilege_records_the_subscriptions_it_changed(app) {
        seats_on_startup(&app).await;
        assert_eq!(patch(&app, json!({"sso": {"level": "a"}, "seats": {"max": 5}})).await.status, 200);
        let before = app.change_event_codes().await.len();
        assert_eq!(app.delete("/api/v1/features/sso").await.status, 200);
        assert_eq!(app.delete("/api/v1/features/seats/privileges/max").await.status, 200);
        let events: Vec<_> = app.change_event_codes().await.into_iter().skip(before).collect();
        // Lago sends no `subscription.updated` here; the change log, which caches follow, must.
        assert_eq!(
            events,
            [
                event("feature.deleted", "sso"),
                event("subscription.updated", "sub_1"),
                event("plan.updated", "startup"),
                event("feature.updated", "seats"),
                event("subscription.updated", "sub_1"),
            ]
        );
        assert_eq!(current(&app).await, json!([seats(json!([]))]));
        // The override lost its only value: it is gone too (no empty override rows), so the plan
        // dropping the feature drops it for the subscription.
        assert_eq!(app.delete("/api/v1/plans/startup/entitlements/seats").await.status, 200);
        assert_eq!(current(&app).await, json!([]));
    }

    async fn malformed_bodies_are_400s_after_the_subscription(app) {
        seats_on_startup(&app).await;
        let path = entitlements_path("sub_1");
        let bad_request = |message: &str| json!({"status": 400, "error": format!("BadRequest: {message}")});
        let response = app.patch(&path, &json!({"entitlements": []})).await;
        assert_response(&response, 400, &bad_request("entitlements must be a JSON object"));
        let response = app.patch(&path, &json!({"entitlements": {"seats": 1}})).await;
        assert_response(&response, 400, &bad_request("entitlements.seats must be a JSON object"));
        let invalid = app.send_raw(Method::PATCH, &path, "application/json", "{").await;
        assert_eq!(invalid.status, 400, "{}", invalid.body);
        let unknown = app.patch(&entitlements_path("unknown"), &json!({"entitlements": []})).await;
        assert_response(&unknown, 404, &not_found("subscription_not_found"));
        // A missing `entitlements` changes nothing, as in Lago.
        assert_response(&app.patch(&path, &json!({})).await, 200, &list(json!([seats(json!([max(Some(10), None)]))])));
    }
}
