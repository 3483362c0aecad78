//! DELETE /api/v1/subscriptions/{external_id} (Lago's terminate service): termination with the
//! on-termination choices, cancelation of a pending subscription with `status=pending`, the
//! scheduled downgrade canceled with its predecessor, and the change log.

use serde_json::json;

use super::{
    View, assert_subscription, create_plan, get_subscription, set_time, started_now, subscribe,
    subscription_json, with,
};
use crate::support::conformance::{assert_response, event, validation_errors};
use crate::support::{clocked_backend_tests, not_found};

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn terminating_records_the_choices(app) {
        let plan = create_plan(&app, "startup", 10_000, json!({})).await;
        let created = subscribe(&app, "cust_1", "startup", "sub.with.dots", json!({})).await;
        set_time(&app, "2026-06-25T12:00:00Z");
        // A pay-in-arrears plan keeps no credit note choice, even when one is sent.
        let response = app.delete("/api/v1/subscriptions/sub.with.dots?on_termination_credit_note=credit").await;
        let fields = with(&started_now("sub.with.dots", "cust_1"), json!({
            "status": "terminated", "terminated_at": "2026-06-25T12:00:00Z",
            "current_billing_period_ending_at": "2026-06-25T12:00:00Z"
        }));
        assert_subscription(&response, &subscription_json(&created, &plan, fields, View::Terminated));
        assert_response(
            &app.delete("/api/v1/subscriptions/sub.with.dots").await,
            404,
            &not_found("subscription_not_found"),
        );
        create_plan(&app, "advance", 10_000, json!({"pay_in_advance": true})).await;
        let cases = [
            ("", "credit", "generate"),
            ("?on_termination_credit_note=", "credit", "generate"),
            ("?on_termination_credit_note=credit", "credit", "generate"),
            ("?on_termination_credit_note=skip", "skip", "generate"),
            ("?on_termination_credit_note=refund", "refund", "generate"),
            ("?on_termination_invoice=skip", "credit", "skip"),
            ("?on_termination_credit_note=skip&on_termination_invoice=skip", "skip", "skip"),
        ];
        for (index, (query, credit_note, invoice)) in cases.into_iter().enumerate() {
            let external_id = format!("advance_{index}");
            subscribe(&app, "cust_1", "advance", &external_id, json!({})).await;
            let response = app.delete(&format!("/api/v1/subscriptions/{external_id}{query}")).await;
            let subscription = &response.body["subscription"];
            assert_eq!(
                (&subscription["status"], &subscription["on_termination_credit_note"], &subscription["on_termination_invoice"]),
                (&json!("terminated"), &json!(credit_note), &json!(invoice)),
                "{query}"
            );
        }
        subscribe(&app, "cust_1", "advance", "invalid", json!({})).await;
        let invalid = app.delete("/api/v1/subscriptions/invalid?on_termination_credit_note=cash&on_termination_invoice=maybe").await;
        let details = json!({"on_termination_credit_note": ["invalid_value"], "on_termination_invoice": ["invalid_value"]});
        assert_response(&invalid, 422, &validation_errors(details));
        assert_eq!(get_subscription(&app, "invalid").await.body["subscription"]["status"], "active");
    }

    async fn pending_subscriptions_are_canceled_on_request(app) {
        let plan = create_plan(&app, "startup", 10_000, json!({})).await;
        let pending = subscribe(&app, "cust_1", "startup", "sub_1", json!({"subscription_at": "2026-09-01"})).await;
        assert_response(&app.delete("/api/v1/subscriptions/sub_1").await, 404, &not_found("subscription_not_found"));
        // Termination choices are not checked for a cancelation.
        let response = app.delete("/api/v1/subscriptions/sub_1?status=pending&on_termination_invoice=maybe").await;
        let fields = json!({
            "external_id": "sub_1", "external_customer_id": "cust_1", "status": "canceled",
            "subscription_at": "2026-09-01T00:00:00Z", "canceled_at": "2026-06-20T10:00:00Z"
        });
        assert_subscription(&response, &subscription_json(&pending, &plan, fields, View::Terminated));
        assert_response(&app.delete("/api/v1/subscriptions/nope").await, 404, &not_found("subscription_not_found"));
        let events = app.change_event_codes().await;
        assert_eq!(events[events.len() - 2..], [event("subscription.created", "sub_1"), event("subscription.canceled", "sub_1")]);
    }

    async fn a_scheduled_downgrade_ends_with_its_predecessor(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        create_plan(&app, "small", 1_000, json!({})).await;
        subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        subscribe(&app, "cust_1", "small", "sub_1", json!({})).await;
        // Canceling the downgrade alone changes its predecessor.
        let canceled = app.delete("/api/v1/subscriptions/sub_1?status=pending").await;
        assert_eq!(canceled.body["subscription"]["status"], "canceled");
        assert_eq!(get_subscription(&app, "sub_1").await.body["subscription"]["next_plan_code"], json!(null));
        subscribe(&app, "cust_1", "small", "sub_1", json!({})).await;
        let terminated = app.delete("/api/v1/subscriptions/sub_1").await;
        assert_eq!(terminated.body["subscription"]["status"], "terminated");
        assert_eq!(get_subscription(&app, "sub_1?status=pending").await.status, 404);
        let events = app.change_event_codes().await;
        assert_eq!(
            events[events.len() - 6..],
            [
                event("subscription.updated", "sub_1"),
                event("subscription.canceled", "sub_1"),
                event("subscription.created", "sub_1"),
                event("subscription.updated", "sub_1"),
                event("subscription.terminated", "sub_1"),
                event("subscription.canceled", "sub_1")
            ]
        );
    }
}
