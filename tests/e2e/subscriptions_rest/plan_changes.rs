//! POST /api/v1/subscriptions on another plan (Lago's statuses, without invoices): an upgrade
//! replaces the current subscription by a new active one at once; a downgrade schedules a pending
//! one for the next period boundary and answers the current one; a subscription that has not
//! started simply changes plan.

use serde_json::json;

use super::{
    View, assert_subscription, create_plan, get_subscription, post_subscription, set_time, started_now,
    subscribe, subscription_json, with,
};
use crate::support::conformance::event;
use crate::support::{clocked_backend_tests, not_found};

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn an_upgrade_answers_the_new_active_subscription(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        // 3 000 a week is 156 000 a year: more than 10 000 a month (120 000).
        let weekly = create_plan(&app, "weekly", 3_000, json!({"interval": "weekly"})).await;
        subscribe(&app, "cust_1", "startup", "sub_1", json!({"ending_at": "2027-01-01T00:00:00Z"})).await;
        set_time(&app, "2026-06-22T08:00:00Z");
        let response = post_subscription(&app, json!({
            "external_customer_id": "cust_1", "plan_code": "weekly", "external_id": "sub_1", "name": "bigger"
        }))
        .await;
        // The subscription date, billing time and end are the current subscription's; it starts now.
        let fields = with(&started_now("sub_1", "cust_1"), json!({
            "name": "bigger", "started_at": "2026-06-22T08:00:00.000Z", "ending_at": "2027-01-01T00:00:00Z",
            "created_at": "2026-06-22T08:00:00Z", "previous_plan_code": "startup",
            "current_billing_period_started_at": "2026-06-22T08:00:00Z",
            "current_billing_period_ending_at": "2026-06-28T23:59:59Z", "activated_at": "2026-06-22T08:00:00Z"
        }));
        let expected = subscription_json(&response.body["subscription"], &weekly, fields, View::Full);
        assert_subscription(&response, &expected);
        assert_subscription(&get_subscription(&app, "sub_1").await, &expected);
        let old = get_subscription(&app, "sub_1?status=terminated").await;
        assert_eq!(
            (&old.body["subscription"]["terminated_at"], &old.body["subscription"]["next_plan_code"]),
            (&json!("2026-06-22T08:00:00Z"), &json!("weekly"))
        );
        let events = app.change_event_codes().await;
        assert_eq!(
            events[events.len() - 3..],
            [
                event("subscription.terminated", "sub_1"),
                event("subscription.created", "sub_1"),
                event("subscription.started", "sub_1")
            ]
        );
    }

    async fn a_downgrade_is_scheduled_for_the_period_boundary(app) {
        let startup = create_plan(&app, "startup", 10_000, json!({})).await;
        create_plan(&app, "small", 1_000, json!({})).await;
        create_plan(&app, "tiny", 500, json!({})).await;
        let current = subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        let response = post_subscription(&app, json!({
            "external_customer_id": "cust_1", "plan_code": "small", "external_id": "sub_1"
        }))
        .await;
        let fields = with(&started_now("sub_1", "cust_1"), json!({
            "next_plan_code": "small", "downgrade_plan_date": "2026-07-01"
        }));
        let expected = subscription_json(&current, &startup, fields, View::Full);
        assert_subscription(&response, &expected);
        assert_subscription(&get_subscription(&app, "sub_1").await, &expected);
        let pending = get_subscription(&app, "sub_1?status=pending").await;
        assert_eq!(
            (&pending.body["subscription"]["plan_code"], &pending.body["subscription"]["previous_plan_code"]),
            (&json!("small"), &json!("startup"))
        );
        // A second downgrade replaces the first.
        post_subscription(&app, json!({
            "external_customer_id": "cust_1", "plan_code": "tiny", "external_id": "sub_1"
        }))
        .await;
        let canceled = get_subscription(&app, "sub_1?status=canceled").await;
        assert_eq!(
            (&canceled.body["subscription"]["plan_code"], &canceled.body["subscription"]["canceled_at"]),
            (&json!("small"), &json!("2026-06-20T10:00:00Z"))
        );
        assert_eq!(get_subscription(&app, "sub_1").await.body["subscription"]["next_plan_code"], "tiny");
        // An upgrade cancels the scheduled downgrade too.
        let upgraded = subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        assert_eq!(upgraded["lago_id"], current["lago_id"], "the same plan: nothing changes");
        create_plan(&app, "big", 50_000, json!({})).await;
        subscribe(&app, "cust_1", "big", "sub_1", json!({})).await;
        assert_eq!(get_subscription(&app, "sub_1?status=pending").await.status, 404);
        let events = app.change_event_codes().await;
        assert_eq!(
            events[6..],
            [
                event("subscription.created", "sub_1"),
                event("subscription.updated", "sub_1"),
                event("subscription.canceled", "sub_1"),
                event("subscription.created", "sub_1"),
                event("subscription.updated", "sub_1"),
                event("plan.created", "big"),
                event("subscription.terminated", "sub_1"),
                event("subscription.canceled", "sub_1"),
                event("subscription.created", "sub_1"),
                event("subscription.started", "sub_1")
            ]
        );
    }

    async fn a_subscription_that_has_not_started_changes_plan(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        let small = create_plan(&app, "small", 1_000, json!({})).await;
        create_plan(&app, "big", 50_000, json!({})).await;
        let pending = subscribe(&app, "cust_1", "startup", "sub_1", json!({"subscription_at": "2026-08-01"})).await;
        subscribe(&app, "cust_1", "big", "sub_1", json!({"name": "renamed"})).await;
        let response = post_subscription(&app, json!({
            "external_customer_id": "cust_1", "plan_code": "small", "external_id": "sub_1"
        }))
        .await;
        let fields = json!({
            "external_id": "sub_1", "external_customer_id": "cust_1", "name": "renamed", "status": "pending",
            "subscription_at": "2026-08-01T00:00:00Z"
        });
        assert_subscription(&response, &subscription_json(&pending, &small, fields, View::Full));
        assert_eq!(get_subscription(&app, "sub_1?status=canceled").await.body, not_found("subscription_not_found"));
    }
}
