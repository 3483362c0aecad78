//! Lago conformance for `/api/v1/billable_metrics` (Lago's `billable_metrics_controller_spec.rb`
//! except `evaluate_expression`), with exact bodies, on SQLite and PostgreSQL. Every validation
//! code of Lago's billable metric request is exercised, and the change log shows each success once
//! and no failure.

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::support::conformance::{
    assert_response, created_at, event, lago_id, meta, missing_param, validation_errors,
};
use crate::support::{HttpResponse, OTHER_API_KEY, TestApp, backend_tests, not_found, unauthorized};

const COUNTERS: [&str; 3] = ["active_subscriptions_count", "draft_invoices_count", "plans_count"];

async fn post_metric(app: &TestApp, metric: Value) -> HttpResponse {
    app.post("/api/v1/billable_metrics", &json!({ "billable_metric": metric })).await
}

async fn put_metric(app: &TestApp, code: &str, metric: Value) -> HttpResponse {
    app.put(&format!("/api/v1/billable_metrics/{code}"), &json!({ "billable_metric": metric })).await
}

/// The metric object with Lago's key order: `fields` gives the values of the fields that differ
/// from a plain metric; the identifiers come from `answered`. With counters (POST, PUT, DELETE,
/// list) or without (GET /:code).
fn metric_json(answered: &Value, fields: Value, with_counters: bool) -> Value {
    let field = |key: &str| fields.get(key).cloned().unwrap_or(Value::Null);
    let mut object = Map::new();
    object.insert("lago_id".into(), lago_id(answered));
    for key in ["name", "code", "description", "aggregation_type", "weighted_interval"] {
        object.insert(key.into(), field(key));
    }
    object.insert("recurring".into(), fields.get("recurring").cloned().unwrap_or(json!(false)));
    for key in ["rounding_function", "rounding_precision"] {
        object.insert(key.into(), field(key));
    }
    object.insert("created_at".into(), created_at(answered));
    for key in ["field_name", "expression"] {
        object.insert(key.into(), field(key));
    }
    if with_counters {
        for counter in COUNTERS {
            object.insert(counter.into(), json!(0));
        }
    }
    object.insert("filters".into(), fields.get("filters").cloned().unwrap_or(json!([])));
    Value::Object(object)
}

/// The same metric without counters, as GET /:code answers it.
fn without_counters(metric: &Value) -> Value {
    let mut object = metric.as_object().cloned().unwrap_or_default();
    for counter in COUNTERS {
        object.shift_remove(counter);
    }
    Value::Object(object)
}

/// Creates a metric, asserts the answer is `fields` echoed, and returns the metric object.
async fn create_metric(app: &TestApp, fields: Value) -> Value {
    let response = post_metric(app, fields.clone()).await;
    let metric = metric_json(&response.body["billable_metric"], fields, true);
    assert_response(&response, 200, &json!({ "billable_metric": metric }));
    metric
}

fn sum_fields(code: &str) -> Value {
    json!({"name": "Amount", "code": code, "aggregation_type": "sum_agg", "field_name": "amount"})
}

/// A valid sum metric `a` with `extra` fields set or replaced.
fn valid_with(extra: Value) -> Value {
    let mut metric = json!({"name": "A", "code": "a", "aggregation_type": "sum_agg", "field_name": "f"});
    if let (Some(fields), Value::Object(extra)) = (metric.as_object_mut(), extra) {
        fields.extend(extra);
    }
    metric
}

async fn codes_in_store(app: &TestApp) -> Vec<String> {
    let organization_id = app.organization_id().await;
    let page = entitlements_domain::PageRequest::new(1, 1000).expect("a valid page");
    let metrics = app.store.list_billable_metrics(organization_id, page).await.expect("list stored metrics");
    metrics.items.into_iter().map(|metric| metric.code).collect()
}

/// POSTs `metric` and asserts Lago's 422 with exactly `details`.
async fn assert_create_rejected(app: &TestApp, metric: Value, details: Value) {
    let response = post_metric(app, metric.clone()).await;
    assert_eq!(response.status, 422, "{metric}: {}", response.body);
    assert_response(&response, 422, &validation_errors(details));
}

backend_tests! {
    async fn create_sum_with_expression_recurring_and_rounding(app) {
        let fields = json!({
            "name": "Amount", "code": "amount", "description": "Sum of amounts",
            "aggregation_type": "sum_agg", "recurring": true, "rounding_function": "round",
            "rounding_precision": 2, "field_name": "amount",
            "expression": "round(event.properties.value * event.properties.units, 2)"
        });
        let metric = create_metric(&app, fields).await;
        assert_response(
            &app.get("/api/v1/billable_metrics/amount").await,
            200,
            &json!({ "billable_metric": without_counters(&metric) }),
        );
        assert_eq!(codes_in_store(&app).await, ["amount"]);
        assert_eq!(app.change_event_codes().await, [event("billable_metric.created", "amount")]);
    }

    async fn create_weighted_sum_with_seconds(app) {
        create_metric(
            &app,
            json!({
                "name": "Seats", "code": "seats", "aggregation_type": "weighted_sum_agg",
                "weighted_interval": "seconds", "field_name": "seats", "recurring": true
            }),
        )
        .await;
    }

    async fn create_count_with_filters_sorted_and_unique(app) {
        let response = post_metric(
            &app,
            json!({
                "name": "Calls", "code": "calls", "aggregation_type": "count_agg", "field_name": "dropped",
                "filters": [
                    {"key": "region", "values": ["us", "eu", "us"]},
                    {"key": "cloud", "values": ["value2", "value1"]},
                    {"key": "region", "values": ["eu", "ap"]}
                ]
            }),
        )
        .await;
        // count_agg has no field name; filters by key, values sorted and unique, a repeated key
        // keeps its last values.
        let metric = metric_json(
            &response.body["billable_metric"],
            json!({
                "name": "Calls", "code": "calls", "aggregation_type": "count_agg",
                "filters": [
                    {"key": "cloud", "values": ["value1", "value2"]},
                    {"key": "region", "values": ["ap", "eu"]}
                ]
            }),
            true,
        );
        assert_response(&response, 200, &json!({ "billable_metric": metric }));
    }

    async fn create_without_root_is_lagos_400(app) {
        let response = app.post("/api/v1/billable_metrics", &json!({"billable_metric": "BL"})).await;
        assert_response(&response, 400, &missing_param("billable_metric"));
        assert_response(
            &app.post("/api/v1/billable_metrics", &json!({})).await,
            400,
            &missing_param("billable_metric"),
        );
        let wrong_type = post_metric(&app, valid_with(json!({"recurring": "yes"}))).await;
        assert_response(
            &wrong_type,
            400,
            &json!({"status": 400, "error": "BadRequest: billable_metric.recurring must be a boolean"}),
        );
        let anonymous = app.send_as(None, Method::POST, "/api/v1/billable_metrics", Some(&json!({}))).await;
        assert_response(&anonymous, 401, &unauthorized());
        assert_eq!(app.change_event_codes().await, []);
    }

    async fn create_validation_codes(app) {
        assert_create_rejected(
            &app,
            json!({"code": "a", "aggregation_type": "sum_agg", "field_name": "f"}),
            json!({"name": ["value_is_mandatory"]}),
        )
        .await;
        assert_create_rejected(
            &app,
            json!({"name": "A", "code": " ", "aggregation_type": "count_agg"}),
            json!({"code": ["value_is_mandatory"]}),
        )
        .await;
        // A missing aggregation type needs a field name too, as in Lago.
        assert_create_rejected(
            &app,
            json!({"name": "A", "code": "a"}),
            json!({"field_name": ["value_is_mandatory"], "aggregation_type": ["value_is_invalid"]}),
        )
        .await;
        assert_create_rejected(
            &app,
            json!({"name": "A", "code": "a", "aggregation_type": "recurring_count_agg", "field_name": "f"}),
            json!({"aggregation_type": ["value_is_invalid"]}),
        )
        .await;
        for aggregation in ["sum_agg", "max_agg", "unique_count_agg", "weighted_sum_agg", "latest_agg"] {
            let mut details = json!({"field_name": ["value_is_mandatory"]});
            if aggregation == "weighted_sum_agg" {
                details["weighted_interval"] = json!(["value_is_invalid"]);
            }
            assert_create_rejected(
                &app,
                json!({"name": "A", "code": "a", "aggregation_type": aggregation, "field_name": ""}),
                details,
            )
            .await;
        }
        for aggregation in ["count_agg", "max_agg", "latest_agg"] {
            let metric = valid_with(json!({"aggregation_type": aggregation, "recurring": true}));
            let details = json!({"recurring": ["not_compatible_with_aggregation_type"]});
            assert_create_rejected(&app, metric, details).await;
        }
        // Lago answers 500 for unknown weighted_interval and rounding_function strings; we answer 422.
        assert_create_rejected(
            &app,
            valid_with(json!({"weighted_interval": "hours", "rounding_function": "half_up"})),
            json!({"weighted_interval": ["value_is_invalid"], "rounding_function": ["value_is_invalid"]}),
        )
        .await;
        for expression in ["1 +", "round(1, 2, 3)", "event.properties", "sqrt(4)"] {
            let metric = valid_with(json!({"expression": expression}));
            assert_create_rejected(&app, metric, json!({"expression": ["invalid_expression"]})).await;
        }
        // custom_aggregator is not an API parameter, so a custom metric can never be complete.
        assert_create_rejected(
            &app,
            json!({"name": "A", "code": "a", "aggregation_type": "custom_agg"}),
            json!({"custom_aggregator": ["value_is_mandatory"]}),
        )
        .await;
        assert_create_rejected(
            &app,
            valid_with(json!({"filters": [{"key": "ok", "values": ["x"]}, {"key": "", "values": []}]})),
            json!({"key": ["value_is_mandatory"], "values": ["value_is_mandatory"]}),
        )
        .await;
        assert_create_rejected(
            &app,
            valid_with(json!({"filters": [{"key": "region"}]})),
            json!({"values": ["value_is_mandatory"]}),
        )
        .await;
        create_metric(&app, sum_fields("taken")).await;
        // Every model error at once, in the model's order; filters are only checked after them.
        assert_create_rejected(&app, json!({
            "code": "taken", "recurring": true, "aggregation_type": "max_agg", "expression": "(",
            "rounding_function": "x", "filters": [{"key": ""}]
        }), json!({
            "recurring": ["not_compatible_with_aggregation_type"], "expression": ["invalid_expression"],
            "name": ["value_is_mandatory"], "field_name": ["value_is_mandatory"],
            "code": ["value_already_exist"], "rounding_function": ["value_is_invalid"]
        })).await;
        assert_eq!(codes_in_store(&app).await, ["taken"]);
        assert_eq!(app.change_event_codes().await, [event("billable_metric.created", "taken")]);
    }

    async fn blank_expressions_are_stored_unchecked(app) {
        let mut fields = sum_fields("blank");
        fields["expression"] = json!("");
        create_metric(&app, fields).await;
    }

    async fn update_changes_the_code_and_keeps_the_id(app) {
        let metric = create_metric(&app, sum_fields("amount")).await;
        let response = put_metric(&app, "amount", json!({"code": "total", "name": "Total"})).await;
        let updated = metric_json(
            &metric,
            json!({"name": "Total", "code": "total", "aggregation_type": "sum_agg", "field_name": "amount"}),
            true,
        );
        assert_response(&response, 200, &json!({ "billable_metric": updated }));
        assert_response(
            &app.get("/api/v1/billable_metrics/amount").await,
            404,
            &not_found("billable_metric_not_found"),
        );
        // PATCH is the same action: to a weighted sum.
        let weighted = app
            .patch(
                "/api/v1/billable_metrics/total",
                &json!({"billable_metric": {
                    "aggregation_type": "weighted_sum_agg", "weighted_interval": "seconds", "recurring": true
                }}),
            )
            .await;
        let expected = metric_json(
            &metric,
            json!({
                "name": "Total", "code": "total", "aggregation_type": "weighted_sum_agg",
                "weighted_interval": "seconds", "recurring": true, "field_name": "amount"
            }),
            true,
        );
        assert_response(&weighted, 200, &json!({ "billable_metric": expected }));
        assert_eq!(
            app.change_event_codes().await,
            [
                event("billable_metric.created", "amount"),
                event("billable_metric.updated", "total"),
                event("billable_metric.updated", "total"),
            ]
        );
    }

    async fn update_errors(app) {
        create_metric(&app, sum_fields("amount")).await;
        create_metric(&app, sum_fields("other")).await;
        assert_response(
            &put_metric(&app, "unknown", json!({"name": "X"})).await,
            404,
            &not_found("billable_metric_not_found"),
        );
        assert_response(
            &put_metric(&app, "amount", json!({"code": "other"})).await,
            422,
            &validation_errors(json!({"code": ["value_already_exist"]})),
        );
        assert_response(
            &put_metric(
                &app,
                "amount",
                json!({"name": null, "aggregation_type": "count_agg", "recurring": true}),
            )
            .await,
            422,
            &validation_errors(json!({
                "recurring": ["not_compatible_with_aggregation_type"], "name": ["value_is_mandatory"]
            })),
        );
        // Filters are checked before the metric on update.
        assert_response(
            &put_metric(&app, "amount", json!({"name": "", "filters": [{"key": "region", "values": []}]}))
                .await,
            422,
            &validation_errors(json!({"values": ["value_is_mandatory"]})),
        );
        assert_response(
            &app.put("/api/v1/billable_metrics/unknown", &json!({"billable_metric": "BL"})).await,
            400,
            &missing_param("billable_metric"),
        );
        let other = app
            .send_as(
                Some(OTHER_API_KEY),
                Method::PUT,
                "/api/v1/billable_metrics/amount",
                Some(&json!({"billable_metric": {"name": "X"}})),
            )
            .await;
        assert_response(&other, 404, &not_found("billable_metric_not_found"));
        assert_eq!(
            app.change_event_codes().await,
            [event("billable_metric.created", "amount"), event("billable_metric.created", "other"),]
        );
    }

    async fn update_replaces_filters_only_when_given(app) {
        let mut fields = sum_fields("amount");
        fields["filters"] =
            json!([{"key": "cloud", "values": ["aws"]}, {"key": "region", "values": ["eu", "us"]}]);
        let metric = create_metric(&app, fields).await;
        let kept = put_metric(&app, "amount", json!({"description": "kept filters"})).await;
        assert_eq!(kept.body["billable_metric"]["filters"], metric["filters"]);
        let new_filters =
            json!([{"key": "region", "values": ["us", "ap"]}, {"key": "tier", "values": ["gold"]}]);
        let replaced = put_metric(&app, "amount", json!({ "filters": new_filters })).await;
        assert_eq!(replaced.status, 200, "{}", replaced.body);
        assert_eq!(
            replaced.body["billable_metric"]["filters"],
            json!([{"key": "region", "values": ["ap", "us"]}, {"key": "tier", "values": ["gold"]}])
        );
        let fetched = app.get("/api/v1/billable_metrics/amount").await;
        assert_eq!(fetched.body["billable_metric"]["filters"], replaced.body["billable_metric"]["filters"]);
        let emptied = put_metric(&app, "amount", json!({"filters": []})).await;
        assert_eq!(emptied.body["billable_metric"]["filters"], json!([]));
        assert_eq!(
            app.get("/api/v1/billable_metrics/amount").await.body["billable_metric"]["filters"],
            json!([])
        );
    }

    async fn get_omits_the_counters(app) {
        let metric = create_metric(&app, sum_fields("amount")).await;
        assert_response(
            &app.get("/api/v1/billable_metrics/amount").await,
            200,
            &json!({ "billable_metric": without_counters(&metric) }),
        );
        assert_response(
            &app.get("/api/v1/billable_metrics/unknown").await,
            404,
            &not_found("billable_metric_not_found"),
        );
        let other =
            app.send_as(Some(OTHER_API_KEY), Method::GET, "/api/v1/billable_metrics/amount", None).await;
        assert_response(&other, 404, &not_found("billable_metric_not_found"));
        app.delete("/api/v1/billable_metrics/amount").await;
        assert_response(
            &app.get("/api/v1/billable_metrics/amount").await,
            404,
            &not_found("billable_metric_not_found"),
        );
    }

    async fn delete_answers_the_metric_and_frees_its_code(app) {
        let mut fields = sum_fields("amount");
        fields["filters"] = json!([{"key": "region", "values": ["eu"]}]);
        let metric = create_metric(&app, fields).await;
        create_metric(&app, sum_fields("kept")).await;
        assert_response(
            &app.delete("/api/v1/billable_metrics/amount").await,
            200,
            &json!({ "billable_metric": metric }),
        );
        assert_eq!(codes_in_store(&app).await, ["kept"]);
        assert_response(
            &app.delete("/api/v1/billable_metrics/amount").await,
            404,
            &not_found("billable_metric_not_found"),
        );
        assert_response(
            &app.delete("/api/v1/billable_metrics/unknown").await,
            404,
            &not_found("billable_metric_not_found"),
        );
        // The code is free again, and the new metric starts without the old filters.
        let again = create_metric(&app, sum_fields("amount")).await;
        assert_ne!(again["lago_id"], metric["lago_id"]);
        assert_eq!(
            app.change_event_codes().await,
            [
                event("billable_metric.created", "amount"),
                event("billable_metric.created", "kept"),
                event("billable_metric.deleted", "amount"),
                event("billable_metric.created", "amount"),
            ]
        );
    }

    async fn list_is_paginated_newest_first(app) {
        let first = create_metric(&app, sum_fields("first")).await;
        let second = create_metric(&app, sum_fields("second")).await;
        assert_response(
            &app.get("/api/v1/billable_metrics?page=1&per_page=1").await,
            200,
            &json!({"billable_metrics": [second.clone()], "meta": meta(1, Some(2), None, 2, 2)}),
        );
        assert_response(
            &app.get("/api/v1/billable_metrics?page=2&per_page=1").await,
            200,
            &json!({"billable_metrics": [first], "meta": meta(2, None, Some(1), 2, 2)}),
        );
        let other = app.send_as(Some(OTHER_API_KEY), Method::GET, "/api/v1/billable_metrics", None).await;
        assert_response(&other, 200, &json!({"billable_metrics": [], "meta": meta(0, None, None, 0, 0)}));
        let zero = app.get("/api/v1/billable_metrics?per_page=0").await;
        assert_eq!(zero.status, 400, "{}", zero.body);
    }

    async fn lookups_for_plans_ignore_deleted_metrics(app) {
        let mut fields = sum_fields("amount");
        fields["filters"] = json!([{"key": "region", "values": ["eu"]}]);
        create_metric(&app, fields).await;
        create_metric(&app, sum_fields("gone")).await;
        app.delete("/api/v1/billable_metrics/gone").await;
        let organization_id = app.organization_id().await;
        let codes = ["amount".to_owned(), "gone".to_owned(), "unknown".to_owned()];
        let found =
            app.store.billable_metrics_by_codes(organization_id, &codes).await.expect("look metrics up");
        assert_eq!(found.iter().map(|metric| metric.code.as_str()).collect::<Vec<_>>(), ["amount"]);
        assert_eq!(found[0].filters.len(), 1);
        let ids: Vec<_> = found.iter().map(|metric| metric.id).collect();
        let by_id =
            app.store.billable_metrics_by_ids(organization_id, &ids).await.expect("look metrics up by id");
        assert_eq!(by_id, found);
    }
}
