//! Charge-level rules through POST /api/v1/plans (Lago's `Charge` model and create service):
//! timing, proration, invoicing, minimum amounts, models that need a kind of metric, codes (given,
//! duplicated, generated), metric references, charge taxes, and charge filters checked against
//! the metric's filters.

use serde_json::json;

use super::*;
use crate::support::conformance::{assert_response, validation_errors};
use crate::support::{backend_tests, not_found};

/// A standard charge on `metric` priced "1", with `changes`.
fn charge_on(metric: &Value, changes: Value) -> Value {
    let charge = json!({
        "billable_metric_id": metric["lago_id"], "charge_model": "standard", "properties": {"amount": "1"}
    });
    with(charge, changes)
}

/// POSTs the startup plan with these charges.
async fn post_charges(app: &TestApp, charges: Value) -> HttpResponse {
    post_plan(app, startup_with(json!({ "charges": charges }))).await
}

/// Asserts a 422 with these details and that no plan was left behind.
async fn assert_refused(app: &TestApp, response: &HttpResponse, details: Value) {
    assert_response(response, 422, &validation_errors(details));
    assert_eq!(stored_plan_codes(app).await, Vec::<String>::new());
}

backend_tests! {
    async fn pay_in_advance_needs_a_fitting_model_and_metric(app) {
        let sum = create_metric(&app, "sum", "sum_agg").await;
        let response = post_charges(&app, json!([charge_on(&sum, json!({
            "charge_model": "volume", "pay_in_advance": true,
            "properties": {"volume_ranges": [{"from_value": 0, "to_value": null, "per_unit_amount": "1",
            "flat_amount": "0"}]}
        }))])).await;
        assert_refused(
            &app,
            &response,
            json!({"pay_in_advance": ["invalid_aggregation_type_or_charge_model"]}),
        )
        .await;
        for aggregation in ["max_agg", "latest_agg", "weighted_sum_agg"] {
            let mut metric = json!({"name": aggregation, "code": aggregation, "aggregation_type": aggregation,
                "field_name": "v"});
            if aggregation == "weighted_sum_agg" {
                metric["weighted_interval"] = json!("seconds");
            }
            let metric = create_metric_with(&app, metric).await;
            let response =
                post_charges(&app, json!([charge_on(&metric, json!({"pay_in_advance": true}))])).await;
            assert_refused(
                &app,
                &response,
                json!({"pay_in_advance": ["invalid_aggregation_type_or_charge_model"]}),
            )
            .await;
        }
        for aggregation in ["count_agg", "sum_agg", "unique_count_agg"] {
            let metric = create_metric(&app, &format!("in_advance_{aggregation}"), aggregation).await;
            let response =
                post_charges(&app, json!([charge_on(&metric, json!({"pay_in_advance": true}))])).await;
            let charge = charge_json(
                &response.body["plan"]["charges"][0],
                &metric,
                json!({
                    "pay_in_advance": true, "properties": {"amount": "1"}
                }),
            );
            assert_response(
                &response,
                200,
                &json!({"plan": plan_json(&response.body["plan"], json!({"charges": [charge]}))}),
            );
            assert_eq!(app.delete("/api/v1/plans/startup").await.status, 200);
        }
    }

    async fn prorated_needs_a_recurring_metric_and_a_fitting_model(app) {
        let once = create_metric(&app, "once", "sum_agg").await;
        let recurring = create_metric_with(
            &app,
            json!({
                "name": "Seats", "code": "seats", "aggregation_type": "unique_count_agg", "field_name": "id",
                "recurring": true
            }),
        )
        .await;
        let weighted = create_metric_with(&app, json!({
            "name": "Storage", "code": "storage", "aggregation_type": "weighted_sum_agg", "field_name": "gb",
            "recurring": true, "weighted_interval": "seconds"
        })).await;
        let refused = [
            charge_on(&once, json!({"prorated": true})),
            charge_on(&weighted, json!({"prorated": true})),
            charge_on(
                &recurring,
                json!({
                    "prorated": true, "charge_model": "package",
                    "properties": {"amount": "1", "free_units": 0, "package_size": 1}
                }),
            ),
            charge_on(
                &recurring,
                json!({
                    "prorated": true, "pay_in_advance": true, "charge_model": "graduated", "properties": {}
                }),
            ),
        ];
        for charge in refused {
            let response = post_charges(&app, json!([charge])).await;
            assert_refused(&app, &response, json!({"prorated": ["invalid_billable_metric_or_charge_model"]}))
                .await;
        }
        let accepted = [
            (json!({"prorated": true}), "standard"),
            (json!({"prorated": true, "pay_in_advance": true}), "standard"),
            (json!({"prorated": true, "charge_model": "volume", "properties": {}}), "volume"),
            (json!({"prorated": true, "charge_model": "graduated", "properties": {}}), "graduated"),
        ];
        for (changes, charge_model) in accepted {
            let response = post_charges(&app, json!([charge_on(&recurring, changes)])).await;
            assert_eq!(response.status, 200, "{}", response.body);
            let charge = &response.body["plan"]["charges"][0];
            assert_eq!((&charge["prorated"], &charge["charge_model"]), (&json!(true), &json!(charge_model)));
            assert_eq!(app.delete("/api/v1/plans/startup").await.status, 200);
        }
    }

    async fn invoiceable_regroup_paid_fees_and_min_amount_cents(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let cases = [
            (json!({"invoiceable": false}), json!({"invoiceable": ["must_be_true_unless_pay_in_advance"]})),
            (
                json!({"regroup_paid_fees": "invoice"}),
                json!({"regroup_paid_fees": ["only_compatible_with_pay_in_advance_and_non_invoiceable"]}),
            ),
            (
                json!({"regroup_paid_fees": "invoice", "pay_in_advance": true}),
                json!({"regroup_paid_fees": ["only_compatible_with_pay_in_advance_and_non_invoiceable"]}),
            ),
            // Lago's enum raises (a 500) on an unknown value; we answer value_is_invalid.
            (
                json!({"regroup_paid_fees": "weekly", "pay_in_advance": true, "invoiceable": false}),
                json!({"regroup_paid_fees": ["value_is_invalid"]}),
            ),
            (json!({"min_amount_cents": -1}), json!({"min_amount_cents": ["value_is_out_of_range"]})),
            (
                json!({"min_amount_cents": 100, "pay_in_advance": true}),
                json!({"min_amount_cents": ["not_compatible_with_pay_in_advance"]}),
            ),
        ];
        for (changes, details) in cases {
            let response = post_charges(&app, json!([charge_on(&metric, changes)])).await;
            assert_refused(&app, &response, details).await;
        }
        // Premium fields (ignored by Lago without a licence) are kept and echoed.
        let response = post_charges(
            &app,
            json!([
                charge_on(
                    &metric,
                    json!({"pay_in_advance": true, "invoiceable": false, "regroup_paid_fees": "invoice"})
                ),
                charge_on(
                    &metric,
                    json!({"code": "minimum", "min_amount_cents": 100, "invoice_display_name": "Minimum"})
                )
            ]),
        )
        .await;
        let answered = &response.body["plan"];
        let in_advance = charge_json(
            &answered["charges"][0],
            &metric,
            json!({
                "invoiceable": false, "regroup_paid_fees": "invoice", "pay_in_advance": true,
                "properties": {"amount": "1"}
            }),
        );
        let minimum = charge_json(
            &answered["charges"][1],
            &metric,
            json!({
                "code": "minimum", "invoice_display_name": "Minimum", "min_amount_cents": 100,
                "properties": {"amount": "1"}
            }),
        );
        assert_response(
            &response,
            200,
            &json!({"plan": plan_json(answered, json!({"charges": [in_advance, minimum]}))}),
        );
    }

    async fn errors_of_one_charge_come_in_lagos_order(app) {
        let latest = create_metric(&app, "latest", "latest_agg").await;
        let response = post_charges(
            &app,
            json!([charge_on(
                &latest,
                json!({
                    "charge_model": "percentage", "properties": {"rate": "x"}, "min_amount_cents": 5,
                    "pay_in_advance": true, "prorated": true, "regroup_paid_fees": "invoice",
                    "invoiceable": true
                })
            )]),
        )
        .await;
        assert_refused(
            &app,
            &response,
            json!({
                "properties": ["invalid_value", "invalid_rate"],
                "pay_in_advance": ["invalid_aggregation_type_or_charge_model"],
                "regroup_paid_fees": ["only_compatible_with_pay_in_advance_and_non_invoiceable"],
                "prorated": ["invalid_billable_metric_or_charge_model"],
                "min_amount_cents": ["not_compatible_with_pay_in_advance"]
            }),
        )
        .await;
        let response = post_charges(
            &app,
            json!([charge_on(
                &latest,
                json!({
                    "properties": {"amount": 1}, "min_amount_cents": -1, "invoiceable": false
                })
            )]),
        )
        .await;
        assert_refused(
            &app,
            &response,
            json!({
                "properties": ["invalid_amount"], "min_amount_cents": ["value_is_out_of_range"],
                "invoiceable": ["must_be_true_unless_pay_in_advance"]
            }),
        )
        .await;
    }

    async fn models_that_need_a_kind_of_metric(app) {
        let count = create_metric(&app, "count", "count_agg").await;
        let sum = create_metric(&app, "sum", "sum_agg").await;
        for charge_model in ["dynamic", "custom"] {
            let response = post_charges(
                &app,
                json!([charge_on(&count, json!({"charge_model": charge_model, "properties": {}}))]),
            )
            .await;
            assert_refused(
                &app,
                &response,
                json!({"charge_model": ["invalid_aggregation_type_or_charge_model"]}),
            )
            .await;
        }
        // Custom pricing needs a custom_agg metric, which Lago's API cannot create: a sum is refused.
        let response =
            post_charges(&app, json!([charge_on(&sum, json!({"charge_model": "custom", "properties": {}}))]))
                .await;
        assert_refused(
            &app,
            &response,
            json!({"charge_model": ["invalid_aggregation_type_or_charge_model"]}),
        )
        .await;
        let response = post_charges(
            &app,
            json!([charge_on(&sum, json!({"charge_model": "dynamic", "properties": {}}))]),
        )
        .await;
        let charge = charge_json(
            &response.body["plan"]["charges"][0],
            &sum,
            json!({"charge_model": "dynamic", "properties": {}}),
        );
        assert_response(
            &response,
            200,
            &json!({"plan": plan_json(&response.body["plan"], json!({"charges": [charge]}))}),
        );
    }

    async fn unknown_charge_models_are_value_is_invalid(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        for charge_model in [json!("foo"), json!("STANDARD"), json!(3)] {
            let response =
                post_charges(&app, json!([charge_on(&metric, json!({"charge_model": charge_model}))])).await;
            assert_refused(&app, &response, json!({"charge_model": ["value_is_invalid"]})).await;
        }
    }

    async fn duplicate_codes_are_value_already_exist(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let response = post_charges(
            &app,
            json!([
                charge_on(&metric, json!({"code": "calls"})),
                charge_on(&metric, json!({"code": "calls"}))
            ]),
        )
        .await;
        assert_refused(&app, &response, json!({"code": ["value_already_exist"]})).await;
        // A code given after the same code was generated.
        let response = post_charges(
            &app,
            json!([charge_on(&metric, json!({})), charge_on(&metric, json!({"code": "api"}))]),
        )
        .await;
        assert_refused(&app, &response, json!({"code": ["value_already_exist"]})).await;
        // Codes are unique per plan: two plans may use the same one.
        create_plan(&app, startup_with(json!({"charges": [charge_on(&metric, json!({"code": "calls"}))]})))
            .await;
        let second = create_plan(
            &app,
            startup_with(
                json!({"code": "second", "charges": [charge_on(&metric, json!({"code": "calls"}))]}),
            ),
        )
        .await;
        assert_eq!(second["charges"][0]["code"], "calls");
    }

    async fn codes_are_generated_from_the_metric_code(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let plan = create_plan(
            &app,
            startup_with(json!({"charges": [
                charge_on(&metric, json!({})), charge_on(&metric, json!({"code": ""})), charge_on(&metric,
                    json!({"code": null}))
            ]})),
        )
        .await;
        let codes: Vec<Value> = charges_of(&plan).iter().map(|charge| charge["code"].clone()).collect();
        assert_eq!(codes, [json!("api"), json!("api_2"), json!("api_3")]);
        // The suffix continues from the highest one in use.
        let plan = create_plan(&app, startup_with(json!({"code": "suffixes", "charges": [
            charge_on(&metric, json!({"code": "api_7"})), charge_on(&metric, json!({})), charge_on(&metric,
                json!({}))
        ]}))).await;
        let codes: Vec<Value> = charges_of(&plan).iter().map(|charge| charge["code"].clone()).collect();
        assert_eq!(codes, [json!("api_7"), json!("api"), json!("api_8")]);
    }

    async fn billable_metric_id_wins_over_billable_metric_code(app) {
        let api = create_metric(&app, "api", "sum_agg").await;
        create_metric(&app, "other", "sum_agg").await;
        let response = post_charges(&app, json!([{
            "billable_metric_id": api["lago_id"], "billable_metric_code": "other", "charge_model": "standard"
        }])).await;
        let charge = charge_json(&response.body["plan"]["charges"][0], &api, json!({}));
        assert_response(
            &response,
            200,
            &json!({"plan": plan_json(&response.body["plan"], json!({"charges": [charge]}))}),
        );
        // An id that is not this organization's fails even when the code would resolve.
        let response = post_plan(
            &app,
            startup_with(json!({"code": "wrong_id", "charges": [{
                "billable_metric_id": uuid::Uuid::new_v4(), "billable_metric_code": "api",
                "charge_model": "standard"
            }]})),
        )
        .await;
        assert_response(&response, 404, &not_found("billable_metrics_not_found"));
    }

    async fn charges_carry_their_own_taxes(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let vat = create_tax(&app, "vat_20", 20.0).await;
        let reduced = create_tax(&app, "vat_5", 5.5).await;
        let response = post_plan(
            &app,
            startup_with(json!({"tax_codes": ["vat_5"], "charges": [
                charge_on(&metric, json!({"tax_codes": ["vat_20", "vat_5", "vat_20"]})),
                charge_on(&metric, json!({"tax_codes": []}))
            ]})),
        )
        .await;
        let answered = &response.body["plan"];
        let taxed = charge_json(
            &answered["charges"][0],
            &metric,
            json!({"properties": {"amount": "1"}, "taxes": [vat, reduced]}),
        );
        let untaxed = charge_json(
            &answered["charges"][1],
            &metric,
            json!({"code": "api_2", "properties": {"amount": "1"}}),
        );
        let plan = plan_json(answered, json!({"charges": [taxed, untaxed], "taxes": [reduced]}));
        assert_response(&response, 200, &json!({ "plan": plan }));
        assert_response(&get_plan(&app, "startup").await, 200, &json!({ "plan": plan }));
    }

    async fn charge_filters_are_echoed_in_order(app) {
        let metric = create_filtered_metric(&app).await;
        let response = post_charges(&app, json!([charge_on(&metric, json!({"filters": [
            {"invoice_display_name": "Europe", "properties": {"amount": "5", "rate": "1",
                "presentation_group_keys": [{"value": "region"}]}, "values": {"region": ["eu"]}},
            {"properties": {"amount": "0.5"}, "values": {"region": ["__ALL_FILTER_VALUES__"],
            "method": ["get", "post"]}},
            {"invoice_display_name": null, "properties": {"amount": "2"}, "values": {"method": ["post"]}}
        ]}))])).await;
        let answered = &response.body["plan"]["charges"][0];
        let filters = [
            filter_json(
                &answered["filters"][0],
                "api",
                json!("Europe"),
                json!({"amount": "5"}),
                json!({"region": ["eu"]}),
            ),
            filter_json(
                &answered["filters"][1],
                "api",
                json!(null),
                json!({"amount": "0.5"}),
                json!({"region": ["__ALL_FILTER_VALUES__"], "method": ["get", "post"]}),
            ),
            filter_json(
                &answered["filters"][2],
                "api",
                json!(null),
                json!({"amount": "2"}),
                json!({"method": ["post"]}),
            ),
        ];
        let charge =
            charge_json(answered, &metric, json!({"properties": {"amount": "1"}, "filters": filters}));
        let plan = plan_json(&response.body["plan"], json!({"charges": [charge]}));
        assert_response(&response, 200, &json!({ "plan": plan }));
        assert_response(&get_plan(&app, "startup").await, 200, &json!({ "plan": plan }));
    }

    async fn charge_filters_are_checked_against_the_metric(app) {
        let metric = create_filtered_metric(&app).await;
        let filter = |values: Value| {
            json!([charge_on(
                &metric,
                json!({"filters": [{"properties": {"amount": "1"}, "values": values}]})
            )])
        };
        let cases = [
            (filter(json!({})), json!({"values": ["value_is_mandatory"]})),
            (filter(json!(null)), json!({"values": ["value_is_mandatory"]})),
            (filter(json!({"region": []})), json!({"values": ["value_is_mandatory"]})),
            (filter(json!({"region": ["asia"]})), json!({"values": ["value_is_invalid"]})),
            (filter(json!({"region": ["eu", "asia"]})), json!({"values": ["value_is_invalid"]})),
            (
                filter(json!({"country": ["fr"]})),
                json!({"billable_metric_filter": ["relation_must_exist"], "values": ["value_is_invalid"]}),
            ),
            (
                filter(json!({"country": ["__ALL_FILTER_VALUES__"]})),
                json!({"billable_metric_filter": ["relation_must_exist"]}),
            ),
            (filter(json!({"region": ["eu"], "method": ["put"]})), json!({"values": ["value_is_invalid"]})),
            // The filter's properties are validated (and saved) before its values.
            (
                json!([charge_on(
                    &metric,
                    json!({"filters": [{"properties": {"amount": 5}, "values": {"region": ["asia"]}}]})
                )]),
                json!({"properties": ["invalid_amount"]}),
            ),
            // Unlike a charge's, a filter's properties get no defaults.
            (
                json!([charge_on(&metric, json!({"filters": [{"values": {"region": ["eu"]}}]}))]),
                json!({"properties": ["invalid_amount"]}),
            ),
            (
                json!([charge_on(
                    &metric,
                    json!({"charge_model": "graduated", "properties": {},
                "filters": [{"properties": {}, "values": {"region": ["eu"]}}]})
                )]),
                json!({"properties": ["missing_graduated_ranges"]}),
            ),
        ];
        for (charges, details) in cases {
            let response = post_charges(&app, charges).await;
            assert_refused(&app, &response, details).await;
        }
        // Filters need a metric with filters.
        let plain = create_metric(&app, "plain", "sum_agg").await;
        let response = post_charges(
            &app,
            json!([charge_on(
                &plain,
                json!({"filters": [
                    {"properties": {"amount": "1"}, "values": {"region": ["eu"]}}
                ]})
            )]),
        )
        .await;
        assert_refused(
            &app,
            &response,
            json!({"billable_metric_filter": ["relation_must_exist"], "values": ["value_is_invalid"]}),
        )
        .await;
    }
}
