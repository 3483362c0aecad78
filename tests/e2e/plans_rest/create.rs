//! POST /api/v1/plans: the create scenarios of Lago's `plans_controller_spec.rb`, and the plan
//! attribute rules of its request body and create service, errors in Lago's order.

use reqwest::Method;
use serde_json::json;

use super::*;
use crate::support::conformance::{assert_response, event, missing_param, validation_errors};
use crate::support::{OTHER_API_KEY, backend_tests, not_found, unauthorized};

backend_tests! {
    async fn create_with_the_full_payload_returns_lagos_plan_object(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let vat = create_tax(&app, "vat_20", 20.0).await;
        let response = post_plan(&app, json!({
            "name": "Weekly", "invoice_display_name": "Weekly plan", "code": "weekly", "interval": "weekly",
            "description": "A weekly plan", "amount_cents": 100, "amount_currency": "EUR", "trial_period": 1,
            "pay_in_advance": false, "tax_codes": ["vat_20"],
            "charges": [{
                "billable_metric_id": metric["lago_id"], "code": "charge_code", "charge_model": "standard",
                "pay_in_advance": true, "invoiceable": false, "regroup_paid_fees": "invoice",
                "accepts_target_wallet": true,
                "applied_pricing_unit": {"code": "credits", "conversion_rate": "1.25"},
                "properties": {"amount": "0.22"}, "tax_codes": ["vat_20"]
            }],
            "fixed_charges": [
                {"add_on_id": "unknown", "charge_model": "standard", "properties": {"amount": "10"}}
            ],
            "minimum_commitment": {
                "amount_cents": 1000, "invoice_display_name": "Minimum", "tax_codes": ["vat_20"]
            },
            "usage_thresholds": [
                {"amount_cents": 100, "threshold_display_name": "Threshold 1", "recurring": false}
            ],
            "metadata": {"foo": "bar", "baz": null}
        })).await;
        let answered = &response.body["plan"];
        let charge = charge_json(
            &answered["charges"][0],
            &metric,
            json!({
                "code": "charge_code", "invoiceable": false, "regroup_paid_fees": "invoice",
                "pay_in_advance": true, "properties": {"amount": "0.22"}, "taxes": [vat]
            }),
        );
        let (threshold, applicable) =
            threshold_json(&answered["usage_thresholds"][0], 100, json!("Threshold 1"), false);
        let commitment = with(
            commitment_json(&answered["minimum_commitment"], "weekly", 1000, json!("Minimum"), json!([vat])),
            json!({"interval": "weekly"}),
        );
        let plan = plan_json(
            answered,
            json!({
                "name": "Weekly", "invoice_display_name": "Weekly plan", "code": "weekly",
                "interval": "weekly", "description": "A weekly plan", "amount_cents": 100,
                "amount_currency": "EUR", "trial_period": 1.0, "pay_in_advance": false,
                "charges": [charge], "usage_thresholds": [threshold],
                "applicable_usage_thresholds": [applicable], "taxes": [vat], "minimum_commitment": commitment,
                "metadata": {"foo": "bar", "baz": null}
            }),
        );
        assert_response(&response, 200, &json!({ "plan": plan }));
        // The trial period is a float, as Lago's column.
        assert!(response.body.to_string().contains(r#""trial_period":1.0"#));
        assert_response(&get_plan(&app, "weekly").await, 200, &json!({ "plan": plan }));
        assert_eq!(stored_plan_codes(&app).await, ["weekly"]);
        assert_eq!(
            app.change_event_codes().await,
            [
                event("billable_metric.created", "api"),
                event("tax.created", "vat_20"),
                event("plan.created", "weekly")
            ]
        );
    }

    async fn create_without_charges_has_empty_lists_and_no_metadata(app) {
        let response = post_plan(&app, startup_input()).await;
        let plan = plan_json(&response.body["plan"], json!({}));
        assert_response(&response, 200, &json!({ "plan": plan }));
        let explicit = post_plan(&app, startup_with(json!({
            "code": "explicit", "charges": [], "fixed_charges": [], "tax_codes": [], "usage_thresholds": []
        }))).await;
        let plan = plan_json(&explicit.body["plan"], json!({"code": "explicit"}));
        assert_response(&explicit, 200, &json!({ "plan": plan }));
    }

    async fn create_with_graduated_charges(app) {
        let metric = create_metric(&app, "seats", "count_agg").await;
        let ranges = json!([
            {"from_value": 0, "to_value": 1, "flat_amount": "0", "per_unit_amount": "0"},
            {"from_value": 2, "to_value": null, "flat_amount": "0", "per_unit_amount": "3200"}
        ]);
        let response = post_plan(
            &app,
            startup_with(json!({"charges": [{
                "billable_metric_id": metric["lago_id"], "charge_model": "graduated",
                "properties": {"graduated_ranges": ranges}
            }]})),
        )
        .await;
        let charge = charge_json(
            &response.body["plan"]["charges"][0],
            &metric,
            json!({
                "charge_model": "graduated", "properties": {"graduated_ranges": ranges}
            }),
        );
        let plan = plan_json(&response.body["plan"], json!({"charges": [charge]}));
        assert_response(&response, 200, &json!({ "plan": plan }));
    }

    async fn metadata_is_echoed_empty_or_absent(app) {
        let given = post_plan(&app, startup_with(json!({"metadata": {"foo": "bar", "baz": "qux"}}))).await;
        let plan = plan_json(&given.body["plan"], json!({"metadata": {"foo": "bar", "baz": "qux"}}));
        assert_response(&given, 200, &json!({ "plan": plan }));
        let empty = post_plan(&app, startup_with(json!({"code": "empty", "metadata": {}}))).await;
        let plan = plan_json(&empty.body["plan"], json!({"code": "empty", "metadata": {}}));
        assert_response(&empty, 200, &json!({ "plan": plan }));
        // Without metadata (or with null) the key is absent.
        let null = post_plan(&app, startup_with(json!({"code": "null", "metadata": null}))).await;
        let plan = plan_json(&null.body["plan"], json!({"code": "null"}));
        assert_response(&null, 200, &json!({ "plan": plan }));
    }

    async fn metadata_limits_are_validated(app) {
        let too_many: Map<String, Value> = (0..51).map(|index| (format!("k{index}"), json!("v"))).collect();
        let response = post_plan(&app, startup_with(json!({"metadata": too_many}))).await;
        assert_response(&response, 422, &validation_errors(json!({"metadata": ["too_many_keys"]})));
        let long_value = post_plan(&app, startup_with(json!({"metadata": {"k": "v".repeat(256)}}))).await;
        assert_response(&long_value, 422, &validation_errors(json!({"metadata": ["value_is_too_long"]})));
        let long_key = post_plan(&app, startup_with(json!({"metadata": {"k".repeat(101): "v"}}))).await;
        assert_response(&long_key, 422, &validation_errors(json!({"metadata": ["value_is_too_long"]})));
        assert_eq!(stored_plan_codes(&app).await, Vec::<String>::new());
    }

    async fn required_fields_are_reported_in_lagos_order(app) {
        let response = post_plan(&app, json!({"description": "nothing else"})).await;
        assert_response(
            &response,
            422,
            &validation_errors(json!({
                "name": ["value_is_mandatory"], "code": ["value_is_mandatory"],
                "interval": ["value_is_invalid"], "amount_cents": ["value_is_mandatory"],
                "amount_currency": ["value_is_invalid"],
                "pay_in_advance": ["value_is_invalid"]
            })),
        );
        assert_eq!(stored_plan_codes(&app).await, Vec::<String>::new());
        assert_eq!(app.change_event_codes().await, []);
    }

    async fn interval_null_or_unknown_is_value_is_invalid(app) {
        for interval in [json!(null), json!("daily"), json!(1)] {
            let response = post_plan(&app, startup_with(json!({"interval": interval}))).await;
            assert_response(&response, 422, &validation_errors(json!({"interval": ["value_is_invalid"]})));
        }
        for interval in ["weekly", "monthly", "yearly", "quarterly", "semiannual"] {
            let plan = create_plan(&app, startup_with(json!({"code": interval, "interval": interval}))).await;
            assert_eq!(plan["interval"], interval);
        }
    }

    async fn currency_must_be_in_lagos_list_in_upper_case(app) {
        for currency in [json!("usd"), json!("XXX"), json!(null), json!(840)] {
            let response = post_plan(&app, startup_with(json!({"amount_currency": currency}))).await;
            assert_response(
                &response,
                422,
                &validation_errors(json!({"amount_currency": ["value_is_invalid"]})),
            );
        }
        let plan = create_plan(&app, startup_with(json!({"amount_currency": "ZMW"}))).await;
        assert_eq!(plan["amount_currency"], "ZMW");
    }

    async fn pay_in_advance_is_required_on_create(app) {
        let response = post_plan(&app, without(startup_input(), "pay_in_advance")).await;
        assert_response(&response, 422, &validation_errors(json!({"pay_in_advance": ["value_is_invalid"]})));
        let null = post_plan(&app, startup_with(json!({"pay_in_advance": null}))).await;
        assert_response(&null, 422, &validation_errors(json!({"pay_in_advance": ["value_is_invalid"]})));
        let amount = post_plan(&app, without(startup_input(), "amount_cents")).await;
        assert_response(&amount, 422, &validation_errors(json!({"amount_cents": ["value_is_mandatory"]})));
    }

    async fn a_taken_code_is_value_already_exist_per_organization(app) {
        let plan = create_plan(&app, startup_input()).await;
        let response = post_plan(&app, startup_with(json!({"name": ""}))).await;
        assert_response(
            &response,
            422,
            &validation_errors(json!({
                "name": ["value_is_mandatory"], "code": ["value_already_exist"]
            })),
        );
        assert_response(&get_plan(&app, "startup").await, 200, &json!({ "plan": plan }));
        let other = app
            .send_as(
                Some(OTHER_API_KEY),
                Method::POST,
                "/api/v1/plans",
                Some(&json!({"plan": startup_input()})),
            )
            .await;
        assert_eq!(other.status, 200, "{}", other.body);
        assert_eq!(app.change_event_codes().await, [event("plan.created", "startup")]);
    }

    async fn monthly_billing_flags_only_for_yearly_and_semiannual(app) {
        let flags = json!({"bill_charges_monthly": true, "bill_fixed_charges_monthly": true});
        let monthly = create_plan(&app, with(startup_input(), flags.clone())).await;
        assert_eq!(
            (&monthly["bill_charges_monthly"], &monthly["bill_fixed_charges_monthly"]),
            (&json!(null), &json!(null))
        );
        for interval in ["yearly", "semiannual"] {
            let flagged = create_plan(
                &app,
                with(startup_with(json!({"code": interval, "interval": interval})), flags.clone()),
            )
            .await;
            assert_eq!(
                flagged,
                plan_json(
                    &flagged,
                    json!({
                        "code": interval, "interval": interval, "bill_charges_monthly": true,
                        "bill_fixed_charges_monthly": true
                    })
                )
            );
            let code = format!("{interval}_default");
            let default = create_plan(&app, startup_with(json!({"code": code, "interval": interval}))).await;
            assert_eq!(
                default,
                plan_json(
                    &default,
                    json!({
                        "code": code, "interval": interval, "bill_charges_monthly": false,
                        "bill_fixed_charges_monthly": false
                    })
                )
            );
        }
    }

    async fn unknown_tax_codes_are_404_and_leave_nothing(app) {
        let metric = create_metric(&app, "api", "count_agg").await;
        let plan_tax = post_plan(&app, startup_with(json!({"tax_codes": ["unknown"]}))).await;
        assert_response(&plan_tax, 404, &not_found("tax_not_found"));
        let charge_tax = post_plan(
            &app,
            startup_with(json!({"charges": [{
                "billable_metric_id": metric["lago_id"], "charge_model": "standard",
                "properties": {"amount": "1"}, "tax_codes": ["unknown"]
            }]})),
        )
        .await;
        assert_response(&charge_tax, 404, &not_found("tax_not_found"));
        let commitment_tax = post_plan(
            &app,
            startup_with(json!({
                "minimum_commitment": {"amount_cents": 100, "tax_codes": ["unknown"]}
            })),
        )
        .await;
        assert_response(&commitment_tax, 404, &not_found("tax_not_found"));
        assert_eq!(stored_plan_codes(&app).await, Vec::<String>::new());
        assert_eq!(app.change_event_codes().await, [event("billable_metric.created", "api")]);
    }

    async fn unknown_billable_metric_ids_are_404_billable_metrics_not_found(app) {
        let charge = |id: Value| {
            json!({
                "billable_metric_id": id, "charge_model": "standard", "properties": {"amount": "1"}
            })
        };
        let unknown = post_plan(&app, startup_with(json!({"charges": [charge(json!("unknown"))]}))).await;
        assert_response(&unknown, 404, &not_found("billable_metrics_not_found"));
        let random =
            post_plan(&app, startup_with(json!({"charges": [charge(json!(uuid::Uuid::new_v4()))]}))).await;
        assert_response(&random, 404, &not_found("billable_metrics_not_found"));
        // Another organization's metric does not exist here; the check precedes the plan's own.
        let other = app
            .send_as(
                Some(OTHER_API_KEY),
                Method::POST,
                "/api/v1/billable_metrics",
                Some(&json!({"billable_metric": {
                    "name": "Other", "code": "other", "aggregation_type": "count_agg"
                }})),
            )
            .await;
        assert_eq!(other.status, 200, "{}", other.body);
        let response =
            post_plan(&app, json!({"charges": [charge(other.body["billable_metric"]["lago_id"].clone())]}))
                .await;
        assert_response(&response, 404, &not_found("billable_metrics_not_found"));
        // A charge without any metric reference: the singular code.
        let missing = post_plan(&app, startup_with(json!({"charges": [{"charge_model": "standard"}]}))).await;
        assert_response(&missing, 404, &not_found("billable_metric_not_found"));
        let unknown_code = post_plan(
            &app,
            startup_with(json!({"charges": [{
                "billable_metric_code": "unknown", "charge_model": "standard"
            }]})),
        )
        .await;
        assert_response(&unknown_code, 404, &not_found("billable_metric_not_found"));
        assert_eq!(stored_plan_codes(&app).await, Vec::<String>::new());
        assert_eq!(app.change_event_codes().await, []);
    }

    async fn malformed_or_anonymous_requests(app) {
        assert_response(&app.post("/api/v1/plans", &json!({})).await, 400, &missing_param("plan"));
        assert_response(&app.post("/api/v1/plans", &json!({"plan": {}})).await, 400, &missing_param("plan"));
        assert_response(
            &app.post("/api/v1/plans", &json!({"plan": null})).await,
            400,
            &missing_param("plan"),
        );
        let not_object = app.post("/api/v1/plans", &json!({"plan": "BL"})).await;
        assert_response(
            &not_object,
            400,
            &json!({"status": 400, "error": "BadRequest: plan must be a JSON object"}),
        );
        let not_json = app.send_raw(Method::POST, "/api/v1/plans", "application/json", "{").await;
        assert_eq!(not_json.status, 400, "{}", not_json.body);
        let anonymous =
            app.send_as(None, Method::POST, "/api/v1/plans", Some(&json!({"plan": startup_input()}))).await;
        assert_response(&anonymous, 401, &unauthorized());
        let wrong_key = app
            .send_as(Some("nope"), Method::POST, "/api/v1/plans", Some(&json!({"plan": startup_input()})))
            .await;
        assert_response(&wrong_key, 401, &unauthorized());
        assert_eq!(stored_plan_codes(&app).await, Vec::<String>::new());
        assert_eq!(app.change_event_codes().await, []);
    }
}
