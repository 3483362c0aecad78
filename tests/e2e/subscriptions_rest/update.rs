//! PUT (and PATCH) /api/v1/subscriptions/{external_id} (Lago's update service): the fields Lago
//! changes, `subscription_at` only before the start (activating when its date has come), the
//! on-termination choices, Lago's lookup among several subscriptions (a lone match is updated
//! whatever its status, as in Lago), every error in Lago's order, and the change log.

use serde_json::{Value, json};

use super::{View, assert_subscription, create_plan, started_now, subscribe, subscription_json, with};
use crate::support::conformance::{assert_response, event, missing_param, validation_errors};
use crate::support::{HttpResponse, TestApp, clocked_backend_tests, not_found};

async fn put(app: &TestApp, path_and_query: &str, subscription: Value) -> HttpResponse {
    app.put(&format!("/api/v1/subscriptions/{path_and_query}"), &json!({ "subscription": subscription }))
        .await
}

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn a_pending_subscription_moved_to_a_past_date_starts(app) {
        let plan = create_plan(&app, "startup", 10_000, json!({})).await;
        let pending = subscribe(&app, "cust_1", "startup", "sub_1", json!({"subscription_at": "2026-09-01"})).await;
        let response = put(&app, "sub_1", json!({
            "name": "subscription name new", "subscription_at": "2022-09-05T12:23:12Z",
            "invoice_custom_section": {"skip_invoice_custom_sections": false}
        }))
        .await;
        let fields = json!({
            "external_id": "sub_1", "external_customer_id": "cust_1", "name": "subscription name new",
            "subscription_at": "2022-09-05T12:23:12Z", "started_at": "2022-09-05T12:23:12.000Z",
            "activated_at": "2022-09-05T12:23:12Z", "current_billing_period_started_at": "2026-06-01T00:00:00Z",
            "current_billing_period_ending_at": "2026-06-30T23:59:59Z"
        });
        assert_subscription(&response, &subscription_json(&pending, &plan, fields, View::Updated));
        let events = app.change_event_codes().await;
        assert_eq!(
            events[events.len() - 2..],
            [event("subscription.started", "sub_1"), event("subscription.updated", "sub_1")]
        );
        // Once started, the date no longer moves.
        let moved = put(&app, "sub_1", json!({"subscription_at": "2026-07-01T00:00:00Z"})).await;
        assert_eq!(moved.body["subscription"]["subscription_at"], "2022-09-05T12:23:12Z");
        // A later date keeps a pending subscription pending.
        subscribe(&app, "cust_1", "startup", "sub_2", json!({"subscription_at": "2026-09-01"})).await;
        let later = put(&app, "sub_2", json!({"subscription_at": "2026-10-01T00:00:00Z"})).await;
        assert_eq!(
            (&later.body["subscription"]["status"], &later.body["subscription"]["subscription_at"]),
            (&json!("pending"), &json!("2026-10-01T00:00:00Z"))
        );
    }

    async fn updates_change_only_what_is_given(app) {
        let plan = create_plan(&app, "startup", 10_000, json!({})).await;
        let created = subscribe(&app, "cust_1", "startup", "sub_1", json!({"name": "before"})).await;
        let response = put(&app, "sub_1", json!({
            "ending_at": "2027-01-01T00:00:00Z", "purchase_order_number": " PO-9 ", "progressive_billing_disabled": true,
            "consolidate_invoice": "false", "on_termination_credit_note": "skip", "on_termination_invoice": "skip",
            "billing_entity_code": "default"
        }))
        .await;
        // The plan is paid in arrears: no credit note choice is kept.
        let fields = with(&started_now("sub_1", "cust_1"), json!({
            "name": "before", "ending_at": "2027-01-01T00:00:00Z", "purchase_order_number": "PO-9",
            "progressive_billing_disabled": true, "consolidate_invoice": false, "on_termination_invoice": "skip"
        }));
        let expected = subscription_json(&created, &plan, fields, View::Updated);
        assert_subscription(&response, &expected);
        // PATCH is the same route; null clears the name and the end.
        let response = app
            .patch("/api/v1/subscriptions/sub_1", &json!({"subscription": {"name": null, "ending_at": null}}))
            .await;
        assert_subscription(&response, &with(&expected, json!({"name": null, "ending_at": null})));
        // A pay-in-advance plan keeps the credit note choice.
        create_plan(&app, "advance", 10_000, json!({"pay_in_advance": true})).await;
        subscribe(&app, "cust_2", "advance", "sub_2", json!({})).await;
        let response = put(&app, "sub_2", json!({"on_termination_credit_note": "refund"})).await;
        assert_eq!(response.body["subscription"]["on_termination_credit_note"], "refund");
    }

    async fn errors_come_in_lagos_order(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        subscribe(&app, "cust_1", "startup", "sub_1", json!({"purchase_order_number": "PO-1"})).await;
        assert_response(&put(&app, "nope", json!({})).await, 404, &not_found("subscription_not_found"));
        let no_root = app.put("/api/v1/subscriptions/nope", &json!({"name": "x"})).await;
        assert_response(&no_root, 404, &not_found("subscription_not_found"));
        let no_root = app.put("/api/v1/subscriptions/sub_1", &json!({"name": "x"})).await;
        assert_response(&no_root, 400, &missing_param("subscription"));
        let invalid = put(&app, "sub_1", json!({
            "subscription_at": null, "ending_at": "2026-06-20T12:00:00Z", "on_termination_credit_note": "cash",
            "on_termination_invoice": 3, "plan_overrides": {"name": "x"}
        }))
        .await;
        let details = json!({
            "subscription_at": ["invalid_date"], "ending_at": ["invalid_date"],
            "on_termination_credit_note": ["invalid_value"], "on_termination_invoice": ["invalid_value"]
        });
        assert_response(&invalid, 422, &validation_errors(details));
        let overrides = put(&app, "sub_1", json!({"plan_overrides": {"name": "x"}, "billing_entity_code": "eu"})).await;
        assert_response(&overrides, 403, &json!({"status": 403, "error": "Forbidden", "code": "feature_unavailable"}));
        let entity = put(&app, "sub_1", json!({"billing_entity_code": "eu"})).await;
        assert_response(&entity, 404, &not_found("billing_entity_not_found"));
        // Once terminated, the purchase order number is fixed (resending it is no change).
        assert_eq!(app.delete("/api/v1/subscriptions/sub_1").await.status, 200);
        let fixed = put(&app, "sub_1", json!({"purchase_order_number": "PO-2"})).await;
        let not_allowed = json!({"status": 405, "error": "Method Not Allowed", "code": "purchase_order_number_not_editable"});
        assert_response(&fixed, 405, &not_allowed);
        assert_eq!(put(&app, "sub_1", json!({"purchase_order_number": " PO-1 "})).await.status, 200);
        // No failure logged anything.
        let events = app.change_event_codes().await;
        assert_eq!(events[events.len() - 2..], [event("subscription.terminated", "sub_1"), event("subscription.updated", "sub_1")]);
    }

    async fn the_lookup_takes_the_only_one_else_the_active_or_the_pending(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        create_plan(&app, "small", 1_000, json!({})).await;
        let active = subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        subscribe(&app, "cust_1", "small", "sub_1", json!({})).await;
        let updated = put(&app, "sub_1", json!({"name": "new"})).await;
        assert_eq!(updated.body["subscription"]["lago_id"], active["lago_id"]);
        let pending = put(&app, "sub_1?status=pending", json!({"name": "next"})).await;
        assert_eq!(
            (&pending.body["subscription"]["status"], &pending.body["subscription"]["name"]),
            (&json!("pending"), &json!("next"))
        );
        assert_eq!(put(&app, "sub_1?status=incomplete", json!({"name": "x"})).await.status, 404);
        // Lago's quirk: a lone subscription is updated whatever its status.
        subscribe(&app, "cust_1", "startup", "sub_2", json!({})).await;
        assert_eq!(app.delete("/api/v1/subscriptions/sub_2").await.status, 200);
        let terminated = put(&app, "sub_2", json!({"name": "after the end"})).await;
        assert_eq!(
            (&terminated.body["subscription"]["status"], &terminated.body["subscription"]["name"]),
            (&json!("terminated"), &json!("after the end"))
        );
    }
}
