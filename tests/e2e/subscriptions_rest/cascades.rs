//! What the deletion of a plan (synchronous, unlike Lago's background job) or of a customer does
//! to subscriptions, in the same transaction: active ones terminated, pending ones canceled (a
//! scheduled downgrade with its predecessor), each with its change event; and a failing creation
//! that leaves no customer behind (Lago's can leave one).

use serde_json::json;

use super::{create_plan, get_subscription, post_subscription, set_time, subscribe};
use crate::support::conformance::{assert_response, event, validation_errors};
use crate::support::{clocked_backend_tests, not_found};

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn deleting_a_plan_ends_its_subscriptions(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        create_plan(&app, "small", 1_000, json!({})).await;
        subscribe(&app, "cust_1", "startup", "active", json!({})).await;
        subscribe(&app, "cust_1", "startup", "later", json!({"subscription_at": "2026-08-01"})).await;
        // A subscription on another plan, with a downgrade to the deleted one: the downgrade goes.
        create_plan(&app, "big", 50_000, json!({})).await;
        subscribe(&app, "cust_2", "big", "elsewhere", json!({})).await;
        subscribe(&app, "cust_2", "startup", "elsewhere", json!({})).await;
        // And one on the deleted plan downgrading to another: canceled with its predecessor.
        subscribe(&app, "cust_3", "startup", "rotating", json!({})).await;
        subscribe(&app, "cust_3", "small", "rotating", json!({})).await;
        let before = app.change_event_codes().await.len();
        set_time(&app, "2026-06-21T10:00:00Z");
        let deleted = app.delete("/api/v1/plans/startup").await;
        assert_eq!((deleted.status, &deleted.body["plan"]["pending_deletion"]), (200, &json!(true)));
        let mut events = app.change_event_codes().await.split_off(before);
        events.sort();
        let mut expected = vec![
            event("subscription.terminated", "active"),
            event("subscription.canceled", "later"),
            event("subscription.canceled", "elsewhere"),
            event("subscription.terminated", "rotating"),
            event("subscription.canceled", "rotating"),
            event("plan.deleted", "startup"),
        ];
        expected.sort();
        assert_eq!(events, expected);
        let active = get_subscription(&app, "active?status=terminated").await;
        let plan = &active.body["subscription"]["plan"];
        assert_eq!(
            (&active.body["subscription"]["terminated_at"], &plan["code"], &plan["pending_deletion"]),
            (&json!("2026-06-21T10:00:00Z"), &json!("startup"), &json!(true))
        );
        assert_eq!(get_subscription(&app, "later?status=canceled").await.status, 200);
        let elsewhere = get_subscription(&app, "elsewhere").await;
        assert_eq!((&elsewhere.body["subscription"]["plan_code"], &elsewhere.body["subscription"]["next_plan_code"]), (&json!("big"), &json!(null)));
        assert_eq!(get_subscription(&app, "rotating?status=canceled").await.body["subscription"]["plan_code"], "small");
        // Its code is free again, and subscribing to the deleted plan fails.
        let response = post_subscription(&app, json!({"external_customer_id": "cust_1", "plan_code": "startup", "external_id": "x"})).await;
        assert_response(&response, 404, &not_found("plan_not_found"));
    }

    async fn deleting_a_customer_ends_its_subscriptions(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        subscribe(&app, "cust_1", "startup", "sub_2", json!({"subscription_at": "2026-09-01"})).await;
        subscribe(&app, "cust_2", "startup", "sub_3", json!({})).await;
        let before = app.change_event_codes().await.len();
        assert_eq!(app.delete("/api/v1/customers/cust_1").await.status, 200);
        assert_eq!(
            app.change_event_codes().await.split_off(before),
            [
                event("subscription.terminated", "sub_1"),
                event("subscription.canceled", "sub_2"),
                event("customer.deleted", "cust_1")
            ]
        );
        assert_eq!(get_subscription(&app, "sub_1?status=terminated").await.status, 200);
        assert_eq!(get_subscription(&app, "sub_3").await.status, 200);
        // The deleted customer's subscriptions stay listed under its external id.
        let listed = app.get("/api/v1/subscriptions?external_customer_id=cust_1&status[]=terminated&status[]=canceled").await;
        assert_eq!(listed.body["meta"]["total_count"], 2);
        // A new customer may take the external id and subscribe again.
        let again = subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        assert_eq!(again["status"], "active");
    }

    async fn a_failing_creation_leaves_no_customer_behind(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        // The customer is created, then the external id is found taken: all of it rolls back.
        let response = post_subscription(&app, json!({"external_customer_id": "new", "plan_code": "startup", "external_id": "sub_1"})).await;
        assert_response(&response, 422, &validation_errors(json!({"external_id": ["value_already_exist"]})));
        assert_response(&app.get("/api/v1/customers/new").await, 404, &not_found("customer_not_found"));
        let events = app.change_event_codes().await;
        assert!(events.iter().all(|(_, code)| code != "new"), "no event for the rolled-back customer: {events:?}");
    }
}
