//! How features and plans carry their entitlements, as Lago's feature and plan writes do:
//! the plan object embeds them, deleting a feature or a privilege removes its values from every
//! plan, feature writes record `plan.updated` for each plan granting the feature, and a deleted
//! plan takes its entitlements with it.

use serde_json::json;

use super::{
    create_plan, create_simple_feature, current_entitlements, level, max, max_admins, post_entitlements,
    root, seats, seats_and_startup, simple,
};
use crate::support::backend_tests;
use crate::support::conformance::event;

backend_tests! {
    async fn plans_embed_their_entitlements(app) {
        seats_and_startup(&app).await;
        create_plan(&app, "premium").await;
        let entitlements = json!({"seats": {"max": 10, "root": true}});
        assert_eq!(post_entitlements(&app, "startup", entitlements).await.status, 200);
        let expected = json!([seats(json!([max(10), root(true)]))]);
        // The plans checklist: `entitlements.sole.code == "seats"` with 2 privileges.
        assert_eq!(app.get("/api/v1/plans/startup").await.body["plan"]["entitlements"], expected);
        let listed = app.get("/api/v1/plans").await.body;
        assert_eq!(listed["plans"][0]["code"], "premium");
        assert_eq!(listed["plans"][0]["entitlements"], json!([]));
        assert_eq!(listed["plans"][1]["entitlements"], expected);
        // PUT answers them too, and cannot change them (`entitlements` is not a plan field).
        let response = app.put("/api/v1/plans/startup", &json!({"plan": {"name": "New", "entitlements": {}}})).await;
        assert_eq!(response.body["plan"]["entitlements"], expected);
    }

    async fn deleting_a_feature_removes_it_from_every_plan(app) {
        seats_and_startup(&app).await;
        create_plan(&app, "premium").await;
        create_simple_feature(&app, "sso").await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 1}, "sso": {"level": "a"}})).await.status, 200);
        assert_eq!(post_entitlements(&app, "premium", json!({"seats": {"max": 2}})).await.status, 200);
        let before = app.change_event_codes().await.len();
        assert_eq!(app.delete("/api/v1/features/seats").await.status, 200);
        assert_eq!(current_entitlements(&app, "startup").await, json!([simple("sso", json!([level("a")]))]));
        assert_eq!(current_entitlements(&app, "premium").await, json!([]));
        let events: Vec<_> = app.change_event_codes().await.into_iter().skip(before).collect();
        // Lago's order: `plan.updated` for each plan, then `feature.deleted`.
        assert_eq!(
            events,
            [event("plan.updated", "premium"), event("plan.updated", "startup"), event("feature.deleted", "seats")]
        );
        // A new feature with the code is on no plan.
        app.create_feature(json!({"code": "seats"})).await;
        assert_eq!(current_entitlements(&app, "premium").await, json!([]));
    }

    async fn deleting_a_privilege_removes_its_values_from_every_plan(app) {
        seats_and_startup(&app).await;
        create_plan(&app, "premium").await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 1, "max_admins": "2"}})).await.status, 200);
        assert_eq!(post_entitlements(&app, "premium", json!({"seats": {"max": 3}})).await.status, 200);
        let before = app.change_event_codes().await.len();
        assert_eq!(app.delete("/api/v1/features/seats/privileges/max").await.status, 200);
        assert_eq!(current_entitlements(&app, "startup").await, json!([seats(json!([max_admins("2")]))]));
        assert_eq!(current_entitlements(&app, "premium").await, json!([seats(json!([]))]));
        let events: Vec<_> = app.change_event_codes().await.into_iter().skip(before).collect();
        assert_eq!(
            events,
            [event("plan.updated", "premium"), event("plan.updated", "startup"), event("feature.updated", "seats")]
        );
        // A new privilege with the code starts with no value anywhere.
        let update = json!({"feature": {"privileges": [{"code": "max", "value_type": "string"}]}});
        assert_eq!(app.patch("/api/v1/features/seats", &update).await.status, 200);
        assert_eq!(current_entitlements(&app, "premium").await, json!([seats(json!([]))]));
    }

    async fn feature_updates_reach_the_plans_granting_it(app) {
        seats_and_startup(&app).await;
        create_plan(&app, "other").await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"root": true}})).await.status, 200);
        let before = app.change_event_codes().await.len();
        let update = json!({"feature": {"name": "Seats", "privileges": [{"code": "root", "name": "Root"}]}});
        assert_eq!(app.patch("/api/v1/features/seats", &update).await.status, 200);
        let events: Vec<_> = app.change_event_codes().await.into_iter().skip(before).collect();
        assert_eq!(events, [event("plan.updated", "startup"), event("feature.updated", "seats")]);
        let entitlement = &current_entitlements(&app, "startup").await[0];
        assert_eq!(entitlement["name"], "Seats");
        assert_eq!(entitlement["privileges"][0]["name"], "Root");
    }

    async fn a_deleted_plan_takes_its_entitlements_with_it(app) {
        seats_and_startup(&app).await;
        assert_eq!(post_entitlements(&app, "startup", json!({"seats": {"max": 5}})).await.status, 200);
        // The answer shows the plan as it was, entitlements included.
        let response = app.delete("/api/v1/plans/startup").await;
        assert_eq!(response.body["plan"]["entitlements"], json!([seats(json!([max(5)]))]));
        create_plan(&app, "startup").await;
        assert_eq!(current_entitlements(&app, "startup").await, json!([]));
        // The feature can be deleted afterwards: nothing refers to it any more.
        assert_eq!(app.delete("/api/v1/features/seats").await.status, 200);
    }
}
