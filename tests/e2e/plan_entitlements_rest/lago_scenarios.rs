//! Lago's request specs `plans/entitlements_controller_spec.rb` and
//! `plans/entitlements/privileges_controller_spec.rb`, scenario by scenario.
//! Lago's "child plan" cases (a plan override sharing the code with a deleted parent) are played
//! with a deleted plan: plan overrides are never addressable by code, here as in Lago.

use serde_json::json;

use super::{
    create_simple_feature, current_entitlements, entitlements_path, level, list, max, max_admins,
    patch_entitlements, post_entitlements, seats, seats_and_startup, simple, single,
};
use crate::support::conformance::{assert_response, validation_errors};
use crate::support::{backend_tests, not_found};

backend_tests! {
    async fn get_lists_the_plans_entitlements_with_typed_values(app) {
        seats_and_startup(&app).await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 30}})).await.status, 200);
        // The value is a JSON integer, as Lago answers it.
        assert_response(&app.get(&entitlements_path("startup")).await, 200, &list(json!([seats(json!([max(30)]))])));
    }

    async fn get_omits_entitlements_of_deleted_features(app) {
        seats_and_startup(&app).await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 30}})).await.status, 200);
        assert_eq!(app.delete("/api/v1/features/seats").await.status, 200);
        // A deleted feature's entitlement is no longer listed.
        assert_response(&app.get(&entitlements_path("startup")).await, 200, &list(json!([])));
    }

    async fn deleted_or_unknown_plans_are_plan_not_found(app) {
        seats_and_startup(&app).await;
        assert_eq!(app.delete("/api/v1/plans/startup").await.status, 200);
        let paths = [
            entitlements_path("startup"),
            format!("{}/seats", entitlements_path("startup")),
            format!("{}/seats", entitlements_path("unknown")),
        ];
        // Every route answers plan_not_found for a deleted or unknown plan, before anything else.
        for path in &paths {
            assert_response(&app.get(path).await, 404, &not_found("plan_not_found"));
        }
        let body = json!({"entitlements": {"seats": {"max": 1}}});
        assert_response(&app.post(&paths[0], &body).await, 404, &not_found("plan_not_found"));
        assert_response(&app.patch(&paths[0], &body).await, 404, &not_found("plan_not_found"));
        assert_response(&app.delete(&paths[1]).await, 404, &not_found("plan_not_found"));
        assert_response(&app.delete(&format!("{}/privileges/max", paths[1])).await, 404, &not_found("plan_not_found"));
    }

    async fn get_one_entitlement(app) {
        seats_and_startup(&app).await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 30}})).await.status, 200);
        // One entitlement, wrapped in `entitlement`.
        assert_response(&app.get(&format!("{}/seats", entitlements_path("startup"))).await, 200, &single(seats(json!([max(30)]))));
        // An unknown feature, or one the plan does not grant, is entitlement_not_found.
        create_simple_feature(&app, "sso").await;
        for feature in ["unknown", "sso"] {
            let response = app.get(&format!("{}/{feature}", entitlements_path("startup"))).await;
            assert_response(&response, 404, &not_found("entitlement_not_found"));
        }
    }

    async fn post_creates_and_replaces_values(app) {
        seats_and_startup(&app).await;
        // A value is created.
        assert_response(&post_entitlements(&app, "startup", json!({"seats": {"max": 25}})).await, 200, &list(json!([seats(json!([max(25)]))])));
        // The stored "10" is replaced.
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": "10"}})).await.status, 200);
        assert_eq!(current_entitlements(&app, "startup").await, json!([seats(json!([max(10)]))]));
        assert_response(&post_entitlements(&app, "startup", json!({"seats": {"max": 25}})).await, 200, &list(json!([seats(json!([max(25)]))])));
        // Two privileges, exact objects.
        let response = post_entitlements(&app, "startup", json!({"seats": {"max": 25, "max_admins": "5"}})).await;
        assert_response(&response, 200, &list(json!([seats(json!([max(25), max_admins("5")]))])));
        // An empty map removes everything.
        assert_response(&post_entitlements(&app, "startup", json!({})).await, 200, &list(json!([])));
        assert_eq!(current_entitlements(&app, "startup").await, json!([]));
    }

    async fn post_errors_change_nothing(app) {
        seats_and_startup(&app).await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 10}})).await.status, 200);
        let cases = [
            // An unknown feature or privilege is a 404 naming which.
            (json!({"seats": {"max": 1}, "unknown": {}}), 404, not_found("feature_not_found")),
            (json!({"seats": {"unknown": 1}}), 404, not_found("privilege_not_found")),
            // A list is no integer.
            (json!({"seats": {"max": [12, 13]}}), 422, validation_errors(json!({"max_privilege_value": ["value_is_invalid"]}))),
            // A select value must be one of the options.
            (json!({"seats": {"invitation": "okta"}}), 422, validation_errors(json!({"invitation_privilege_value": ["value_not_in_select_options"]}))),
        ];
        for (entitlements, status, body) in cases {
            assert_response(&post_entitlements(&app, "startup", entitlements).await, status, &body);
        }
        assert_eq!(current_entitlements(&app, "startup").await, json!([seats(json!([max(10)]))]));
    }

    async fn patch_updates_adds_and_keeps(app) {
        seats_and_startup(&app).await;
        create_simple_feature(&app, "sso").await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 10}, "sso": {}})).await.status, 200);
        // 10 -> 60 in place (seats keeps its place before sso, so it is the same row).
        let response = patch_entitlements(&app, "startup", json!({"seats": {"max": 60}})).await;
        assert_response(&response, 200, &list(json!([seats(json!([max(60)])), simple("sso", json!([]))])));
        // A new value on an existing entitlement.
        let response = patch_entitlements(&app, "startup", json!({"seats": {"max_admins": "30"}})).await;
        assert_response(&response, 200, &list(json!([seats(json!([max(60), max_admins("30")])), simple("sso", json!([]))])));
        // A new feature.
        create_simple_feature(&app, "analytics").await;
        let response = patch_entitlements(&app, "startup", json!({"analytics": {"level": "full"}})).await;
        let expected = json!([seats(json!([max(60), max_admins("30")])), simple("sso", json!([])), simple("analytics", json!([level("full")]))]);
        assert_response(&response, 200, &list(expected.clone()));
        // An empty map changes nothing.
        assert_response(&patch_entitlements(&app, "startup", json!({})).await, 200, &list(expected.clone()));
        // An invalid value, an unknown feature or privilege: errors, and nothing changed.
        let cases = [
            (json!({"seats": {"max": "one thousand!!"}}), 422, validation_errors(json!({"max_privilege_value": ["value_is_invalid"]}))),
            (json!({"unknown": {"max": 1}}), 404, not_found("feature_not_found")),
            (json!({"seats": {"unknown": 1}}), 404, not_found("privilege_not_found")),
        ];
        for (entitlements, status, body) in cases {
            assert_response(&patch_entitlements(&app, "startup", entitlements).await, status, &body);
        }
        assert_eq!(current_entitlements(&app, "startup").await, expected);
    }

    async fn delete_answers_the_entitlement_as_it_was(app) {
        seats_and_startup(&app).await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 10}})).await.status, 200);
        let path = format!("{}/seats", entitlements_path("startup"));
        // The entitlement is answered as it was, then gone.
        assert_response(&app.delete(&path).await, 200, &single(seats(json!([max(10)]))));
        assert_eq!(current_entitlements(&app, "startup").await, json!([]));
        // A feature the plan no longer grants, or an unknown one, is entitlement_not_found.
        assert_response(&app.delete(&path).await, 404, &not_found("entitlement_not_found"));
        let unknown = format!("{}/unknown", entitlements_path("startup"));
        assert_response(&app.delete(&unknown).await, 404, &not_found("entitlement_not_found"));
    }

    async fn delete_one_privilege_value(app) {
        seats_and_startup(&app).await;
        let entitlements = json!({"seats": {"max": 10, "max_admins": "test_value"}});
        assert_eq!(post_entitlements(&app, "startup", entitlements).await.status, 200);
        let privileges = format!("{}/seats/privileges", entitlements_path("startup"));
        // The value goes; the entitlement is answered with the privileges left.
        let response = app.delete(&format!("{privileges}/max")).await;
        assert_response(&response, 200, &single(seats(json!([max_admins("test_value")]))));
        assert_eq!(current_entitlements(&app, "startup").await, json!([seats(json!([max_admins("test_value")]))]));
        // No value for it (any more), or no such privilege.
        for code in ["max", "unknown"] {
            assert_response(&app.delete(&format!("{privileges}/{code}")).await, 404, &not_found("privilege_not_found"));
        }
        // The entitlement stays even with no value left.
        assert_eq!(app.delete(&format!("{privileges}/max_admins")).await.status, 200);
        assert_eq!(current_entitlements(&app, "startup").await, json!([seats(json!([]))]));
        // An unknown feature in the path is entitlement_not_found.
        let unknown = format!("{}/unknown/privileges/max", entitlements_path("startup"));
        assert_response(&app.delete(&unknown).await, 404, &not_found("entitlement_not_found"));
    }
}
