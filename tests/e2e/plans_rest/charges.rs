//! Charge properties through POST /api/v1/plans: every error code of Lago's property validators
//! with its exact `{"properties": [...]}` array, Lago's decimal amounts echoed as sent, default
//! properties per model and slicing to the model's keys.

use serde_json::json;

use super::*;
use crate::support::backend_tests;
use crate::support::conformance::{assert_response, validation_errors};

/// POSTs a plan whose one charge has this model and these properties, on `metric`.
async fn post_charge(app: &TestApp, metric: &Value, charge_model: &str, properties: Value) -> HttpResponse {
    post_plan(
        app,
        startup_with(json!({"charges": [{
            "billable_metric_id": metric["lago_id"], "charge_model": charge_model, "properties": properties
        }]})),
    )
    .await
}

/// Asserts that a charge with these properties is refused with exactly these property codes.
#[track_caller]
fn assert_properties_errors(response: &HttpResponse, codes: &[&str]) {
    assert_response(response, 422, &validation_errors(properties_errors(codes)));
}

/// A price range as Lago takes it.
fn range(from: Value, to: Value, per_unit: Value, flat: Value) -> Value {
    json!({"from_value": from, "to_value": to, "per_unit_amount": per_unit, "flat_amount": flat})
}

backend_tests! {
    async fn standard_amounts_are_decimal_strings_echoed_as_sent(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        for amount in ["15.00", "0", "-0", "1e3", " 1.5 ", "1_000", ".5", "+1", "00012", "0.000000001"] {
            let response = post_charge(&app, &metric, "standard", json!({"amount": amount})).await;
            let charge = charge_json(
                &response.body["plan"]["charges"][0],
                &metric,
                json!({"properties": {"amount": amount}}),
            );
            let plan = plan_json(&response.body["plan"], json!({"charges": [charge]}));
            assert_response(&response, 200, &json!({ "plan": plan }));
            assert_eq!(app.delete("/api/v1/plans/startup").await.status, 200);
        }
        for amount in [
            json!(10),
            json!(1.5),
            json!("-1"),
            json!("abc"),
            json!(""),
            json!("Infinity"),
            json!("NaN"),
            json!("5."),
            json!("0x10"),
            json!("1,5"),
            json!("1.5abc"),
            json!("1__0"),
            json!(null),
            json!(true),
        ] {
            let response = post_charge(&app, &metric, "standard", json!({"amount": amount})).await;
            assert_properties_errors(&response, &["invalid_amount"]);
        }
        assert_eq!(stored_plan_codes(&app).await, Vec::<String>::new());
    }

    async fn package_validators_in_lagos_order(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let response = post_charge(&app, &metric, "package", json!({"amount": 10, "package_size": 0})).await;
        assert_properties_errors(
            &response,
            &["invalid_amount", "invalid_free_units", "invalid_package_size"],
        );
        // package_size and free_units are JSON integers: not strings, not floats.
        for size in [json!("10"), json!(10.0), json!(-1)] {
            let response = post_charge(
                &app,
                &metric,
                "package",
                json!({"amount": "1", "free_units": 0, "package_size": size}),
            )
            .await;
            assert_properties_errors(&response, &["invalid_package_size"]);
        }
        for free_units in [json!(-1), json!("10"), json!(1.5), json!(null)] {
            let response = post_charge(
                &app,
                &metric,
                "package",
                json!({"amount": "1", "free_units": free_units, "package_size": 10}),
            )
            .await;
            assert_properties_errors(&response, &["invalid_free_units"]);
        }
        let properties = json!({"amount": "5", "free_units": 0, "package_size": 1});
        let valid = post_charge(&app, &metric, "package", properties.clone()).await;
        assert_eq!(valid.body["plan"]["charges"][0]["properties"], properties);
    }

    async fn graduated_validators(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let cases = [
            (json!({"graduated_ranges": []}), vec!["missing_graduated_ranges"]),
            (json!({"graduated_ranges": null}), vec!["missing_graduated_ranges"]),
            (json!({"amount": "1"}), vec!["missing_graduated_ranges"]),
            (
                json!({"graduated_ranges": [range(json!(0), json!(null), json!(1), json!("0"))]}),
                vec!["invalid_amount"],
            ),
            // A gap of two, a closed last range, an empty range, and a missing from_value.
            (
                json!({"graduated_ranges": [
                    range(json!(0), json!(10), json!("1"), json!("0")),
                    range(json!(12), json!(null), json!("1"), json!("0"))
                ]}),
                vec!["invalid_graduated_ranges"],
            ),
            (
                json!({"graduated_ranges": [range(json!(0), json!(10), json!("1"), json!("0"))]}),
                vec!["invalid_graduated_ranges"],
            ),
            (
                json!({"graduated_ranges": [
                    range(json!(0), json!(0), json!("1"), json!("0")),
                    range(json!(0), json!(null), json!("1"), json!("0"))
                ]}),
                vec!["invalid_graduated_ranges"],
            ),
            (
                json!({"graduated_ranges": [{"to_value": null, "per_unit_amount": "1", "flat_amount": "0"}]}),
                vec!["invalid_graduated_ranges"],
            ),
            (
                json!({"graduated_ranges": [range(json!(2), json!(null), json!("-1"), json!("0"))]}),
                vec!["invalid_amount", "invalid_graduated_ranges"],
            ),
        ];
        for (properties, codes) in cases {
            let response = post_charge(&app, &metric, "graduated", properties.clone()).await;
            assert_properties_errors(&response, &codes);
        }
        // Adjacent or +1 ranges, the first starting at 0 or 1, decimal bounds: all accepted as sent.
        for ranges in [
            json!([
                range(json!(0), json!(10), json!("1"), json!("0")),
                range(json!(10), json!(null), json!("0.5"), json!("2"))
            ]),
            json!([
                range(json!(1), json!(10), json!("1"), json!("0")),
                range(json!(11), json!(null), json!("0.5"), json!("2"))
            ]),
            json!([
                range(json!(0), json!(0.1), json!("10"), json!("0")),
                range(json!(0.1), json!(null), json!("5"), json!("0"))
            ]),
        ] {
            let response = post_charge(&app, &metric, "graduated", json!({"graduated_ranges": ranges})).await;
            assert_eq!(response.status, 200, "{}", response.body);
            let echoed: Vec<Value> = ranges
                .as_array()
                .expect("ranges")
                .iter()
                .map(|range| {
                    json!({
                        "from_value": range["from_value"], "to_value": range["to_value"],
                        "flat_amount": range["flat_amount"], "per_unit_amount": range["per_unit_amount"]
                    })
                })
                .collect();
            let charge = &response.body["plan"]["charges"][0];
            assert_eq!(charge["properties"].to_string(), json!({"graduated_ranges": echoed}).to_string());
            assert_eq!(app.delete("/api/v1/plans/startup").await.status, 200);
        }
    }

    async fn volume_validators(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let cases = [
            (json!({"volume_ranges": []}), vec!["missing_volume_ranges"]),
            (json!({"rate": "1"}), vec!["missing_volume_ranges"]),
            // Adjacent volume ranges are rejected.
            (
                json!({"volume_ranges": [
                    range(json!(0), json!(100), json!("1"), json!("0")),
                    range(json!(100), json!(null), json!("1"), json!("0"))
                ]}),
                vec!["invalid_volume_ranges"],
            ),
            (
                json!({"volume_ranges": [range(json!(0), json!(null), json!("1"), json!(0))]}),
                vec!["invalid_amount"],
            ),
        ];
        for (properties, codes) in cases {
            let response = post_charge(&app, &metric, "volume", properties).await;
            assert_properties_errors(&response, &codes);
        }
        // A one-unit gap (to + 2) is accepted, as in Lago.
        for from in [101, 102] {
            let ranges = json!([
                range(json!(0), json!(100), json!("1"), json!("0")),
                range(json!(from), json!(null), json!("1"), json!("0"))
            ]);
            let response = post_charge(&app, &metric, "volume", json!({"volume_ranges": ranges})).await;
            assert_eq!(response.status, 200, "{}", response.body);
            assert_eq!(app.delete("/api/v1/plans/startup").await.status, 200);
        }
    }

    async fn graduated_percentage_validators(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let percentage_range = |from: i64, rate: &str, flat: Value| {
            json!({
                "from_value": from, "to_value": null, "rate": rate, "fixed_amount": "0", "flat_amount": flat
            })
        };
        let cases = [
            (json!({"graduated_percentage_ranges": []}), vec!["missing_graduated_percentage_ranges"]),
            // Lago crashes (a 500) without the key; we answer its validator's code.
            (json!({"rate": "1"}), vec!["missing_graduated_percentage_ranges"]),
            (
                json!({"graduated_percentage_ranges": [percentage_range(0, "1", json!(2))]}),
                vec!["invalid_amount"],
            ),
            (
                json!({"graduated_percentage_ranges": [percentage_range(0, "x", json!("0"))]}),
                vec!["invalid_rate"],
            ),
            (
                json!({"graduated_percentage_ranges": [percentage_range(5, "1", json!("0"))]}),
                vec!["invalid_graduated_percentage_ranges"],
            ),
        ];
        for (properties, codes) in cases {
            let response = post_charge(&app, &metric, "graduated_percentage", properties).await;
            assert_properties_errors(&response, &codes);
        }
        let latest = create_metric(&app, "latest", "latest_agg").await;
        let ranges = json!([percentage_range(0, "1", json!("0"))]);
        let response = post_charge(
            &app,
            &latest,
            "graduated_percentage",
            json!({"graduated_percentage_ranges": ranges}),
        )
        .await;
        assert_properties_errors(&response, &["invalid_value"]);
        // graduated_percentage is accepted (premium in Lago; here every licensed field is on).
        let valid = post_charge(
            &app,
            &metric,
            "graduated_percentage",
            json!({"graduated_percentage_ranges": ranges}),
        )
        .await;
        let charge = charge_json(
            &valid.body["plan"]["charges"][0],
            &metric,
            json!({
                "charge_model": "graduated_percentage",
                "properties": {"graduated_percentage_ranges": [
                    {"from_value": 0, "to_value": null, "rate": "1", "fixed_amount": "0", "flat_amount": "0"}
                ]}
            }),
        );
        assert_response(
            &valid,
            200,
            &json!({"plan": plan_json(&valid.body["plan"], json!({"charges": [charge]}))}),
        );
    }

    async fn percentage_validators(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let cases = [
            (json!({"rate": 1}), vec!["invalid_rate"]),
            (json!({"rate": "-1"}), vec!["invalid_rate"]),
            (json!({"rate": "1", "fixed_amount": 1}), vec!["invalid_fixed_amount"]),
            (json!({"rate": "1", "free_units_per_events": 0}), vec!["invalid_free_units_per_events"]),
            (json!({"rate": "1", "free_units_per_events": "5"}), vec!["invalid_free_units_per_events"]),
            (
                json!({"rate": "1", "free_units_per_total_aggregation": "x"}),
                vec!["invalid_free_units_per_total_aggregation"],
            ),
            (json!({"rate": "1", "per_transaction_min_amount": "abc"}), vec!["invalid_amount"]),
            (json!({"rate": "1", "per_transaction_max_amount": 2}), vec!["invalid_amount"]),
            (
                json!({"rate": "1", "per_transaction_min_amount": "3", "per_transaction_max_amount": "2"}),
                vec!["per_transaction_max_lower_than_per_transaction_min"],
            ),
            (
                json!({"fixed_amount": "x", "free_units_per_events": -1,
                    "free_units_per_total_aggregation": 5}),
                vec![
                    "invalid_rate",
                    "invalid_fixed_amount",
                    "invalid_free_units_per_events",
                    "invalid_free_units_per_total_aggregation",
                ],
            ),
        ];
        for (properties, codes) in cases {
            let response = post_charge(&app, &metric, "percentage", properties).await;
            assert_properties_errors(&response, &codes);
        }
        let latest = create_metric(&app, "latest", "latest_agg").await;
        let response = post_charge(&app, &latest, "percentage", json!({"rate": "1"})).await;
        assert_properties_errors(&response, &["invalid_value"]);
        // A rate has no upper bound; the properties come back in Lago's order.
        let valid = post_charge(
            &app,
            &metric,
            "percentage",
            json!({
                "per_transaction_min_amount": "1.75", "per_transaction_max_amount": "2", "rate": "150",
                "free_units_per_total_aggregation": "500", "free_units_per_events": 5, "fixed_amount": "0.5"
            }),
        )
        .await;
        let properties = json!({
            "rate": "150", "fixed_amount": "0.5", "free_units_per_events": 5,
            "free_units_per_total_aggregation": "500",
            "per_transaction_max_amount": "2", "per_transaction_min_amount": "1.75"
        });
        assert_eq!(valid.status, 200, "{}", valid.body);
        assert_eq!(valid.body["plan"]["charges"][0]["properties"].to_string(), properties.to_string());
    }

    async fn grouping_keys_are_validated_and_echoed(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let cases = [
            (json!({"amount": "1", "pricing_group_keys": [""]}), vec!["invalid_type"]),
            (json!({"amount": "1", "pricing_group_keys": "region"}), vec!["invalid_type"]),
            (json!({"amount": "1", "grouped_by": [""]}), vec!["invalid_type"]),
            (json!({"amount": "1", "presentation_group_keys": [{"value": ""}]}), vec!["invalid_type"]),
            (
                json!({"amount": "1", "presentation_group_keys": [{"value": "a", "other": 1}]}),
                vec!["invalid_type"],
            ),
            (
                json!({"amount": "1", "presentation_group_keys": [{"value": "a",
                    "options": {"display_in_invoice": "yes"}}]}),
                vec!["invalid_type"],
            ),
            (
                json!({"amount": "1", "presentation_group_keys": [{"value": "a"}, {"value": "b"},
                    {"value": "c"}]}),
                vec!["too_many_keys"],
            ),
            (
                json!({"amount": "1", "presentation_group_keys": [{"value": "a"}, {"value": "a"}]}),
                vec!["value_is_duplicated"],
            ),
            (json!({"amount": 1, "pricing_group_keys": [""]}), vec!["invalid_amount", "invalid_type"]),
        ];
        for (properties, codes) in cases {
            let response = post_charge(&app, &metric, "standard", properties).await;
            assert_properties_errors(&response, &codes);
        }
        // Legacy `grouped_by` is renamed; presentation keys keep their options.
        let valid = post_charge(
            &app,
            &metric,
            "standard",
            json!({
                "grouped_by": ["region"], "amount": "1",
                "presentation_group_keys": [{"value": "region", "options": {"display_in_invoice": true}},
                {"value": "country"}]
            }),
        )
        .await;
        let properties = json!({
            "amount": "1", "pricing_group_keys": ["region"],
            "presentation_group_keys": [{"value": "region", "options": {"display_in_invoice": true}},
            {"value": "country"}]
        });
        assert_eq!(valid.status, 200, "{}", valid.body);
        assert_eq!(valid.body["plan"]["charges"][0]["properties"].to_string(), properties.to_string());
    }

    async fn absent_or_empty_properties_take_the_models_defaults(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let open_range =
            json!([{"from_value": 0, "to_value": null, "flat_amount": "0", "per_unit_amount": "0"}]);
        let defaults = [
            ("standard", json!({"amount": "0"})),
            ("graduated", json!({"graduated_ranges": open_range})),
            ("volume", json!({"volume_ranges": open_range})),
            ("package", json!({"amount": "0", "free_units": 0, "package_size": 1})),
            ("percentage", json!({"rate": "0"})),
            (
                "graduated_percentage",
                json!({"graduated_percentage_ranges": [
                    {"from_value": 0, "to_value": null, "rate": "0", "fixed_amount": "0", "flat_amount": "0"}
                ]}),
            ),
            ("dynamic", json!({})),
        ];
        for (charge_model, properties) in defaults {
            for given in [None, Some(json!({})), Some(json!(null))] {
                let mut charge =
                    json!({"billable_metric_id": metric["lago_id"], "charge_model": charge_model});
                if let Some(given) = given {
                    charge["properties"] = given;
                }
                let response = post_plan(&app, startup_with(json!({"charges": [charge]}))).await;
                let expected = charge_json(
                    &response.body["plan"]["charges"][0],
                    &metric,
                    json!({
                        "charge_model": charge_model, "properties": properties
                    }),
                );
                let plan = plan_json(&response.body["plan"], json!({"charges": [expected]}));
                assert_response(&response, 200, &json!({ "plan": plan }));
                assert_eq!(app.delete("/api/v1/plans/startup").await.status, 200);
            }
        }
    }

    async fn keys_of_other_models_are_dropped(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let mixed = json!({
            "amount": "5", "rate": "1", "free_units": 3, "package_size": 10, "graduated_ranges": [],
            "unknown": "x",
            "fixed_amount": "1", "volume_ranges": []
        });
        let sliced = [
            ("standard", json!({"amount": "5"})),
            ("package", json!({"amount": "5", "free_units": 3, "package_size": 10})),
            ("percentage", json!({"rate": "1", "fixed_amount": "1"})),
        ];
        for (charge_model, properties) in sliced {
            let response = post_charge(&app, &metric, charge_model, mixed.clone()).await;
            let charge = charge_json(
                &response.body["plan"]["charges"][0],
                &metric,
                json!({
                    "charge_model": charge_model, "properties": properties
                }),
            );
            assert_response(
                &response,
                200,
                &json!({"plan": plan_json(&response.body["plan"], json!({"charges": [charge]}))}),
            );
            assert_eq!(app.delete("/api/v1/plans/startup").await.status, 200);
        }
        // Properties carrying only another model's keys are sliced to nothing, then fail.
        let response = post_charge(&app, &metric, "standard", json!({"rate": "1"})).await;
        assert_properties_errors(&response, &["invalid_amount"]);
        let response = post_charge(&app, &metric, "package", json!({"rate": "1"})).await;
        assert_properties_errors(
            &response,
            &["invalid_amount", "invalid_free_units", "invalid_package_size"],
        );
        let response = post_charge(&app, &metric, "percentage", json!({"amount": "1"})).await;
        assert_properties_errors(&response, &["invalid_rate"]);
        // A dynamic charge keeps only the grouping keys.
        let dynamic =
            post_charge(&app, &metric, "dynamic", json!({"amount": "5", "pricing_group_keys": ["region"]}))
                .await;
        assert_eq!(dynamic.status, 200, "{}", dynamic.body);
        assert_eq!(
            dynamic.body["plan"]["charges"][0]["properties"],
            json!({"pricing_group_keys": ["region"]})
        );
    }
}
