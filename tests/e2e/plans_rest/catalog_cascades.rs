//! What billable metric and tax writes do to the plans that use them, as in Lago:
//! a deleted metric takes its charges with it on every plan, an attached metric keeps the fields
//! its charges bill by, dropped filter values leave the charge filters, and a deleted tax leaves
//! every plan, charge and commitment. Each touched plan records `plan.updated`.

use serde_json::{Value, json};

use super::{
    charge_json, charges_of, commitment_json, create_filtered_metric, create_metric, create_plan, create_tax,
    filter_json, get_plan, plan_json, startup_with, with,
};
use crate::support::conformance::{assert_response, event};
use crate::support::{TestApp, backend_tests};

/// Creates the plan `code` (otherwise `startup_input()`) with `extra` fields.
async fn create_plan_coded(app: &TestApp, code: &str, extra: Value) -> Value {
    create_plan(app, with(startup_with(json!({ "code": code })), extra)).await
}

/// The plan's charges, as GET answers them.
async fn current_charges(app: &TestApp, code: &str) -> Vec<Value> {
    let response = get_plan(app, code).await;
    assert_eq!(response.status, 200, "get plan {code}: {}", response.body);
    charges_of(&response.body["plan"])
}

/// The change events recorded after the first `skip`.
async fn events_after(app: &TestApp, skip: usize) -> Vec<(String, String)> {
    app.change_event_codes().await.into_iter().skip(skip).collect()
}

backend_tests! {
    async fn deleting_a_metric_deletes_its_charges_on_every_plan(app) {
        let api = create_metric(&app, "api", "sum_agg").await;
        let seats = create_metric(&app, "seats", "sum_agg").await;
        let charge = |metric: &Value| json!({"billable_metric_id": metric["lago_id"], "charge_model": "standard"});
        create_plan_coded(&app, "alpha", json!({"charges": [charge(&api), charge(&seats)]})).await;
        create_plan_coded(&app, "beta", json!({"charges": [charge(&api)]})).await;
        create_plan_coded(&app, "gamma", json!({"charges": [charge(&seats)]})).await;
        let before = app.change_event_codes().await.len();

        assert_eq!(app.delete("/api/v1/billable_metrics/api").await.status, 200);

        let alpha = current_charges(&app, "alpha").await;
        assert_eq!(alpha.iter().map(|charge| charge["code"].clone()).collect::<Vec<_>>(), [json!("seats")]);
        assert_eq!(current_charges(&app, "beta").await, Vec::<Value>::new());
        assert_eq!(current_charges(&app, "gamma").await.len(), 1);
        assert_eq!(
            events_after(&app, before).await,
            [event("billable_metric.deleted", "api"), event("plan.updated", "alpha"), event("plan.updated", "beta")]
        );
        // The metric's code is free again, and a new metric of that code is on no plan.
        create_metric(&app, "api", "count_agg").await;
        assert_eq!(current_charges(&app, "beta").await, Vec::<Value>::new());
    }

    async fn an_attached_metric_keeps_what_its_charges_bill_by(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let charge = json!({"billable_metric_id": metric["lago_id"], "charge_model": "standard"});
        create_plan_coded(&app, "alpha", json!({"charges": [charge]})).await;
        let frozen = json!({
            "code": "renamed", "aggregation_type": "weighted_sum_agg", "field_name": "other", "recurring": true,
            "weighted_interval": "seconds", "rounding_function": "ceil", "rounding_precision": 2,
            "expression": "event.properties.value * 2"
        });
        let response = app
            .put(
                "/api/v1/billable_metrics/api",
                &json!({"billable_metric": with(frozen.clone(), json!({"name": "Calls", "description": "API calls"}))}),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        let updated = &response.body["billable_metric"];
        let expected = json!({
            "name": "Calls", "code": "api", "description": "API calls", "aggregation_type": "sum_agg",
            "weighted_interval": null, "recurring": false, "rounding_function": null, "rounding_precision": null,
            "field_name": "value", "expression": null
        });
        for (key, value) in expected.as_object().into_iter().flatten() {
            assert_eq!(&updated[key], value, "{key} of {updated}");
        }
        // Even a value that would be invalid is ignored, not refused.
        let ignored = app
            .put("/api/v1/billable_metrics/api", &json!({"billable_metric": {"aggregation_type": "nope"}}))
            .await;
        assert_eq!(ignored.status, 200, "{}", ignored.body);
        assert_eq!(ignored.body["billable_metric"]["aggregation_type"], "sum_agg");

        // Once the plan is gone, the metric is free to change.
        assert_eq!(app.delete("/api/v1/plans/alpha").await.status, 200);
        let response = app.put("/api/v1/billable_metrics/api", &json!({"billable_metric": frozen})).await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.body["billable_metric"]["code"], "renamed");
        assert_eq!(response.body["billable_metric"]["aggregation_type"], "weighted_sum_agg");
    }

    async fn dropped_filter_values_leave_the_charge_filters(app) {
        let metric = create_filtered_metric(&app).await;
        let filter = |values: Value| json!({"invoice_display_name": null, "properties": {"amount": "1"}, "values": values});
        let plan = create_plan_coded(
            &app,
            "alpha",
            json!({"charges": [{
                "billable_metric_id": metric["lago_id"], "charge_model": "standard",
                "filters": [
                    filter(json!({"region": ["eu", "us"]})),
                    filter(json!({"region": ["us"], "method": ["get"]})),
                    filter(json!({"region": ["us"]})),
                    filter(json!({"method": ["__ALL_FILTER_VALUES__"]})),
                    filter(json!({"method": ["post"]}))
                ]
            }]}),
        )
        .await;
        let created_filters = charges_of(&plan)[0]["filters"].as_array().cloned().unwrap_or_default();
        assert_eq!(created_filters.len(), 5);
        let before = app.change_event_codes().await.len();

        // `us` leaves region; `method` loses `post`.
        let response = app
            .put(
                "/api/v1/billable_metrics/api",
                &json!({"billable_metric": {"filters": [
                    {"key": "region", "values": ["eu"]}, {"key": "method", "values": ["get"]}
                ]}}),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);

        let charge = &current_charges(&app, "alpha").await[0];
        let expected = |index: usize, values: Value| {
            filter_json(&created_filters[index], "api", Value::Null, json!({"amount": "1"}), values)
        };
        assert_eq!(
            charge["filters"],
            json!([
                expected(0, json!({"region": ["eu"]})),
                expected(1, json!({"method": ["get"]})),
                expected(3, json!({"method": ["__ALL_FILTER_VALUES__"]}))
            ])
        );
        assert_eq!(
            events_after(&app, before).await,
            [event("billable_metric.updated", "api"), event("plan.updated", "alpha")]
        );

        // Removing every filter of the metric removes every charge filter.
        let response = app.put("/api/v1/billable_metrics/api", &json!({"billable_metric": {"filters": []}})).await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(current_charges(&app, "alpha").await[0]["filters"], json!([]));
    }

    async fn a_metric_update_without_filters_touches_no_plan(app) {
        let metric = create_filtered_metric(&app).await;
        create_plan_coded(&app, "alpha", json!({"charges": [{
            "billable_metric_id": metric["lago_id"], "charge_model": "standard",
            "filters": [{"properties": {"amount": "1"}, "values": {"region": ["us"]}}]
        }]}))
        .await;
        let before = app.change_event_codes().await.len();
        let response = app.put("/api/v1/billable_metrics/api", &json!({"billable_metric": {"name": "Calls"}})).await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(current_charges(&app, "alpha").await[0]["filters"][0]["values"], json!({"region": ["us"]}));
        assert_eq!(events_after(&app, before).await, [event("billable_metric.updated", "api")]);
    }

    async fn deleting_a_tax_removes_it_from_plans_charges_and_commitments(app) {
        create_tax(&app, "vat", 20.0).await;
        let gst = create_tax(&app, "gst", 5.0).await;
        let metric = create_metric(&app, "api", "sum_agg").await;
        let alpha = create_plan_coded(
            &app,
            "alpha",
            json!({
                "tax_codes": ["vat", "gst"],
                "charges": [{"billable_metric_id": metric["lago_id"], "charge_model": "standard", "tax_codes": ["vat"]}],
                "minimum_commitment": {"amount_cents": 100, "tax_codes": ["vat", "gst"]}
            }),
        )
        .await;
        create_plan_coded(&app, "beta", json!({"tax_codes": ["gst"]})).await;
        create_plan_coded(&app, "gamma", json!({"charges": [
            {"billable_metric_id": metric["lago_id"], "charge_model": "standard", "tax_codes": ["vat"]}
        ]}))
        .await;
        let before = app.change_event_codes().await.len();

        assert_eq!(app.delete("/api/v1/taxes/vat").await.status, 200);

        let alpha_charge = &charges_of(&alpha)[0];
        let commitment = &alpha["minimum_commitment"];
        let expected = plan_json(
            &alpha,
            json!({
                "code": "alpha",
                "charges": [charge_json(alpha_charge, &metric, json!({"taxes": []}))],
                "taxes": [gst.clone()],
                "minimum_commitment": commitment_json(commitment, "alpha", 100, Value::Null, json!([gst]))
            }),
        );
        assert_response(&get_plan(&app, "alpha").await, 200, &json!({ "plan": expected }));
        assert_eq!(current_charges(&app, "gamma").await[0]["taxes"], json!([]));
        assert_eq!(
            events_after(&app, before).await,
            [event("tax.deleted", "vat"), event("plan.updated", "alpha"), event("plan.updated", "gamma")]
        );

        // A new tax with the code applies to nothing until it is named again.
        create_tax(&app, "vat", 21.0).await;
        assert_eq!(get_plan(&app, "alpha").await.body["plan"]["taxes"], json!([gst]));
    }
}
