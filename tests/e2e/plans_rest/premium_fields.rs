//! One licence mode, everything on: premium fields (`invoiceable`, `regroup_paid_fees`,
//! `min_amount_cents`), which Lago ignores without a licence, are kept on create and update;
//! out-of-scope ones (fixed charges, `applied_pricing_unit`, `accepts_target_wallet`,
//! `group_properties`, `cascade_updates`) are accepted and ignored, as Lago ignores unknown keys.

use serde_json::json;

use super::*;
use crate::support::backend_tests;
use crate::support::conformance::{assert_response, validation_errors};

backend_tests! {
    async fn out_of_scope_keys_are_ignored(app) {
        let metric = create_metric(&app, "api", "count_agg").await;
        let response = post_plan(&app, startup_with(json!({
            "fixed_charges": [{"add_on_id": "unknown", "charge_model": "graduated", "properties": {}}],
            "cascade_updates": true, "entitlements": [{"code": "seats"}], "unknown_key": 1,
            "charges": [{
                "billable_metric_id": metric["lago_id"], "charge_model": "standard",
                "accepts_target_wallet": true,
                "applied_pricing_unit": {"code": "credits", "conversion_rate": "3.9"},
                "group_properties": [{"group_id": "unknown", "values": {"amount": "15"}}], "unknown_key": 1
            }]
        }))).await;
        let charge = charge_json(&response.body["plan"]["charges"][0], &metric, json!({}));
        let plan = plan_json(&response.body["plan"], json!({"charges": [charge]}));
        assert_response(&response, 200, &json!({ "plan": plan }));
    }

    async fn premium_fields_are_updated_and_out_of_scope_ones_ignored(app) {
        let metric = create_metric(&app, "api", "count_agg").await;
        let created = create_plan(&app, startup_with(json!({"charges": [{
            "billable_metric_id": metric["lago_id"], "charge_model": "standard", "properties": {"amount": "1"}
        }]}))).await;
        let charge = &created["charges"][0];
        let premium = |changes: Value| {
            let charge = json!({
                "id": charge["lago_id"], "billable_metric_id": metric["lago_id"], "charge_model": "standard",
                "properties": {"amount": "1"}
            });
            json!({"charges": [with(charge, changes)]})
        };
        let response = put_plan(
            &app,
            "startup",
            with(
                premium(json!({
                    "pay_in_advance": true, "invoiceable": false, "regroup_paid_fees": "invoice",
                    "accepts_target_wallet": true, "applied_pricing_unit": {"code": "credits",
                    "conversion_rate": "3.9"}
                })),
                json!({"fixed_charges": [{"add_on_id": "unknown", "apply_units_immediately": true}]}),
            ),
        )
        .await;
        let updated = with(
            charge.clone(),
            json!({
                "invoiceable": false, "regroup_paid_fees": "invoice", "pay_in_advance": true,
                "properties": {"amount": "1"}
            }),
        );
        assert_response(
            &response,
            200,
            &json!({"plan": with(created.clone(),
            json!({"charges": [updated]}))}),
        );
        // Absent premium fields keep their values, so paying in arrears now breaks Lago's rules.
        let response = put_plan(&app, "startup", premium(json!({"pay_in_advance": false}))).await;
        assert_response(
            &response,
            422,
            &validation_errors(json!({
                "regroup_paid_fees": ["only_compatible_with_pay_in_advance_and_non_invoiceable"],
                "invoiceable": ["must_be_true_unless_pay_in_advance"]
            })),
        );
        let response = put_plan(&app, "startup", premium(json!({
            "pay_in_advance": false, "invoiceable": true, "regroup_paid_fees": null, "min_amount_cents": 250
        }))).await;
        let updated = with(charge.clone(), json!({"min_amount_cents": 250, "properties": {"amount": "1"}}));
        assert_response(&response, 200, &json!({"plan": with(created, json!({"charges": [updated]}))}));
    }
}
