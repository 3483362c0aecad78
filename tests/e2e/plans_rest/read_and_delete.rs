//! GET /api/v1/plans(/{code}), DELETE /api/v1/plans/{code} (synchronous, unlike Lago's job), one
//! transaction per request, and the change log (`plan.created|updated|deleted`).

use reqwest::Method;
use serde_json::json;

use super::*;
use crate::support::conformance::{assert_response, event, meta, validation_errors};
use crate::support::{OTHER_API_KEY, backend_tests, not_found, unauthorized};

backend_tests! {
    async fn get_shows_commitment_and_thresholds(app) {
        let created = create_plan(
            &app,
            startup_with(json!({
                "minimum_commitment": {"amount_cents": 100},
                "usage_thresholds": [{"amount_cents": 100, "threshold_display_name": "Threshold 1"},
                    {"amount_cents": 200, "recurring": true}]
            })),
        )
        .await;
        let (first, first_applicable) =
            threshold_json(&created["usage_thresholds"][0], 100, json!("Threshold 1"), false);
        let (second, second_applicable) =
            threshold_json(&created["usage_thresholds"][1], 200, json!(null), true);
        let plan = plan_json(
            &created,
            json!({
                "usage_thresholds": [first, second], "applicable_usage_thresholds": [first_applicable,
                second_applicable],
                "minimum_commitment": commitment_json(&created["minimum_commitment"], "startup", 100,
                json!(null), json!([]))
            }),
        );
        assert_response(&get_plan(&app, "startup").await, 200, &json!({ "plan": plan }));
        assert_response(&get_plan(&app, "unknown").await, 404, &not_found("plan_not_found"));
        // Codes are looked up exactly, and only in the caller's organization.
        assert_response(&get_plan(&app, "STARTUP").await, 404, &not_found("plan_not_found"));
        let other = app.send_as(Some(OTHER_API_KEY), Method::GET, "/api/v1/plans/startup", None).await;
        assert_response(&other, 404, &not_found("plan_not_found"));
        let anonymous = app.send_as(None, Method::GET, "/api/v1/plans/startup", None).await;
        assert_response(&anonymous, 401, &unauthorized());
    }

    async fn list_is_paginated_newest_first_without_fixed_charges(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let first = create_plan(
            &app,
            startup_with(json!({
                "code": "first", "usage_thresholds": [{"amount_cents": 100}],
                "charges": [{"billable_metric_id": metric["lago_id"], "charge_model": "standard"}]
            })),
        )
        .await;
        let second = create_plan(
            &app,
            startup_with(json!({
                "code": "second", "usage_thresholds": [{"amount_cents": 300}], "metadata": {"k": "v"}
            })),
        )
        .await;
        let page_one = app.get("/api/v1/plans?page=1&per_page=1").await;
        assert_response(
            &page_one,
            200,
            &json!({"plans": [list_item(&second)], "meta": meta(1, Some(2), None, 2, 2)}),
        );
        let plans = &page_one.body["plans"];
        assert_eq!(
            (
                plans[0]["usage_thresholds"].as_array().map(Vec::len),
                plans[0]["applicable_usage_thresholds"].as_array().map(Vec::len)
            ),
            (Some(1), Some(1))
        );
        assert_eq!(plans[0]["entitlements"], json!([]));
        let page_two = app.get("/api/v1/plans?page=2&per_page=1").await;
        assert_response(
            &page_two,
            200,
            &json!({"plans": [list_item(&first)], "meta": meta(2, None, Some(1), 2, 2)}),
        );
        let all = app.get("/api/v1/plans").await;
        assert_response(
            &all,
            200,
            &json!({"plans": [list_item(&second), list_item(&first)], "meta": meta(1, None, None, 1, 2)}),
        );
        let beyond = app.get("/api/v1/plans?page=3&per_page=1").await;
        assert_response(&beyond, 200, &json!({"plans": [], "meta": meta(3, None, Some(2), 2, 2)}));
        // Another organization sees none of them.
        let other = app.send_as(Some(OTHER_API_KEY), Method::GET, "/api/v1/plans", None).await;
        assert_response(&other, 200, &json!({"plans": [], "meta": meta(0, None, None, 0, 0)}));
    }

    async fn delete_answers_the_plan_pending_deletion_then_forgets_it(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        let vat = create_tax(&app, "vat_20", 20.0).await;
        let created = create_plan(
            &app,
            startup_with(json!({
                "tax_codes": ["vat_20"], "usage_thresholds": [{"amount_cents": 100}], "metadata": {"k": "v"},
                "charges": [{"billable_metric_id": metric["lago_id"], "charge_model": "standard",
                "tax_codes": ["vat_20"]}]
            })),
        )
        .await;
        assert_eq!(created["taxes"], json!([vat]));
        let response = app.delete("/api/v1/plans/startup").await;
        assert_response(
            &response,
            200,
            &json!({"plan": with(created.clone(), json!({"pending_deletion": true}))}),
        );
        assert_eq!(response.body["plan"]["entitlements"], json!([]));
        assert_response(&get_plan(&app, "startup").await, 404, &not_found("plan_not_found"));
        assert_response(&app.delete("/api/v1/plans/startup").await, 404, &not_found("plan_not_found"));
        assert_response(
            &put_plan(&app, "startup", json!({"name": "x"})).await,
            404,
            &not_found("plan_not_found"),
        );
        assert_response(
            &app.get("/api/v1/plans").await,
            200,
            &json!({"plans": [], "meta": meta(0, None, None, 0, 0)}),
        );
        assert_eq!(stored_plan_codes(&app).await, Vec::<String>::new());
        // The code is free again, and the new plan starts without the old one's charges.
        let again = create_plan(&app, startup_input()).await;
        assert_ne!(again["lago_id"], created["lago_id"]);
        assert_eq!(again, plan_json(&again, json!({})));
        assert_eq!(
            app.change_event_codes().await,
            [
                event("billable_metric.created", "api"),
                event("tax.created", "vat_20"),
                event("plan.created", "startup"),
                event("plan.deleted", "startup"),
                event("plan.created", "startup")
            ]
        );
    }

    async fn delete_unknown_or_anonymous(app) {
        assert_response(&app.delete("/api/v1/plans/unknown").await, 404, &not_found("plan_not_found"));
        create_plan(&app, startup_input()).await;
        let other = app.send_as(Some(OTHER_API_KEY), Method::DELETE, "/api/v1/plans/startup", None).await;
        assert_response(&other, 404, &not_found("plan_not_found"));
        let anonymous = app.send_as(None, Method::DELETE, "/api/v1/plans/startup", None).await;
        assert_response(&anonymous, 401, &unauthorized());
        assert_eq!(stored_plan_codes(&app).await, ["startup"]);
        assert_eq!(app.change_event_codes().await, [event("plan.created", "startup")]);
    }

    async fn a_failing_third_charge_leaves_no_plan(app) {
        let metric = create_metric(&app, "api", "sum_agg").await;
        create_tax(&app, "vat_20", 20.0).await;
        let valid = |code: &str| {
            json!({"billable_metric_id": metric["lago_id"], "code": code,
            "charge_model": "standard"})
        };
        let plan = |third: Value| {
            startup_with(json!({
                "tax_codes": ["vat_20"], "metadata": {"k": "v"}, "usage_thresholds": [{"amount_cents": 100}],
                "minimum_commitment": {"amount_cents": 100}, "charges": [valid("one"), valid("two"), third]
            }))
        };
        let events_before = app.change_event_codes().await;
        let invalid = post_plan(&app, plan(json!({
            "billable_metric_id": metric["lago_id"], "charge_model": "package", "properties": {"amount": 10,
            "package_size": 0}
        }))).await;
        assert_response(
            &invalid,
            422,
            &validation_errors(properties_errors(&[
                "invalid_amount",
                "invalid_free_units",
                "invalid_package_size",
            ])),
        );
        let unknown_tax =
            post_plan(&app, plan(with(valid("three"), json!({"tax_codes": ["unknown"]})))).await;
        assert_response(&unknown_tax, 404, &not_found("tax_not_found"));
        let unknown_metric =
            post_plan(&app, plan(json!({"billable_metric_code": "unknown", "charge_model": "standard"})))
                .await;
        assert_response(&unknown_metric, 404, &not_found("billable_metric_not_found"));
        let duplicate = post_plan(&app, plan(valid("one"))).await;
        assert_response(&duplicate, 422, &validation_errors(json!({"code": ["value_already_exist"]})));
        assert_response(&get_plan(&app, "startup").await, 404, &not_found("plan_not_found"));
        assert_response(
            &app.get("/api/v1/plans").await,
            200,
            &json!({"plans": [], "meta": meta(0, None, None, 0, 0)}),
        );
        assert_eq!(stored_plan_codes(&app).await, Vec::<String>::new());
        assert_eq!(app.change_event_codes().await, events_before);
        // The same plan with a valid third charge goes through.
        let created = create_plan(&app, plan(valid("three"))).await;
        assert_eq!(charges_of(&created).len(), 3);
    }
}
