//! Time-driven transitions with the manual clock: a pending subscription starts at local
//! midnight of its date in the customer's timezone, an active one ends when `ending_at`
//! passes, a scheduled downgrade takes over at the period boundary. Reads are never stale (the
//! first read after the instant shows the new status), and the change log records each
//! transition once, whether a read or the sweeper (whose step is called directly) writes it.

use serde_json::{Value, json};

use super::{
    View, assert_subscription, create_plan, get_subscription, set_time, subscribe, subscription_json,
};
use crate::support::conformance::{assert_response, event};
use crate::support::{OTHER_API_KEY, TestApp, clocked_backend_tests, not_found};

/// One sweeper step, as the server's task runs it; the number of external ids it looked at.
async fn sweep(app: &TestApp) -> usize {
    app.store.sweep_subscription_transitions().await.expect("a sweeper step")
}

/// The events recorded for the test organization since `before` of them.
async fn events_since(app: &TestApp, before: usize) -> Vec<(String, String)> {
    app.change_event_codes().await.split_off(before)
}

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn a_pending_subscription_starts_on_its_date_in_the_customers_timezone(app) {
        let plan = create_plan(&app, "startup", 10_000, json!({})).await;
        let customer = json!({"customer": {"external_id": "cust_1", "timezone": "America/New_York"}});
        assert_eq!(app.post("/api/v1/customers", &customer).await.status, 200);
        // July 1, 08:00 in New York, whose July 1 starts at 04:00 UTC.
        let pending =
            subscribe(&app, "cust_1", "startup", "sub_1", json!({"subscription_at": "2026-07-01T12:00:00Z"})).await;
        let before = app.change_event_codes().await.len();
        set_time(&app, "2026-07-01T03:59:59Z");
        assert_eq!(get_subscription(&app, "sub_1?status=pending").await.status, 200);
        assert_response(&get_subscription(&app, "sub_1").await, 404, &not_found("subscription_not_found"));
        assert_eq!(sweep(&app).await, 0);
        set_time(&app, "2026-07-01T04:00:00Z");
        let fields = json!({
            "external_id": "sub_1", "external_customer_id": "cust_1", "subscription_at": "2026-07-01T12:00:00Z",
            "started_at": "2026-07-01T12:00:00.000Z", "activated_at": "2026-07-01T12:00:00Z",
            "current_billing_period_started_at": "2026-07-01T12:00:00Z",
            "current_billing_period_ending_at": "2026-08-01T03:59:59Z"
        });
        let expected = subscription_json(&pending, &plan, fields, View::Full);
        // The first read after local midnight sees it active, and writes the start down.
        assert_subscription(&get_subscription(&app, "sub_1").await, &expected);
        assert_eq!(sweep(&app).await, 0, "nothing left for the sweeper");
        assert_subscription(&get_subscription(&app, "sub_1").await, &expected);
        assert_eq!(events_since(&app, before).await, [event("subscription.started", "sub_1")]);
    }

    async fn an_active_subscription_ends_when_ending_at_passes(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        subscribe(&app, "cust_1", "startup", "sub_1", json!({"ending_at": "2026-06-25T00:00:00Z"})).await;
        let before = app.change_event_codes().await.len();
        set_time(&app, "2026-06-24T23:59:59Z");
        assert_eq!(get_subscription(&app, "sub_1").await.body["subscription"]["status"], "active");
        set_time(&app, "2026-06-25T00:00:00Z");
        // The list is never stale either: it writes due transitions before filtering.
        let listed = app.get("/api/v1/subscriptions?status[]=terminated").await;
        let item = &listed.body["subscriptions"][0];
        assert_eq!(
            (&item["status"], &item["terminated_at"], &item["current_billing_period_ending_at"]),
            (&json!("terminated"), &json!("2026-06-25T00:00:00Z"), &json!("2026-06-25T00:00:00Z"))
        );
        assert_response(&get_subscription(&app, "sub_1").await, 404, &not_found("subscription_not_found"));
        assert_eq!(sweep(&app).await, 0);
        assert_eq!(events_since(&app, before).await, [event("subscription.terminated", "sub_1")]);
    }

    async fn a_downgrade_takes_over_at_the_period_boundary(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        let small = create_plan(&app, "small", 1_000, json!({})).await;
        subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        let current = subscribe(&app, "cust_1", "small", "sub_1", json!({})).await;
        assert_eq!(current["downgrade_plan_date"], "2026-07-01");
        let pending = get_subscription(&app, "sub_1?status=pending").await.body["subscription"].clone();
        let before = app.change_event_codes().await.len();
        set_time(&app, "2026-07-01T00:00:00Z");
        // Nobody reads: the sweeper writes the rotation down.
        assert_eq!(sweep(&app).await, 1);
        assert_eq!(
            events_since(&app, before).await,
            [event("subscription.terminated", "sub_1"), event("subscription.started", "sub_1")]
        );
        assert_eq!(sweep(&app).await, 0);
        let fields = json!({
            "external_id": "sub_1", "external_customer_id": "cust_1", "subscription_at": "2026-06-20T10:00:00Z",
            "started_at": "2026-07-01T00:00:00.000Z", "activated_at": "2026-07-01T00:00:00Z",
            "previous_plan_code": "startup", "current_billing_period_started_at": "2026-07-01T00:00:00Z",
            "current_billing_period_ending_at": "2026-07-31T23:59:59Z"
        });
        assert_subscription(&get_subscription(&app, "sub_1").await, &subscription_json(&pending, &small, fields, View::Full));
        let old = get_subscription(&app, "sub_1?status=terminated").await.body["subscription"].clone();
        assert_eq!(
            (&old["lago_id"], &old["terminated_at"], &old["next_plan_code"], &old["downgrade_plan_date"]),
            (&current["lago_id"], &json!("2026-07-01T00:00:00Z"), &json!("small"), &json!("2026-07-01"))
        );
        assert_eq!(events_since(&app, before).await.len(), 2, "reads add nothing");
    }

    async fn the_sweeper_serves_every_organization_and_reads_find_nothing_left(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        subscribe(&app, "cust_1", "startup", "sub_1", json!({"subscription_at": "2026-06-22"})).await;
        let plan = json!({"plan": {
            "name": "startup", "code": "startup", "interval": "monthly", "amount_cents": 100,
            "amount_currency": "USD", "pay_in_advance": false
        }});
        let as_other = |method: reqwest::Method, path: &'static str, body: Option<Value>| {
            let app = &app;
            async move { app.send_as(Some(OTHER_API_KEY), method, path, body.as_ref()).await }
        };
        assert_eq!(as_other(reqwest::Method::POST, "/api/v1/plans", Some(plan)).await.status, 200);
        let subscription = json!({"subscription": {
            "external_customer_id": "cust_1", "plan_code": "startup", "external_id": "sub_1",
            "subscription_at": "2026-06-22"
        }});
        assert_eq!(as_other(reqwest::Method::POST, "/api/v1/subscriptions", Some(subscription)).await.status, 200);
        set_time(&app, "2026-06-22T00:00:00Z");
        assert_eq!(sweep(&app).await, 2, "one external id in each organization");
        for key in [crate::support::API_KEY, OTHER_API_KEY] {
            let events = app.change_events(key).await;
            let started = events.iter().filter(|event| event.event_type == "subscription.started").count();
            assert_eq!(started, 1, "{key}");
        }
        assert_eq!(get_subscription(&app, "sub_1").await.body["subscription"]["status"], "active");
        let other = as_other(reqwest::Method::GET, "/api/v1/subscriptions/sub_1", None).await;
        assert_eq!(other.body["subscription"]["status"], "active");
        let events = app.change_events(crate::support::API_KEY).await;
        assert_eq!(events.iter().filter(|event| event.event_type == "subscription.started").count(), 1);
    }

    async fn concurrent_reads_and_sweeps_log_a_transition_once(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        for external_id in ["sub_1", "sub_2", "sub_3"] {
            subscribe(&app, "cust_1", "startup", external_id, json!({"subscription_at": "2026-06-22"})).await;
        }
        set_time(&app, "2026-06-22T00:00:00Z");
        // Both sweeps may see all three due; each write re-checks under the lock.
        let (first, second, listed, single, _, _) = tokio::join!(
            get_subscription(&app, "sub_1"),
            get_subscription(&app, "sub_1"),
            app.get("/api/v1/subscriptions"),
            get_subscription(&app, "sub_2"),
            sweep(&app),
            sweep(&app),
        );
        for response in [&first, &second, &single] {
            assert_eq!(response.body["subscription"]["status"], "active", "{}", response.body);
        }
        assert_eq!(listed.body["meta"]["total_count"], 3);
        let mut started: Vec<String> = app
            .change_event_codes()
            .await
            .into_iter()
            .filter(|(event_type, _)| event_type == "subscription.started")
            .map(|(_, code)| code)
            .collect();
        // Each start once, in whatever order the writers got to them.
        started.sort();
        assert_eq!(started, ["sub_1", "sub_2", "sub_3"]);
    }

    async fn a_timezone_change_moves_the_start(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        // June 21, 11:00 in Tokyo; still June 20 in UTC, where the customer is.
        subscribe(&app, "cust_1", "startup", "sub_1", json!({"subscription_at": "2026-06-21T02:00:00Z"})).await;
        set_time(&app, "2026-06-20T16:00:00Z");
        assert_eq!(get_subscription(&app, "sub_1?status=pending").await.status, 200);
        let before = app.change_event_codes().await.len();
        // It is June 21, 01:00 in Tokyo: the start date has come there.
        let moved = json!({"customer": {"external_id": "cust_1", "timezone": "Asia/Tokyo"}});
        assert_eq!(app.post("/api/v1/customers", &moved).await.status, 200);
        assert_eq!(
            events_since(&app, before).await,
            [event("customer.updated", "cust_1"), event("subscription.started", "sub_1")]
        );
        let active = get_subscription(&app, "sub_1").await;
        assert_eq!(active.body["subscription"]["started_at"], "2026-06-21T02:00:00.000Z");
        assert_eq!(sweep(&app).await, 0);
    }
}
