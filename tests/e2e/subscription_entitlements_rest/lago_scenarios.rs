//! Lago's request specs `subscriptions/entitlements_controller_spec.rb` and
//! `subscriptions/entitlements/privileges_controller_spec.rb`, scenario by scenario. Where Lago
//! counts rows, the scenario shows what those rows do to the answers.

use serde_json::{Value, json};

use super::{
    create_features, create_plan, current, entitlements_path, list, max, own_boolean, own_integer, patch,
    privilege, seats, seats_on_startup, sso, subscribe,
};
use crate::support::conformance::assert_response;
use crate::support::{backend_tests, not_found};

backend_tests! {
    async fn get_merges_plan_values_and_overrides(app) {
        create_features(&app).await;
        create_plan(&app, "startup", 10_000, json!({"seats": {"max": 30}})).await;
        assert_eq!(subscribe(&app, "startup", "sub_1").await.status, 200);
        assert_eq!(patch(&app, json!({"seats": {"root?": true}})).await.status, 200);
        // The plan's value first (it was created first), then the override.
        let expected = list(json!([seats(json!([max(Some(30), None), own_boolean("root?", true)]))]));
        assert_response(&app.get(&entitlements_path("sub_1")).await, 200, &expected);
        // An unknown subscription is subscription_not_found.
        assert_response(&app.get(&entitlements_path("unknown")).await, 404, &not_found("subscription_not_found"));
    }

    async fn the_status_selects_among_subscriptions_sharing_an_external_id(app) {
        create_features(&app).await;
        create_plan(&app, "big", 10_000, json!({"seats": {"max": 10}})).await;
        create_plan(&app, "small", 1_000, json!({"seats": {"max": 10}})).await;
        // A terminated subscription, an active one, and a pending downgrade, all `sub_1`.
        assert_eq!(subscribe(&app, "big", "sub_1").await.status, 200);
        assert_eq!(app.delete("/api/v1/subscriptions/sub_1").await.status, 200);
        assert_eq!(subscribe(&app, "big", "sub_1").await.status, 200);
        assert_eq!(subscribe(&app, "small", "sub_1").await.status, 200);
        let path = entitlements_path("sub_1");
        for (query, value) in [("", 100), ("?subscription_status=pending", 200), ("?subscription_status=terminated", 300)] {
            let response = app.patch(&format!("{path}{query}"), &json!({"entitlements": {"seats": {"max": value}}})).await;
            assert_eq!(response.status, 200, "{query}: {}", response.body);
        }
        // The default is the active one; `subscription_status` and the legacy `status`
        // select the others.
        for (query, value) in [
            ("", 100),
            ("?subscription_status=active", 100),
            ("?subscription_status=pending", 200),
            ("?subscription_status=terminated", 300),
            ("?status=pending", 200),
            ("?status=terminated", 300),
        ] {
            let response = app.get(&format!("{path}{query}")).await;
            assert_response(&response, 200, &list(json!([seats(json!([max(Some(10), Some(value))]))])));
        }
        for query in ["?subscription_status=canceled", "?subscription_status=unknown"] {
            assert_response(&app.get(&format!("{path}{query}")).await, 404, &not_found("subscription_not_found"));
        }
    }

    async fn patch_sets_overrides(app) {
        seats_on_startup(&app).await;
        // An override of the plan's value; it is stored, so it reads back.
        let expected = list(json!([seats(json!([max(Some(10), Some(60))]))]));
        assert_response(&patch(&app, json!({"seats": {"max": 60}})).await, 200, &expected);
        assert_eq!(current(&app).await, expected["entitlements"]);
        // A privilege the plan gives no value.
        let response = patch(&app, json!({"seats": {"max_admins": 30}})).await;
        let expected = list(json!([seats(json!([max(Some(10), Some(60)), own_integer("max_admins", 30)]))]));
        assert_response(&response, 200, &expected);
        // A feature the plan does not grant.
        let response = patch(&app, json!({"sso": {"level": "100"}})).await;
        let level = privilege("level", "string", json!("100"), Value::Null, json!("100"));
        assert_eq!(response.body["entitlements"][1], sso(json!([level])));
        // An empty map changes nothing.
        let before = current(&app).await;
        assert_response(&patch(&app, json!({})).await, 200, &list(before));
    }

    async fn patch_errors(app) {
        seats_on_startup(&app).await;
        // An unknown feature, privilege or subscription is a 404 naming which.
        assert_response(&patch(&app, json!({"ghost": {}})).await, 404, &not_found("feature_not_found"));
        assert_response(&patch(&app, json!({"seats": {"nope": 1}})).await, 404, &not_found("privilege_not_found"));
        let unknown = app.patch(&entitlements_path("unknown"), &json!({"entitlements": {}})).await;
        assert_response(&unknown, 404, &not_found("subscription_not_found"));
        // Unknown features are checked before anything else, as Lago does.
        let response = patch(&app, json!({"seats": {"max": "x"}, "ghost": {}})).await;
        assert_response(&response, 404, &not_found("feature_not_found"));
        assert_eq!(current(&app).await, json!([seats(json!([max(Some(10), None)]))]));
    }

    async fn patching_a_removed_feature_at_the_plans_value_restores_it(app) {
        seats_on_startup(&app).await;
        assert_response(&app.delete(&format!("{}/seats", entitlements_path("sub_1"))).await, 200, &list(json!([])));
        // The removal goes and no override is stored.
        let response = patch(&app, json!({"seats": {"max": 10}})).await;
        assert_response(&response, 200, &list(json!([seats(json!([max(Some(10), None)]))])));
    }

    async fn delete_feature(app) {
        seats_on_startup(&app).await;
        let path = entitlements_path("sub_1");
        // A feature only the subscription has goes with its override.
        assert_eq!(patch(&app, json!({"sso": {"level": "a"}})).await.status, 200);
        let response = app.delete(&format!("{path}/sso")).await;
        assert_response(&response, 200, &list(json!([seats(json!([max(Some(10), None)]))])));
        // A plan feature with an override: both are hidden.
        assert_eq!(patch(&app, json!({"seats": {"max": 5}})).await.status, 200);
        assert_response(&app.delete(&format!("{path}/seats")).await, 200, &list(json!([])));
        // Removing it again is a no-op.
        assert_response(&app.delete(&format!("{path}/seats")).await, 200, &list(json!([])));
        // Its override is gone: restoring it shows the plan's value.
        assert_response(&patch(&app, json!({"seats": {}})).await, 200, &list(json!([seats(json!([max(Some(10), None)]))])));
        // An unknown subscription or feature is a 404 naming which.
        let unknown = app.delete(&format!("{}/seats", entitlements_path("unknown"))).await;
        assert_response(&unknown, 404, &not_found("subscription_not_found"));
        assert_response(&app.delete(&format!("{path}/ghost")).await, 404, &not_found("feature_not_found"));
    }

    async fn removing_a_feature_clears_its_privilege_removals(app) {
        seats_on_startup(&app).await;
        let path = entitlements_path("sub_1");
        assert_eq!(app.delete(&format!("{path}/seats/privileges/max")).await.status, 200);
        assert_eq!(current(&app).await, json!([seats(json!([]))]));
        // The privilege removal goes with the feature's removal, so restoring the
        // feature shows the privilege again.
        assert_eq!(app.delete(&format!("{path}/seats")).await.status, 200);
        assert_eq!(patch(&app, json!({"seats": {}})).await.status, 200);
        assert_eq!(current(&app).await, json!([seats(json!([max(Some(10), None)]))]));
    }

    async fn delete_privilege(app) {
        seats_on_startup(&app).await;
        let path = entitlements_path("sub_1");
        // An override on a feature only the subscription has; the feature stays.
        assert_eq!(patch(&app, json!({"sso": {"level": "a"}})).await.status, 200);
        let response = app.delete(&format!("{path}/sso/privileges/level")).await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.body["entitlements"][1], sso(json!([])));
        // A plan privilege gets a removal and disappears.
        let response = app.delete(&format!("{path}/seats/privileges/max")).await;
        assert_response(&response, 200, &list(json!([seats(json!([])), sso(json!([]))])));
        // Again, with the removal already there.
        let response = app.delete(&format!("{path}/seats/privileges/max")).await;
        assert_response(&response, 200, &list(json!([seats(json!([])), sso(json!([]))])));
        // A percent-encoded code, such as Lago's own `root?`.
        assert_eq!(app.delete(&format!("{path}/seats/privileges/root%3F")).await.status, 200);
        // An unknown subscription, feature or privilege is a 404 naming which.
        let unknown = app.delete(&format!("{}/seats/privileges/max", entitlements_path("unknown"))).await;
        assert_response(&unknown, 404, &not_found("subscription_not_found"));
        assert_response(&app.delete(&format!("{path}/ghost/privileges/max")).await, 404, &not_found("feature_not_found"));
        assert_response(&app.delete(&format!("{path}/seats/privileges/nope")).await, 404, &not_found("privilege_not_found"));
    }
}
