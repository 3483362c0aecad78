//! The sweeper's notices about active subscriptions: `subscription.trial_ended` at the instant
//! the plan's trial ends (counted from the first start of the external id, so not restarted by an
//! upgrade; fractional days included), recorded once
//! with `trial_ended_at`, which REST and gRPC then show; `subscription.termination_alert` 45 and
//! 15 days before `ending_at`, once per threshold however often the sweep runs (two sweeps at
//! once included), never for a subscription without `ending_at` or terminated, re-armed when
//! `ending_at` moves. Each with its exact payload: the subscription with its plan and customer,
//! no entitlements.

use entitlements::v1::{GetSubscriptionRequest, SubscriptionStatus};
use entitlements_domain::TerminationAlertDays;
use prost_types::Timestamp;
use serde_json::{Value, json};

use crate::support::{TestApp, authorized, clocked_backend_tests};
use crate::webhook_payloads::{
    HOOK, assert_payloads, deliveries_since, envelope, get, ok, subscription_object, types,
};

/// One sweeper step as the server runs it: the transitions, then the notices (default days).
async fn sweep(app: &TestApp) {
    app.store.sweep_subscription_transitions().await.expect("a transition sweep");
    app.store.sweep_subscription_notices(&TerminationAlertDays::default()).await.expect("a notice sweep");
}

fn set_clock(app: &TestApp, instant: &str) {
    app.clock.set(instant.parse().expect("an instant"));
}

async fn create_plan(app: &TestApp, code: &str, trial_period: Option<f64>) {
    let plan = json!({"plan": {
        "name": code, "code": code, "interval": "monthly", "amount_cents": 1_000,
        "amount_currency": "USD", "pay_in_advance": false, "trial_period": trial_period
    }});
    ok(app, reqwest::Method::POST, "/api/v1/plans", Some(&plan)).await;
}

async fn subscribe(app: &TestApp, external_id: &str, plan_code: &str, ending_at: Option<&str>) {
    let subscription = json!({"subscription": {"external_customer_id": "cust_1", "plan_code": plan_code,
        "external_id": external_id, "ending_at": ending_at}});
    ok(app, reqwest::Method::POST, "/api/v1/subscriptions", Some(&subscription)).await;
}

/// The expected body of a notice about the active subscription `external_id`, as it is now.
async fn notice(app: &TestApp, webhook_type: &str, external_id: &str) -> String {
    let customer = get(app, "/api/v1/customers/cust_1", "customer").await;
    let subscription = get(app, &format!("/api/v1/subscriptions/{external_id}"), "subscription").await;
    envelope(app, webhook_type, subscription_object(&subscription, &customer, false)).await
}

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn a_trial_end_is_recorded_once_at_its_instant_and_shown_everywhere(app) {
        app.insert_webhook_endpoint(HOOK, None).await;
        create_plan(&app, "trial", Some(5.5)).await;
        create_plan(&app, "plain", None).await;
        subscribe(&app, "sub_trial", "trial", None).await;
        subscribe(&app, "sub_plain", "plain", None).await;
        let before = app.webhook_deliveries().await.len();

        // 5.5 days after the start at 10:00: the 25th at 22:00.
        set_clock(&app, "2026-06-25T21:59:59Z");
        sweep(&app).await;
        assert_eq!(deliveries_since(&app, before).await, []);
        let running = get(&app, "/api/v1/subscriptions/sub_trial", "subscription").await;
        assert_eq!(running["trial_ended_at"], Value::Null);

        set_clock(&app, "2026-06-25T22:00:00Z");
        sweep(&app).await;
        let expected = notice(&app, "subscription.trial_ended", "sub_trial").await;
        assert_payloads(&deliveries_since(&app, before).await, &[("subscription.trial_ended", expected)]);
        let ended = get(&app, "/api/v1/subscriptions/sub_trial", "subscription").await;
        assert_eq!(ended["trial_ended_at"], "2026-06-25T22:00:00Z");

        // Once: later sweeps, and the plan without a trial, record nothing more.
        sweep(&app).await;
        set_clock(&app, "2026-08-01T00:00:00Z");
        sweep(&app).await;
        assert_eq!(types(&deliveries_since(&app, before).await), ["subscription.trial_ended"]);
        let plain = get(&app, "/api/v1/subscriptions/sub_plain", "subscription").await;
        assert_eq!(plain["trial_ended_at"], Value::Null);
        let listed = ok(&app, reqwest::Method::GET, "/api/v1/subscriptions?external_customer_id=cust_1", None).await;
        let listed_trial = listed["subscriptions"]
            .as_array()
            .and_then(|subscriptions| subscriptions.iter().find(|subscription| subscription["external_id"] == "sub_trial"))
            .cloned()
            .expect("the trial subscription is listed");
        assert_eq!(listed_trial["trial_ended_at"], "2026-06-25T22:00:00Z");

        let mut client = app.subscription_client().await;
        let request = GetSubscriptionRequest { external_id: "sub_trial".to_owned(), status: SubscriptionStatus::Active.into() };
        let subscription = client.get_subscription(authorized(request)).await.expect("GetSubscription").into_inner().subscription.expect("a subscription");
        let ended_at: chrono::DateTime<chrono::Utc> = "2026-06-25T22:00:00Z".parse().expect("an instant");
        assert_eq!(subscription.trial_ended_at, Some(Timestamp { seconds: ended_at.timestamp(), nanos: 0 }));
        let request = GetSubscriptionRequest { external_id: "sub_plain".to_owned(), status: SubscriptionStatus::Active.into() };
        let plain = client.get_subscription(authorized(request)).await.expect("GetSubscription").into_inner().subscription.expect("a subscription");
        assert_eq!(plain.trial_ended_at, None);
    }

    async fn an_upgrade_keeps_counting_the_trial_from_the_first_start(app) {
        app.insert_webhook_endpoint(HOOK, None).await;
        create_plan(&app, "trial", Some(5.0)).await;
        create_plan(&app, "trial_pro", Some(5.0)).await;
        subscribe(&app, "sub_1", "trial", None).await;
        set_clock(&app, "2026-06-22T08:00:00Z");
        subscribe(&app, "sub_1", "trial_pro", None).await;
        let upgraded = get(&app, "/api/v1/subscriptions/sub_1", "subscription").await;
        assert_eq!(upgraded["plan_code"], "trial_pro");
        let before = app.webhook_deliveries().await.len();
        set_clock(&app, "2026-06-25T10:00:00Z");
        sweep(&app).await;
        sweep(&app).await;
        let expected = notice(&app, "subscription.trial_ended", "sub_1").await;
        assert_payloads(&deliveries_since(&app, before).await, &[("subscription.trial_ended", expected)]);
        let ended = get(&app, "/api/v1/subscriptions/sub_1", "subscription").await;
        assert_eq!((&ended["lago_id"], &ended["trial_ended_at"]), (&upgraded["lago_id"], &json!("2026-06-25T10:00:00Z")));
    }

    async fn termination_alerts_come_45_and_15_days_before_ending_at_once_each(app) {
        app.insert_webhook_endpoint(HOOK, None).await;
        create_plan(&app, "startup", None).await;
        subscribe(&app, "sub_ending", "startup", Some("2026-09-01T00:00:00Z")).await;
        subscribe(&app, "sub_open", "startup", None).await;
        subscribe(&app, "sub_terminated", "startup", Some("2026-09-01T00:00:00Z")).await;
        ok(&app, reqwest::Method::DELETE, "/api/v1/subscriptions/sub_terminated", None).await;
        let before = app.webhook_deliveries().await.len();

        set_clock(&app, "2026-07-17T23:59:59Z");
        sweep(&app).await;
        assert_eq!(deliveries_since(&app, before).await, []);

        // 45 days before: one alert, even with two sweeps at once and more after.
        set_clock(&app, "2026-07-18T00:00:00Z");
        let notices = TerminationAlertDays::default();
        let (first, second) = tokio::join!(
            app.store.sweep_subscription_notices(&notices),
            app.store.sweep_subscription_notices(&notices)
        );
        first.expect("a notice sweep");
        second.expect("a notice sweep");
        sweep(&app).await;
        let at_45 = notice(&app, "subscription.termination_alert", "sub_ending").await;
        assert_payloads(&deliveries_since(&app, before).await, &[("subscription.termination_alert", at_45.clone())]);
        set_clock(&app, "2026-08-16T23:59:59Z");
        sweep(&app).await;
        assert_eq!(deliveries_since(&app, before).await.len(), 1);

        // 15 days before: the second and last.
        set_clock(&app, "2026-08-17T00:00:00Z");
        sweep(&app).await;
        sweep(&app).await;
        let at_15 = notice(&app, "subscription.termination_alert", "sub_ending").await;
        assert_payloads(
            &deliveries_since(&app, before).await,
            &[("subscription.termination_alert", at_45), ("subscription.termination_alert", at_15)],
        );

        // At `ending_at`: terminated, not alerted.
        set_clock(&app, "2026-09-01T00:00:00Z");
        sweep(&app).await;
        assert_eq!(
            types(&deliveries_since(&app, before).await),
            ["subscription.termination_alert", "subscription.termination_alert", "subscription.terminated"]
        );
    }

    async fn a_near_or_moved_ending_at_is_alerted_at_its_nearest_threshold(app) {
        app.insert_webhook_endpoint(HOOK, None).await;
        create_plan(&app, "startup", None).await;
        // Already within 15 days: one alert (15), not two.
        subscribe(&app, "sub_1", "startup", Some("2026-07-01T00:00:00Z")).await;
        let before = app.webhook_deliveries().await.len();
        sweep(&app).await;
        sweep(&app).await;
        let near = notice(&app, "subscription.termination_alert", "sub_1").await;
        assert_payloads(&deliveries_since(&app, before).await, &[("subscription.termination_alert", near)]);

        // Moved later, beyond 45 days: alerted again at 45 days before the new date.
        let update = json!({"subscription": {"ending_at": "2026-09-10T00:00:00Z"}});
        ok(&app, reqwest::Method::PUT, "/api/v1/subscriptions/sub_1", Some(&update)).await;
        sweep(&app).await;
        assert_eq!(
            types(&deliveries_since(&app, before).await),
            ["subscription.termination_alert", "subscription.updated"]
        );
        set_clock(&app, "2026-07-27T00:00:00Z");
        sweep(&app).await;
        let deliveries = deliveries_since(&app, before).await;
        assert_eq!(
            types(&deliveries),
            ["subscription.termination_alert", "subscription.updated", "subscription.termination_alert"]
        );
        let body: Value = serde_json::from_str(&deliveries[2].payload).expect("json");
        assert_eq!(body["subscription"]["ending_at"], "2026-09-10T00:00:00Z");

        // Other thresholds (the flag): one day before only; none with an empty list.
        let none: TerminationAlertDays = "".parse().expect("an empty list");
        set_clock(&app, "2026-09-09T12:00:00Z");
        app.store.sweep_subscription_notices(&none).await.expect("a notice sweep");
        assert_eq!(deliveries_since(&app, before).await.len(), 3);
        let one_day: TerminationAlertDays = "1".parse().expect("one threshold");
        app.store.sweep_subscription_notices(&one_day).await.expect("a notice sweep");
        app.store.sweep_subscription_notices(&one_day).await.expect("a notice sweep");
        assert_eq!(deliveries_since(&app, before).await.len(), 4);
    }
}
