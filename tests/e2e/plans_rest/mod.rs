//! Lago conformance for `/api/v1/plans`, its charges and Lago's `plans_controller_spec.rb`,
//! with exact bodies, key order included, on SQLite and PostgreSQL.
//!
//! Fixtures (billable metrics, taxes) are created through their own REST routes. Expected objects
//! are built from Lago's defaults and the identifiers the server chose (`lago_id`, `created_at`),
//! then changed key by key, so each scenario states only what differs from the defaults.

use serde_json::{Map, Value, json};

use crate::support::conformance::{created_at, lago_id};
use crate::support::{HttpResponse, TestApp};

mod catalog_cascades;
mod charge_rules;
mod charges;
mod create;
mod premium_fields;
mod read_and_delete;
mod seed;
mod update;

/// `base` with the keys of `changes` replaced (kept in place) or appended (at the end, in order).
pub(super) fn with(base: Value, changes: Value) -> Value {
    let (Value::Object(mut object), Value::Object(changes)) = (base, changes) else {
        panic!("with() takes two JSON objects");
    };
    for (key, value) in changes {
        object.insert(key, value);
    }
    Value::Object(object)
}

/// `object` without `key`, the other keys keeping their order.
pub(super) fn without(object: Value, key: &str) -> Value {
    let Value::Object(mut object) = object else { panic!("without() takes a JSON object") };
    object.retain(|name, _| name != key);
    Value::Object(object)
}

/// The smallest valid plan: what every scenario starts from.
pub(super) fn startup_input() -> Value {
    json!({
        "name": "Startup", "code": "startup", "interval": "monthly", "amount_cents": 10000,
        "amount_currency": "USD", "pay_in_advance": true
    })
}

/// `startup_input()` with some keys replaced or added.
pub(super) fn startup_with(changes: Value) -> Value {
    with(startup_input(), changes)
}

/// POST /api/v1/plans with `{"plan": plan}`.
pub(super) async fn post_plan(app: &TestApp, plan: Value) -> HttpResponse {
    app.post("/api/v1/plans", &json!({ "plan": plan })).await
}

/// PUT /api/v1/plans/{code} with `{"plan": plan}` (`code` needs no percent-encoding).
pub(super) async fn put_plan(app: &TestApp, code: &str, plan: Value) -> HttpResponse {
    app.put(&format!("/api/v1/plans/{code}"), &json!({ "plan": plan })).await
}

/// GET /api/v1/plans/{code}.
pub(super) async fn get_plan(app: &TestApp, code: &str) -> HttpResponse {
    app.get(&format!("/api/v1/plans/{code}")).await
}

/// Creates a plan, asserts it worked, and returns the plan object answered.
pub(super) async fn create_plan(app: &TestApp, plan: Value) -> Value {
    let response = post_plan(app, plan).await;
    assert_eq!(response.status, 200, "create plan: {}", response.body);
    response.body["plan"].clone()
}

/// Lago's plan object for `startup_input()`, from the identifiers of `answered`, with `changes`.
pub(super) fn plan_json(answered: &Value, changes: Value) -> Value {
    let plan = json!({
        "lago_id": lago_id(answered),
        "name": "Startup",
        "invoice_display_name": null,
        "created_at": created_at(answered),
        "code": "startup",
        "interval": "monthly",
        "description": null,
        "amount_cents": 10000,
        "amount_currency": "USD",
        "trial_period": null,
        "pay_in_advance": true,
        "bill_charges_monthly": null,
        "bill_fixed_charges_monthly": null,
        "customers_count": 0,
        "active_subscriptions_count": 0,
        "draft_invoices_count": 0,
        "parent_id": null,
        "pending_deletion": false,
        "charges": [],
        "fixed_charges": [],
        "entitlements": [],
        "usage_thresholds": [],
        "applicable_usage_thresholds": [],
        "taxes": []
    });
    with(plan, changes)
}

/// A plan object as GET /plans lists it: without `fixed_charges` (Lago's list omits them).
pub(super) fn list_item(plan: &Value) -> Value {
    without(plan.clone(), "fixed_charges")
}

/// Lago's charge object on `metric` (a billable metric object) with the defaults of a standard
/// charge whose code is the metric's, from the identifiers of `answered`, with `changes`.
pub(super) fn charge_json(answered: &Value, metric: &Value, changes: Value) -> Value {
    let charge = json!({
        "lago_id": lago_id(answered),
        "lago_billable_metric_id": metric["lago_id"],
        "code": metric["code"],
        "invoice_display_name": null,
        "billable_metric_code": metric["code"],
        "created_at": created_at(answered),
        "charge_model": "standard",
        "invoiceable": true,
        "regroup_paid_fees": null,
        "pay_in_advance": false,
        "prorated": false,
        "min_amount_cents": 0,
        "accepts_target_wallet": false,
        "properties": {"amount": "0"},
        "applied_pricing_unit": null,
        "lago_parent_id": null,
        "filters": [],
        "taxes": []
    });
    with(charge, changes)
}

/// Lago's charge filter object of the charge with code `charge_code`, from the id of `answered`.
pub(super) fn filter_json(
    answered: &Value,
    charge_code: &str,
    name: Value,
    properties: Value,
    values: Value,
) -> Value {
    json!({
        "lago_id": lago_id(answered),
        "charge_code": charge_code,
        "invoice_display_name": name,
        "properties": properties,
        "values": values
    })
}

/// The `key` timestamp of an object (`updated_at`, ...), once checked to be `YYYY-MM-DDTHH:MM:SSZ`.
#[track_caller]
pub(super) fn timestamp_at(object: &Value, key: &str) -> Value {
    let text = object[key].as_str().unwrap_or_else(|| panic!("{key} is a string in {object}"));
    created_at(&json!({ "created_at": text }))
}

/// Lago's minimum commitment object of the plan `plan_code`, from the identifiers of `answered`.
pub(super) fn commitment_json(
    answered: &Value,
    plan_code: &str,
    amount_cents: i64,
    name: Value,
    taxes: Value,
) -> Value {
    json!({
        "lago_id": lago_id(answered),
        "plan_code": plan_code,
        "invoice_display_name": name,
        "amount_cents": amount_cents,
        "interval": "monthly",
        "created_at": created_at(answered),
        "updated_at": timestamp_at(answered, "updated_at"),
        "taxes": taxes
    })
}

/// Lago's usage threshold object and its applicable twin, from the identifiers of `answered`.
pub(super) fn threshold_json(
    answered: &Value,
    amount_cents: i64,
    name: Value,
    recurring: bool,
) -> (Value, Value) {
    let threshold = json!({
        "lago_id": lago_id(answered),
        "threshold_display_name": name,
        "amount_cents": amount_cents,
        "recurring": recurring,
        "created_at": created_at(answered),
        "updated_at": timestamp_at(answered, "updated_at")
    });
    let applicable =
        json!({"threshold_display_name": name, "amount_cents": amount_cents, "recurring": recurring});
    (threshold, applicable)
}

/// Creates a billable metric through REST and returns the metric object answered.
pub(super) async fn create_metric_with(app: &TestApp, metric: Value) -> Value {
    let response = app.post("/api/v1/billable_metrics", &json!({ "billable_metric": metric })).await;
    assert_eq!(response.status, 200, "create billable metric: {}", response.body);
    response.body["billable_metric"].clone()
}

/// Creates a billable metric of this aggregation (`field_name` "value" when it needs one).
pub(super) async fn create_metric(app: &TestApp, code: &str, aggregation_type: &str) -> Value {
    let mut metric = json!({"name": code, "code": code, "aggregation_type": aggregation_type});
    if aggregation_type != "count_agg" {
        metric["field_name"] = json!("value");
    }
    create_metric_with(app, metric).await
}

/// Creates a sum metric `api` with the filter `region` (`eu`, `us`) and `method` (`get`, `post`).
pub(super) async fn create_filtered_metric(app: &TestApp) -> Value {
    create_metric_with(
        app,
        json!({
            "name": "API", "code": "api", "aggregation_type": "sum_agg", "field_name": "value",
            "filters": [{"key": "region", "values": ["eu", "us"]}, {"key": "method", "values": ["get",
            "post"]}]
        }),
    )
    .await
}

/// Creates a tax through REST and returns it as plans embed it (`V1::TaxSerializer`).
pub(super) async fn create_tax(app: &TestApp, code: &str, rate: f64) -> Value {
    let response = app
        .post("/api/v1/taxes", &json!({"tax": {"name": code.to_uppercase(), "code": code, "rate": rate}}))
        .await;
    assert_eq!(response.status, 200, "create tax: {}", response.body);
    let tax = &response.body["tax"];
    json!({
        "lago_id": lago_id(tax), "name": code.to_uppercase(), "code": code, "rate": rate, "description": null,
        "applied_to_organization": false, "add_ons_count": 0, "customers_count": 0, "plans_count": 0,
        "charges_count": 0, "commitments_count": 0, "created_at": created_at(tax)
    })
}

/// Codes of the test organization's plans as the store lists them (not deleted), newest first.
pub(super) async fn stored_plan_codes(app: &TestApp) -> Vec<String> {
    let organization_id = app.organization_id().await;
    let page = entitlements_domain::PageRequest::new(1, 1000).expect("a valid page");
    let plans = app.store.list_plans(organization_id, page).await.expect("list stored plans");
    plans.items.into_iter().map(|plan| plan.attributes.code).collect()
}

/// The charges of an answered plan object.
#[track_caller]
pub(super) fn charges_of(plan: &Value) -> Vec<Value> {
    plan["charges"].as_array().unwrap_or_else(|| panic!("charges is an array in {plan}")).clone()
}

/// Lago's `{"properties": [codes]}` 422 details.
pub(super) fn properties_errors(codes: &[&str]) -> Value {
    json!({ "properties": codes })
}
