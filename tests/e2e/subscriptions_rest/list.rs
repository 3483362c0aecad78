//! GET /api/v1/subscriptions/{external_id} (Lago's lookup by status) and the lists
//! (`subscription_index.rb`, `SubscriptionsQuery`): the default status, previous and next plan
//! codes, the downgrade date, pagination, every in-scope filter with Lago's quirks, ordering, a
//! customer's own list, and tenancy.

use serde_json::{Value, json};

use super::{
    View, as_view, assert_subscription, create_plan, get_subscription, set_time, started_now, subscribe,
    subscription_json, with,
};
use crate::support::conformance::{assert_response, meta};
use crate::support::{OTHER_API_KEY, clocked_backend_tests, not_found};

/// The `lago_id`s of a list answer, in order.
fn ids(response: &crate::support::HttpResponse) -> Vec<Value> {
    assert_eq!(response.status, 200, "list: {}", response.body);
    response.body["subscriptions"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item["lago_id"].clone())
        .collect()
}

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn get_answers_the_subscription_with_its_entitlements_and_thresholds(app) {
        app.create_feature(json!({
            "code": "seats", "name": "Seats", "privileges": [{"code": "max", "value_type": "integer"}]
        }))
        .await;
        let plan = create_plan(&app, "startup", 10_000, json!({
            "usage_thresholds": [{"amount_cents": 1000, "threshold_display_name": "Init"}]
        }))
        .await;
        let grant = json!({"entitlements": {"seats": {"max": 10}}});
        let granted = app.post("/api/v1/plans/startup/entitlements", &grant).await;
        let plan = with(&plan, json!({"entitlements": granted.body["entitlements"]}));
        let created = subscribe(&app, "cust_1", "startup", "sub.v1.2", json!({})).await;
        let mut expected = subscription_json(&created, &plan, started_now("sub.v1.2", "cust_1"), View::Full);
        expected["entitlements"] = json!([{
            "code": "seats", "name": "Seats", "description": null,
            "privileges": [{
                "code": "max", "name": null, "value_type": "integer", "value": 10, "plan_value": 10,
                "override_value": null, "config": {}
            }],
            "overrides": {}
        }]);
        assert_eq!(expected["applicable_usage_thresholds"], json!([{
            "threshold_display_name": "Init", "amount_cents": 1000, "recurring": false
        }]));
        // External ids may contain dots.
        assert_subscription(&get_subscription(&app, "sub.v1.2").await, &expected);
        for missing in ["nope", "sub.v1.2?status=pending", "sub.v1.2?status=incomplete", "sub.v1.2?status=whatever"] {
            assert_response(&get_subscription(&app, missing).await, 404, &not_found("subscription_not_found"));
        }
        // Another organization sees nothing.
        let other = app.send_as(Some(OTHER_API_KEY), reqwest::Method::GET, "/api/v1/subscriptions/sub.v1.2", None).await;
        assert_response(&other, 404, &not_found("subscription_not_found"));
        let list = app.send_as(Some(OTHER_API_KEY), reqwest::Method::GET, "/api/v1/subscriptions", None).await;
        assert_response(&list, 200, &json!({"subscriptions": [], "meta": meta(0, None, None, 0, 0)}));
    }

    async fn get_picks_by_status_and_the_latest_termination(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        let first = subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        set_time(&app, "2026-06-21T10:00:00Z");
        assert_eq!(app.delete("/api/v1/subscriptions/sub_1").await.status, 200);
        let second = subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        set_time(&app, "2026-06-22T10:00:00Z");
        assert_eq!(app.delete("/api/v1/subscriptions/sub_1").await.status, 200);
        let pending = subscribe(&app, "cust_1", "startup", "sub_1", json!({"subscription_at": "2026-09-01"})).await;
        let terminated = get_subscription(&app, "sub_1?status=terminated").await;
        assert_eq!(terminated.body["subscription"]["lago_id"], second["lago_id"]);
        assert_ne!(second["lago_id"], first["lago_id"]);
        assert_eq!(get_subscription(&app, "sub_1?status=pending").await.body["subscription"]["lago_id"], pending["lago_id"]);
        assert_eq!(get_subscription(&app, "sub_1").await.status, 404);
    }

    async fn lists_filter_as_lago_does(app) {
        let startup = create_plan(&app, "startup", 10_000, json!({})).await;
        create_plan(&app, "euro", 10_000, json!({"amount_currency": "EUR"})).await;
        let active = subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        let euro = subscribe(&app, "cust_2", "euro", "sub_2", json!({"subscription_at": "2026-06-01"})).await;
        let pending = subscribe(&app, "cust_1", "startup", "sub_3", json!({"subscription_at": "2026-07-01"})).await;
        let ended = subscribe(&app, "cust_2", "startup", "sub_4", json!({"subscription_at": "2026-05-01"})).await;
        assert_eq!(app.delete("/api/v1/subscriptions/sub_4").await.status, 200);
        let list = |query: &str| {
            let app = &app;
            let path = format!("/api/v1/subscriptions{query}");
            async move { app.get(&path).await }
        };
        // Active only by default, newest subscription date first, without includes.
        let response = list("").await;
        let item = as_view(&subscription_json(&active, &startup, started_now("sub_1", "cust_1"), View::Full), View::ListItem);
        assert_eq!(response.body["subscriptions"][0], item);
        assert_eq!(ids(&response), [active["lago_id"].clone(), euro["lago_id"].clone()]);
        assert_eq!(response.body["meta"], meta(1, None, None, 1, 2));
        let cases: [(&str, Vec<&Value>); 14] = [
            ("?status[]=terminated", vec![&ended]),
            ("?status[]=pending&status[]=terminated", vec![&pending, &ended]),
            // A scalar status is dropped (the default applies); an unknown one drops the filter.
            ("?status=terminated", vec![&active, &euro]),
            ("?status[]=active&status[]=nope", vec![&pending, &active, &euro, &ended]),
            ("?status[]=incomplete", vec![]),
            ("?plan_code=euro", vec![&euro]),
            ("?plan_code=nope", vec![]),
            ("?currency=EUR", vec![&euro]),
            ("?external_customer_id=cust_1&status[]=active&status[]=pending", vec![&pending, &active]),
            ("?external_customer_id=nobody", vec![]),
            ("?external_id=sub_4&status[]=active&status[]=terminated", vec![&ended]),
            ("?overridden=true", vec![]),
            ("?overriden=false&overridden=", vec![&active, &euro]),
            ("?billing_entity_codes[]=default", vec![&active, &euro]),
        ];
        for (query, expected) in cases {
            let expected: Vec<Value> = expected.iter().map(|subscription| subscription["lago_id"].clone()).collect();
            assert_eq!(ids(&list(query).await), expected, "{query}");
        }
        let unknown = list("?billing_entity_codes[]=default&billing_entity_codes[]=eu").await;
        assert_response(&unknown, 404, &not_found("billing_entity_not_found"));
        // Pagination.
        let page = list("?page=1&per_page=1").await;
        assert_eq!((ids(&page).len(), &page.body["meta"]), (1, &meta(1, Some(2), None, 2, 2)));
        assert_eq!(list("?per_page=0").await.status, 400);
        // A customer's own list: the same filters, and its customer must exist.
        let own = app.get("/api/v1/customers/cust_1/subscriptions?status[]=pending").await;
        assert_eq!(ids(&own), [pending["lago_id"].clone()]);
        let missing = app.get("/api/v1/customers/nobody/subscriptions").await;
        assert_response(&missing, 404, &not_found("customer_not_found"));
    }
}

clocked_backend_tests! { "2022-06-20T00:00:00Z";
    async fn list_items_show_previous_and_next_plans_and_the_downgrade_date(app) {
        create_plan(&app, "startup", 10_000, json!({})).await;
        create_plan(&app, "big", 50_000, json!({})).await;
        create_plan(&app, "small", 1_000, json!({})).await;
        subscribe(&app, "cust_1", "startup", "sub_1", json!({})).await;
        subscribe(&app, "cust_1", "big", "sub_1", json!({})).await;
        subscribe(&app, "cust_1", "small", "sub_1", json!({})).await;
        let response = app.get("/api/v1/subscriptions").await;
        let item = &response.body["subscriptions"][0];
        assert_eq!(
            (&item["plan_code"], &item["previous_plan_code"], &item["next_plan_code"], &item["downgrade_plan_date"]),
            (&json!("big"), &json!("startup"), &json!("small"), &json!("2022-07-01"))
        );
    }
}
