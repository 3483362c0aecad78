//! PUT /api/v1/plans/{code} (Lago's update service): partial semantics, charge reconciliation by
//! id, taxes, metadata, minimum commitment and usage thresholds, and what a failed update leaves.

use reqwest::Method;
use serde_json::json;

use super::*;
use crate::support::conformance::{assert_response, event, missing_param, validation_errors};
use crate::support::{backend_tests, not_found};

/// A plan with one charge of each of three models on `metric`, a tax, thresholds, a commitment
/// and metadata; returns the plan object answered.
async fn create_rich_plan(app: &TestApp, metric: &Value) -> Value {
    create_plan(app, startup_with(json!({
        "invoice_display_name": "Startup plan", "description": "For startups", "trial_period": 5,
        "tax_codes": ["vat_20"], "metadata": {"crm_id": "abc"},
        "minimum_commitment": {"amount_cents": 1000, "invoice_display_name": "Minimum"},
        "usage_thresholds": [{"amount_cents": 100, "threshold_display_name": "Threshold 1"}],
        "charges": [
            {"billable_metric_id": metric["lago_id"], "code": "standard", "charge_model": "standard",
             "invoice_display_name": "Standard", "min_amount_cents": 100, "properties": {"amount": "1"},
             "tax_codes": ["vat_20"]},
            {"billable_metric_id": metric["lago_id"], "code": "package", "charge_model": "package",
             "pay_in_advance": true, "properties": {"amount": "10", "free_units": 5, "package_size": 100}},
            {"billable_metric_id": metric["lago_id"], "code": "graduated", "charge_model": "graduated",
             "properties": {"graduated_ranges": [
                 {"from_value": 0, "to_value": null, "per_unit_amount": "1", "flat_amount": "0"}
             ]}}
        ]
    })))
    .await
}

backend_tests! {
    async fn update_with_the_full_payload_keeps_the_id(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let vat = create_tax(&app, "vat_20", 20.0).await;
        let created = create_rich_plan(&app, &metric).await;
        let response = put_plan(&app, "startup", json!({
            "name": "Renamed", "invoice_display_name": "New display", "code": "renamed", "interval": "yearly",
            "description": "Now yearly", "amount_cents": 50000, "amount_currency": "EUR", "trial_period": 2.5,
            "pay_in_advance": false, "bill_charges_monthly": true, "tax_codes": [],
            "metadata": {"crm_id": "xyz"},
            "minimum_commitment": {
                "amount_cents": 3000, "invoice_display_name": "Yearly minimum", "tax_codes": ["vat_20"]
            },
            "usage_thresholds": [], "charges": [], "cascade_updates": false,
            "fixed_charges": [{"add_on_id": "unknown"}]
        })).await;
        let answered = &response.body["plan"];
        assert_eq!(answered["lago_id"], created["lago_id"]);
        assert_eq!(answered["minimum_commitment"]["lago_id"], created["minimum_commitment"]["lago_id"]);
        let commitment = with(
            commitment_json(
                &answered["minimum_commitment"],
                "renamed",
                3000,
                json!("Yearly minimum"),
                json!([vat]),
            ),
            json!({"interval": "yearly", "created_at": created["minimum_commitment"]["created_at"]}),
        );
        let plan = plan_json(
            &created,
            json!({
                "name": "Renamed", "invoice_display_name": "New display", "code": "renamed",
                "interval": "yearly", "description": "Now yearly", "amount_cents": 50000,
                "amount_currency": "EUR", "trial_period": 2.5, "pay_in_advance": false,
                "bill_charges_monthly": true, "bill_fixed_charges_monthly": false,
                "minimum_commitment": commitment, "metadata": {"crm_id": "xyz"}
            }),
        );
        assert_response(&response, 200, &json!({ "plan": plan }));
        assert_response(&get_plan(&app, "renamed").await, 200, &json!({ "plan": plan }));
        assert_response(&get_plan(&app, "startup").await, 404, &not_found("plan_not_found"));
        // The old code is free again.
        create_plan(&app, startup_input()).await;
        assert_eq!(
            app.change_event_codes().await[2..],
            [
                event("plan.created", "startup"),
                event("plan.updated", "renamed"),
                event("plan.created", "startup")
            ]
        );
    }

    async fn absent_fields_keep_their_values(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        create_tax(&app, "vat_20", 20.0).await;
        let created = create_rich_plan(&app, &metric).await;
        let response = put_plan(&app, "startup", json!({"name": "Renamed"})).await;
        let plan = with(created.clone(), json!({"name": "Renamed"}));
        assert_response(&response, 200, &json!({ "plan": plan }));
        // Nullable fields are cleared by an explicit null.
        let response = put_plan(
            &app,
            "startup",
            json!({"invoice_display_name": null, "description": null, "trial_period": null}),
        )
        .await;
        let plan =
            with(plan, json!({"invoice_display_name": null, "description": null, "trial_period": null}));
        assert_response(&response, 200, &json!({ "plan": plan }));
        let patched = app.patch("/api/v1/plans/startup", &json!({"plan": {"amount_cents": 1}})).await;
        assert_response(&patched, 200, &json!({"plan": with(plan, json!({"amount_cents": 1}))}));
    }

    async fn unknown_plans_and_taken_codes(app) {
        assert_response(&put_plan(&app, "unknown", startup_input()).await, 404, &not_found("plan_not_found"));
        // The plan is looked up before the body is read.
        assert_response(&put_plan(&app, "unknown", json!({})).await, 404, &not_found("plan_not_found"));
        let plan = create_plan(&app, startup_input()).await;
        create_plan(&app, startup_with(json!({"code": "other"}))).await;
        assert_response(&put_plan(&app, "startup", json!({})).await, 400, &missing_param("plan"));
        let taken = put_plan(&app, "startup", json!({"code": "other", "amount_currency": "usd"})).await;
        assert_response(
            &taken,
            422,
            &validation_errors(json!({
                "code": ["value_already_exist"], "amount_currency": ["value_is_invalid"]
            })),
        );
        let interval = put_plan(&app, "startup", json!({"interval": "daily"})).await;
        assert_response(&interval, 422, &validation_errors(json!({"interval": ["value_is_invalid"]})));
        // Sending its own code is no conflict.
        let same = put_plan(&app, "startup", json!({"code": "startup"})).await;
        assert_response(&same, 200, &json!({ "plan": plan }));
        assert_eq!(
            app.change_event_codes().await,
            [
                event("plan.created", "startup"),
                event("plan.created", "other"),
                event("plan.updated", "startup")
            ]
        );
    }

    async fn charges_are_reconciled_by_id(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let other_metric = create_metric(&app, "other", "sum_agg").await;
        let vat = create_tax(&app, "vat_20", 20.0).await;
        let created = create_rich_plan(&app, &metric).await;
        let [standard, package, graduated] =
            <[Value; 3]>::try_from(charges_of(&created)).expect("three charges");
        let response = put_plan(&app, "startup", json!({"charges": [
            // Updated by id: new properties; absent name and minimum are reset, taxes kept.
            {"id": standard["lago_id"], "billable_metric_id": metric["lago_id"], "charge_model": "standard",
             "properties": {"amount": "2"}},
            // Updated by id without properties: reset to the model's defaults (Lago's quirk, kept).
            {"id": package["lago_id"], "billable_metric_id": metric["lago_id"], "charge_model": "package",
             "code": "package_renamed"},
            // Without an id: created, with a generated code.
            {"billable_metric_code": "other", "charge_model": "standard", "properties": {"amount": "3"}},
            // An id that is not one of the plan's charges: created too.
            {"id": uuid::Uuid::new_v4(), "billable_metric_id": metric["lago_id"], "charge_model": "standard"}
        ]})).await;
        let answered = charges_of(&response.body["plan"]);
        assert_eq!(answered.len(), 4, "{}", response.body);
        let expected = [
            with(
                standard.clone(),
                json!({"invoice_display_name": null, "min_amount_cents": 0, "properties": {"amount": "2"}}),
            ),
            with(
                package.clone(),
                json!({
                    "code": "package_renamed", "properties": {"amount": "0", "free_units": 0,
                    "package_size": 1}
                }),
            ),
            charge_json(&answered[2], &other_metric, json!({"properties": {"amount": "3"}})),
            charge_json(&answered[3], &metric, json!({})),
        ];
        let plan = with(created.clone(), json!({"charges": expected}));
        assert_response(&response, 200, &json!({ "plan": plan }));
        assert_eq!(answered[0]["taxes"], json!([vat]));
        assert_ne!(answered[3]["lago_id"], graduated["lago_id"]);
        assert_response(&get_plan(&app, "startup").await, 200, &json!({ "plan": plan }));
        // Omitted charges are untouched; an empty list deletes them all.
        let renamed = put_plan(&app, "startup", json!({"name": "Renamed"})).await;
        assert_eq!(renamed.body["plan"]["charges"], plan["charges"]);
        let emptied = put_plan(&app, "startup", json!({"charges": []})).await;
        assert_response(
            &emptied,
            200,
            &json!({"plan": with(plan, json!({"name": "Renamed", "charges": []}))}),
        );
    }

    async fn charge_updates_replace_taxes_and_reconcile_filters(app) {
        let metric = create_filtered_metric(&app).await;
        let vat = create_tax(&app, "vat_20", 20.0).await;
        let reduced = create_tax(&app, "vat_5", 5.0).await;
        let created = create_plan(&app, startup_with(json!({"charges": [{
            "billable_metric_id": metric["lago_id"], "charge_model": "standard",
            "properties": {"amount": "1"}, "tax_codes": ["vat_20"],
            "filters": [
                {"invoice_display_name": "EU", "properties": {"amount": "5"}, "values": {"region": ["eu"]}},
                {"properties": {"amount": "6"}, "values": {"region": ["us"], "method": ["get"]}}
            ]
        }]}))).await;
        let charge = &created["charges"][0];
        let kept_filter = &charge["filters"][1];
        let response = put_plan(
            &app,
            "startup",
            json!({"charges": [{
                "id": charge["lago_id"], "billable_metric_id": metric["lago_id"], "charge_model": "standard",
                "properties": {"amount": "1"}, "tax_codes": ["vat_5"],
                "filters": [
                    // The same values in another order: the same filter, updated.
                    {"invoice_display_name": "US GET", "properties": {"amount": "7"},
                    "values": {"method": ["get"], "region": ["us"]}},
                    {"properties": {"amount": "8"}, "values": {"method": ["post"]}}
                ]
            }]}),
        )
        .await;
        let answered = &response.body["plan"]["charges"][0];
        assert_eq!(answered["filters"][0]["lago_id"], kept_filter["lago_id"]);
        let filters = [
            filter_json(
                kept_filter,
                "api",
                json!("US GET"),
                json!({"amount": "7"}),
                json!({"method": ["get"], "region": ["us"]}),
            ),
            filter_json(
                &answered["filters"][1],
                "api",
                json!(null),
                json!({"amount": "8"}),
                json!({"method": ["post"]}),
            ),
        ];
        let expected = with(charge.clone(), json!({"filters": filters, "taxes": [reduced]}));
        assert_response(
            &response,
            200,
            &json!({"plan": with(created.clone(), json!({"charges": [expected.clone()]}))}),
        );
        // Absent filters and taxes are kept; empty ones remove them all.
        let kept = put_plan(
            &app,
            "startup",
            json!({"charges": [{
                "id": charge["lago_id"], "billable_metric_id": metric["lago_id"], "charge_model": "standard",
                "properties": {"amount": "1"}
            }]}),
        )
        .await;
        assert_eq!(kept.body["plan"]["charges"], json!([expected]));
        let emptied = put_plan(
            &app,
            "startup",
            json!({"charges": [{
                "id": charge["lago_id"], "billable_metric_id": metric["lago_id"], "charge_model": "standard",
                "properties": {"amount": "1"}, "filters": [], "tax_codes": []
            }]}),
        )
        .await;
        assert_eq!(
            emptied.body["plan"]["charges"],
            json!([with(charge.clone(), json!({"taxes": [], "filters": []}))])
        );
        assert_ne!(vat, reduced);
    }

    async fn plan_taxes_are_replaced(app) {
        let vat = create_tax(&app, "vat_20", 20.0).await;
        let reduced = create_tax(&app, "vat_5", 5.0).await;
        let created = create_plan(&app, startup_with(json!({"tax_codes": ["vat_20"]}))).await;
        assert_eq!(created["taxes"], json!([vat]));
        let replaced = put_plan(&app, "startup", json!({"tax_codes": ["vat_5", "vat_20"]})).await;
        assert_response(
            &replaced,
            200,
            &json!({"plan": with(created.clone(), json!({"taxes": [reduced, vat]}))}),
        );
        let kept = put_plan(&app, "startup", json!({"name": "Startup"})).await;
        assert_eq!(kept.body["plan"]["taxes"], json!([reduced, vat]));
        let unknown = put_plan(&app, "startup", json!({"name": "Changed", "tax_codes": ["unknown"]})).await;
        assert_response(&unknown, 404, &not_found("tax_not_found"));
        assert_eq!(get_plan(&app, "startup").await.body["plan"]["name"], "Startup");
        let removed = put_plan(&app, "startup", json!({"tax_codes": []})).await;
        assert_response(&removed, 200, &json!({"plan": with(created, json!({"taxes": []}))}));
    }

    async fn metadata_is_replaced_or_deleted(app) {
        let created = create_plan(&app, startup_with(json!({"metadata": {"a": "1", "b": "2"}}))).await;
        let replaced = put_plan(&app, "startup", json!({"metadata": {"c": "3", "a": null}})).await;
        assert_response(
            &replaced,
            200,
            &json!({"plan": with(created.clone(), json!({"metadata": {"c": "3", "a": null}}))}),
        );
        let kept = put_plan(&app, "startup", json!({"name": "Startup"})).await;
        assert_eq!(kept.body["plan"]["metadata"], json!({"c": "3", "a": null}));
        let deleted = put_plan(&app, "startup", json!({"metadata": null})).await;
        assert_response(&deleted, 200, &json!({"plan": without(created.clone(), "metadata")}));
        let empty = put_plan(&app, "startup", json!({"metadata": {}})).await;
        assert_response(&empty, 200, &json!({"plan": with(created, json!({"metadata": {}}))}));
    }

    async fn minimum_commitment_is_created_updated_kept_or_deleted(app) {
        let vat = create_tax(&app, "vat_20", 20.0).await;
        let created = create_plan(&app, startup_input()).await;
        let added = put_plan(&app, "startup", json!({"minimum_commitment": {"amount_cents": 500}})).await;
        let commitment = commitment_json(
            &added.body["plan"]["minimum_commitment"],
            "startup",
            500,
            json!(null),
            json!([]),
        );
        assert_response(
            &added,
            200,
            &json!({"plan": with(created.clone(), json!({"minimum_commitment": commitment}))}),
        );
        let updated = put_plan(
            &app,
            "startup",
            json!({"minimum_commitment": {
                "amount_cents": 800, "invoice_display_name": "Minimum", "tax_codes": ["vat_20"]
            }}),
        )
        .await;
        let answered = &updated.body["plan"]["minimum_commitment"];
        assert_eq!(answered["lago_id"], commitment["lago_id"]);
        let commitment = with(
            commitment,
            json!({
                "invoice_display_name": "Minimum", "amount_cents": 800, "updated_at": timestamp_at(answered,
                "updated_at"), "taxes": [vat]
            }),
        );
        assert_response(
            &updated,
            200,
            &json!({"plan": with(created.clone(), json!({"minimum_commitment": commitment}))}),
        );
        let kept = put_plan(&app, "startup", json!({"amount_cents": 1})).await;
        assert_eq!(kept.body["plan"]["minimum_commitment"], commitment);
        let invalid = put_plan(&app, "startup", json!({"minimum_commitment": {"amount_cents": -1}})).await;
        assert_response(
            &invalid,
            422,
            &validation_errors(json!({"amount_cents": ["value_is_out_of_range"]})),
        );
        let deleted = put_plan(&app, "startup", json!({"minimum_commitment": {}})).await;
        assert_response(&deleted, 200, &json!({"plan": with(created, json!({"amount_cents": 1}))}));
    }

    async fn usage_thresholds_are_replaced(app) {
        let created =
            create_plan(&app, startup_with(json!({"usage_thresholds": [{"amount_cents": 100}]}))).await;
        let (first, first_applicable) =
            threshold_json(&created["usage_thresholds"][0], 100, json!(null), false);
        assert_eq!(
            created,
            plan_json(
                &created,
                json!({
                    "usage_thresholds": [first], "applicable_usage_thresholds": [first_applicable]
                })
            )
        );
        let replaced = put_plan(
            &app,
            "startup",
            json!({"usage_thresholds": [
                {"amount_cents": 200, "threshold_display_name": "Alert", "recurring": false},
                {"amount_cents": 50, "recurring": true}
            ]}),
        )
        .await;
        let answered = &replaced.body["plan"]["usage_thresholds"];
        let (alert, alert_applicable) = threshold_json(&answered[0], 200, json!("Alert"), false);
        let (recurring, recurring_applicable) = threshold_json(&answered[1], 50, json!(null), true);
        let plan = with(
            created.clone(),
            json!({
                "usage_thresholds": [alert, recurring], "applicable_usage_thresholds": [alert_applicable,
                recurring_applicable]
            }),
        );
        assert_response(&replaced, 200, &json!({ "plan": plan }));
        let kept = put_plan(&app, "startup", json!({"name": "Startup"})).await;
        assert_response(&kept, 200, &json!({ "plan": plan }));
        let invalid = put_plan(&app, "startup", json!({"usage_thresholds": [{"amount_cents": 0}]})).await;
        assert_response(
            &invalid,
            422,
            &validation_errors(json!({"amount_cents": ["value_is_out_of_range"]})),
        );
        let removed = put_plan(&app, "startup", json!({"usage_thresholds": []})).await;
        assert_response(&removed, 200, &json!({"plan": plan_json(&created, json!({}))}));
    }

    async fn monthly_charge_billing_follows_the_interval(app) {
        let created =
            create_plan(&app, startup_with(json!({"interval": "yearly", "bill_charges_monthly": true})))
                .await;
        assert_eq!(
            (&created["bill_charges_monthly"], &created["bill_fixed_charges_monthly"]),
            (&json!(true), &json!(false))
        );
        // An update that omits the interval keeps the flag (we do not replicate Lago's reset).
        let renamed = put_plan(&app, "startup", json!({"name": "Renamed"})).await;
        assert_eq!(renamed.body["plan"]["bill_charges_monthly"], true);
        let off = put_plan(
            &app,
            "startup",
            json!({"bill_charges_monthly": false, "bill_fixed_charges_monthly": true}),
        )
        .await;
        assert_eq!(
            (&off.body["plan"]["bill_charges_monthly"], &off.body["plan"]["bill_fixed_charges_monthly"]),
            (&json!(false), &json!(true))
        );
        let monthly =
            put_plan(&app, "startup", json!({"interval": "monthly", "bill_charges_monthly": true})).await;
        assert_response(
            &monthly,
            200,
            &json!({"plan": with(created.clone(), json!({
                "name": "Renamed", "interval": "monthly", "bill_charges_monthly": null,
                "bill_fixed_charges_monthly": null
            }))}),
        );
        let semiannual = put_plan(&app, "startup", json!({"interval": "semiannual"})).await;
        assert_response(
            &semiannual,
            200,
            &json!({"plan": with(created, json!({
                "name": "Renamed", "interval": "semiannual", "bill_charges_monthly": false,
                "bill_fixed_charges_monthly": false
            }))}),
        );
    }

    async fn a_failed_update_changes_nothing(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        create_tax(&app, "vat_20", 20.0).await;
        let created = create_rich_plan(&app, &metric).await;
        let events_before = app.change_event_codes().await;
        let response = put_plan(
            &app,
            "startup",
            json!({
                "name": "Renamed", "tax_codes": [], "metadata": null, "minimum_commitment": {},
                "usage_thresholds": [],
                "charges": [
                    {
                        "billable_metric_id": metric["lago_id"], "charge_model": "standard",
                        "properties": {"amount": "9"}
                    },
                    {
                        "billable_metric_id": metric["lago_id"], "charge_model": "package",
                        "properties": {"amount": 10, "package_size": 0}
                    }
                ]
            }),
        )
        .await;
        assert_response(
            &response,
            422,
            &validation_errors(properties_errors(&[
                "invalid_amount",
                "invalid_free_units",
                "invalid_package_size",
            ])),
        );
        assert_response(&get_plan(&app, "startup").await, 200, &json!({ "plan": created }));
        assert_eq!(app.change_event_codes().await, events_before);
        let anonymous = app
            .send_as(None, Method::PUT, "/api/v1/plans/startup", Some(&json!({"plan": {"name": "x"}})))
            .await;
        assert_eq!(anonymous.status, 401);
        assert_response(&get_plan(&app, "startup").await, 200, &json!({ "plan": created }));
    }
}
