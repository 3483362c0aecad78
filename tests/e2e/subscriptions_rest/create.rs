//! POST /api/v1/subscriptions: Lago's request-spec scenarios (the full and legacy payloads,
//! integer ids, the implicit customer, the billing entity, every validation code in Lago's
//! order), the statuses by start date in the customer's timezone, same-plan idempotence,
//! upgrades and downgrades, and the change log.

use serde_json::{Value, json};

use super::{
    NOW, View, assert_subscription, create_plan, get_subscription, post_subscription, set_time, started_now,
    subscribe, subscription_json, with,
};
use crate::support::conformance::{assert_response, event, missing_param, validation_errors};
use crate::support::{clocked_backend_tests, not_found};

fn forbidden() -> Value {
    json!({"status": 403, "error": "Forbidden", "code": "feature_unavailable"})
}

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn the_legacy_payload_answers_lagos_object(app) {
        let plan = create_plan(&app, "startup", 10_000, json!({})).await;
        let response = post_subscription(&app, json!({
            "external_customer_id": "cust_1", "plan_code": "startup", "name": "subscription name",
            "external_id": "sub_1", "billing_time": "anniversary", "subscription_at": NOW
        }))
        .await;
        let fields = with(&started_now("sub_1", "cust_1"), json!({
            "name": "subscription name", "billing_time": "anniversary",
            // Anniversary periods run from the 20th to the 19th.
            "current_billing_period_ending_at": "2026-07-19T23:59:59Z"
        }));
        let expected = subscription_json(&response.body["subscription"], &plan, fields, View::Full);
        assert_subscription(&response, &expected);
        // The customer was created with the plan's currency, in the same transaction.
        let customer = app.get("/api/v1/customers/cust_1").await;
        assert_eq!((customer.status, &customer.body["customer"]["currency"]), (200, &json!("USD")));
        assert_eq!(
            app.change_event_codes().await,
            [
                event("plan.created", "startup"),
                event("customer.created", "cust_1"),
                event("subscription.created", "sub_1"),
                event("subscription.started", "sub_1")
            ]
        );
        assert_subscription(&get_subscription(&app, "sub_1").await, &expected);
    }

    async fn integer_ids_and_names_are_strings(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        let subscription = subscribe(&app, "123", "startup", "", json!({"name": 456, "external_id": 789})).await;
        assert_eq!(
            (&subscription["external_customer_id"], &subscription["name"], &subscription["external_id"]),
            (&json!("123"), &json!("456"), &json!("789"))
        );
        let customer = app.get("/api/v1/customers/123").await;
        assert_eq!(customer.body["customer"]["billing_entity_code"], "default");
    }

    async fn every_validation_code_in_lagos_order(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        let base = json!({"external_customer_id": "cust_1", "plan_code": "startup", "external_id": "sub_1"});
        let cases = [
            (json!({"billing_entity_code": "eu", "plan_code": "nope"}), 404, not_found("billing_entity_not_found")),
            (json!({"plan_code": "nope", "subscription_at": "hello"}), 404, not_found("plan_not_found")),
            (
                json!({"subscription_at": "hello", "ending_at": "2020-01-01", "plan_overrides": {"amount_cents": 1}}),
                422,
                validation_errors(json!({"subscription_at": ["invalid_date"], "ending_at": ["invalid_date"]})),
            ),
            // `ending_at` must fall on a later date than today and than the start.
            (json!({"ending_at": "2026-06-20T23:00:00Z"}), 422, validation_errors(json!({"ending_at": ["invalid_date"]}))),
            (json!({"subscription_at": 20260620}), 422, validation_errors(json!({"subscription_at": ["invalid_date"]}))),
            (json!({"plan_overrides": {"amount_cents": 1}, "external_customer_id": null}), 403, forbidden()),
            (
                json!({"external_customer_id": "  "}),
                422,
                validation_errors(json!({"external_customer_id": ["value_is_mandatory"]})),
            ),
            (
                json!({"external_id": " ", "billing_time": ""}),
                422,
                validation_errors(json!({"external_id": ["value_is_mandatory"], "billing_time": ["value_is_mandatory"]})),
            ),
            (json!({"external_id": "", "billing_time": "weekly"}), 422, validation_errors(json!({"billing_time": ["value_is_invalid"]}))),
        ];
        for (changes, status, body) in cases {
            let response = post_subscription(&app, with(&base, changes.clone())).await;
            assert_response(&response, status, &body);
        }
        for body in [json!({}), json!({"subscription": {}}), json!({"subscription": null})] {
            assert_response(&app.post("/api/v1/subscriptions", &body).await, 400, &missing_param("subscription"));
        }
        let response = app.send_raw(reqwest::Method::POST, "/api/v1/subscriptions", "application/json", "{").await;
        assert_eq!(response.status, 400);
        // Failures leave nothing behind: no customer (Lago's can stay), no event.
        assert_response(&app.get("/api/v1/customers/cust_1").await, 404, &not_found("customer_not_found"));
        assert_eq!(app.change_event_codes().await, [event("plan.created", "startup")]);
    }
}

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn the_full_payload_without_plan_overrides(app) {
        app.create_feature(json!({"code": "feature_1", "name": "Feature Name", "description": "Feature Description"}))
            .await;
        let plan = create_plan(&app, "startup", 500, json!({"description": "desc"})).await;
        let response = app.post("/api/v1/plans/startup/entitlements", &json!({"entitlements": {"feature_1": {}}})).await;
        assert_eq!(response.status, 200, "grant: {}", response.body);
        let plan = with(&plan, json!({"entitlements": response.body["entitlements"]}));
        let payload = json!({
            "external_customer_id": "cust_1", "plan_code": "startup", "name": "subscription name",
            "external_id": "sub_1", "billing_time": "anniversary", "subscription_at": NOW,
            "ending_at": "2027-06-20T10:00:00Z", "purchase_order_number": " PO-1 ",
            "invoice_custom_section": {"invoice_custom_section_codes": ["section_code_1"]},
            "payment_method": {"payment_method_id": "pm_1", "payment_method_type": "provider"},
            "progressive_billing_disabled": true
        });
        let response = post_subscription(&app, payload.clone()).await;
        let fields = with(&started_now("sub_1", "cust_1"), json!({
            "name": "subscription name", "billing_time": "anniversary", "ending_at": "2027-06-20T10:00:00Z",
            "current_billing_period_ending_at": "2026-07-19T23:59:59Z", "purchase_order_number": "PO-1",
            "progressive_billing_disabled": true
        }));
        let mut expected = subscription_json(&response.body["subscription"], &plan, fields, View::Full);
        expected["entitlements"] = json!([{
            "code": "feature_1", "name": "Feature Name", "description": "Feature Description",
            "privileges": [], "overrides": {}
        }]);
        assert_subscription(&response, &expected);
        // Plan overrides are out of scope: 403, as Lago answers without a premium licence.
        let overrides = with(&payload, json!({"external_id": "sub_2", "plan_overrides": {"amount_cents": 100}}));
        assert_response(&post_subscription(&app, overrides).await, 403, &forbidden());
    }

    async fn an_existing_customer_is_used_and_keeps_its_currency(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        let customer = json!({"customer": {"external_id": "cust_1", "currency": "EUR", "timezone": "Europe/Paris"}});
        assert_eq!(app.post("/api/v1/customers", &customer).await.status, 200);
        let blank = json!({"customer": {"external_id": "cust_2"}});
        assert_eq!(app.post("/api/v1/customers", &blank).await.status, 200);
        // A billing entity code is ignored for an existing customer (and only `default` exists).
        subscribe(&app, "cust_1", "startup", "sub_1", json!({"billing_entity_code": "default"})).await;
        subscribe(&app, "cust_2", "startup", "sub_2", json!({})).await;
        assert_eq!(app.get("/api/v1/customers").await.body["meta"]["total_count"], 2);
        // cust_1 kept its own currency (currencies are preferences: multi-currency), cust_2 took
        // the plan's.
        for (external_id, currency) in [("cust_1", "EUR"), ("cust_2", "USD")] {
            let customer = app.get(&format!("/api/v1/customers/{external_id}")).await;
            assert_eq!(customer.body["customer"]["currency"], currency, "{external_id}");
        }
        assert_eq!(
            app.change_event_codes().await,
            [
                event("plan.created", "startup"),
                event("customer.created", "cust_1"),
                event("customer.created", "cust_2"),
                event("subscription.created", "sub_1"),
                event("subscription.started", "sub_1"),
                event("customer.updated", "cust_2"),
                event("subscription.created", "sub_2"),
                event("subscription.started", "sub_2")
            ]
        );
    }

    async fn the_status_follows_the_start_date_in_the_customers_timezone(app) {
        let plan = create_plan(&app, "startup", 10_000, json!({})).await;
        let tokyo = json!({"customer": {"external_id": "tokyo", "timezone": "Asia/Tokyo"}});
        assert_eq!(app.post("/api/v1/customers", &tokyo).await.status, 200);
        // 16:00 UTC is already June 21 in Tokyo (where it is June 20, 19:00): it starts later.
        let response = post_subscription(&app, json!({
            "external_customer_id": "tokyo", "plan_code": "startup", "external_id": "in_tokyo",
            "subscription_at": "2026-06-20T16:00:00Z"
        }))
        .await;
        let fields = json!({
            "external_id": "in_tokyo", "external_customer_id": "tokyo", "status": "pending",
            "subscription_at": "2026-06-20T16:00:00Z"
        });
        assert_subscription(&response, &subscription_json(&response.body["subscription"], &plan, fields, View::Full));
        // In UTC it is still June 20: active at once, starting later today.
        let today = subscribe(&app, "utc", "startup", "in_utc", json!({"subscription_at": "2026-06-20T16:00:00Z"})).await;
        assert_eq!(
            (&today["status"], &today["started_at"], &today["current_billing_period_started_at"]),
            (&json!("active"), &json!("2026-06-20T16:00:00.000Z"), &json!("2026-06-20T16:00:00Z"))
        );
        // Backdated: active since its date, its period the one holding now.
        let past = subscribe(&app, "utc", "startup", "past", json!({"subscription_at": "2026-05-02T08:30:00+02:00"})).await;
        assert_eq!(
            (&past["subscription_at"], &past["started_at"], &past["current_billing_period_started_at"]),
            (&json!("2026-05-02T06:30:00Z"), &json!("2026-05-02T06:30:00.000Z"), &json!("2026-06-01T00:00:00Z"))
        );
    }

    async fn the_same_plan_answers_the_existing_subscription(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        let created = subscribe(&app, "cust_1", "startup", "sub_1", json!({"name": "first"})).await;
        let events = app.change_event_codes().await;
        set_time(&app, "2026-06-20T11:00:00Z");
        let again = post_subscription(&app, json!({
            "external_customer_id": "cust_1", "plan_code": "startup", "external_id": "sub_1", "name": "second"
        }))
        .await;
        assert_subscription(&again, &created);
        assert_eq!(app.change_event_codes().await, events, "nothing changed, nothing is logged");
    }

    async fn an_external_id_belongs_to_one_customer_until_it_ends(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        let taken = json!({"external_customer_id": "cust_2", "plan_code": "startup", "external_id": "sub_1"});
        let response = post_subscription(&app, taken.clone()).await;
        assert_response(&response, 422, &validation_errors(json!({"external_id": ["value_already_exist"]})));
        // Nor while it only starts later (where Lago would let both start).
        subscribe(&app, "cust_1", "startup", "later", json!({"subscription_at": "2026-07-01"})).await;
        let later = json!({"external_customer_id": "cust_2", "plan_code": "startup", "external_id": "later"});
        let response = post_subscription(&app, later).await;
        assert_response(&response, 422, &validation_errors(json!({"external_id": ["value_already_exist"]})));
        // Once terminated, another customer may reuse it.
        assert_eq!(app.delete("/api/v1/subscriptions/sub_1").await.status, 200);
        let reused = subscribe(&app, "cust_2", "startup", "sub_1", json!({})).await;
        assert_eq!((&reused["external_customer_id"], &reused["status"]), (&json!("cust_2"), &json!("active")));
    }
}
