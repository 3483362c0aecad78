//! Lago conformance for `/api/v1/subscriptions/{external_id}/entitlements...`, with exact bodies,
//! on SQLite and PostgreSQL: Lago's request-spec scenarios, the merge of plan values, overrides
//! and removals (Lago's `SubscriptionEntitlementQuery`), our deliberate differences (values always
//! validated, no empty override rows) and what we keep on purpose (removals survive the plan), the
//! change log, concurrent writes, and the query count of the effective-entitlements read.
//!
//! Fixtures are created through REST: the feature `seats` of Lago's specs (`max` and
//! `max_admins` integers, `root?` boolean, `provider` select), a feature `sso` (`level` string),
//! the plan `startup` granting `seats.max = 10`, and the subscription `sub_1` on it.

use serde_json::{Map, Value, json};

use crate::support::{HttpResponse, TestApp};

mod concurrency;
mod decisions;
mod lago_scenarios;

/// Creates the features `seats` and `sso`.
async fn create_features(app: &TestApp) {
    app.create_feature(json!({
        "code": "seats", "name": "Feature Name", "description": "Feature Description",
        "privileges": [
            {"code": "max", "value_type": "integer"},
            {"code": "max_admins", "value_type": "integer"},
            {"code": "root?", "value_type": "boolean"},
            {"code": "provider", "value_type": "select", "config": {"select_options": ["google", "okta"]}}
        ]
    }))
    .await;
    app.create_feature(
        json!({"code": "sso", "name": "SSO", "privileges": [{"code": "level", "value_type": "string"}]}),
    )
    .await;
}

/// Creates the plan `code` at `amount_cents` a month, granting `entitlements`.
async fn create_plan(app: &TestApp, code: &str, amount_cents: i64, entitlements: Value) {
    let plan = json!({"plan": {
        "name": code, "code": code, "interval": "monthly", "amount_cents": amount_cents,
        "amount_currency": "EUR", "pay_in_advance": false
    }});
    let response = app.post("/api/v1/plans", &plan).await;
    assert_eq!(response.status, 200, "create plan: {}", response.body);
    let path = format!("/api/v1/plans/{code}/entitlements");
    let response = app.post(&path, &json!({ "entitlements": entitlements })).await;
    assert_eq!(response.status, 200, "plan entitlements: {}", response.body);
}

/// Subscribes the customer `cust_1` to `plan_code` as `external_id`.
async fn subscribe(app: &TestApp, plan_code: &str, external_id: &str) -> HttpResponse {
    let subscription = json!({"subscription": {"external_customer_id": "cust_1", "plan_code": plan_code, "external_id": external_id}});
    app.post("/api/v1/subscriptions", &subscription).await
}

/// The features, the plan `startup` (`seats.max = 10`) and the subscription `sub_1` on it.
async fn seats_on_startup(app: &TestApp) {
    create_features(app).await;
    create_plan(app, "startup", 10_000, json!({"seats": {"max": 10}})).await;
    let response = subscribe(app, "startup", "sub_1").await;
    assert_eq!(response.status, 200, "subscribe: {}", response.body);
}

fn entitlements_path(external_id: &str) -> String {
    format!("/api/v1/subscriptions/{external_id}/entitlements")
}

/// PATCH `{"entitlements": entitlements}` on `sub_1`.
async fn patch(app: &TestApp, entitlements: Value) -> HttpResponse {
    app.patch(&entitlements_path("sub_1"), &json!({ "entitlements": entitlements })).await
}

/// GET `sub_1`'s entitlements, asserting success.
async fn current(app: &TestApp) -> Value {
    let response = app.get(&entitlements_path("sub_1")).await;
    assert_eq!(response.status, 200, "subscription entitlements: {}", response.body);
    response.body["entitlements"].clone()
}

/// Lago's privilege object of a subscription entitlement.
fn privilege(code: &str, value_type: &str, value: Value, plan_value: Value, override_value: Value) -> Value {
    let config =
        if value_type == "select" { json!({"select_options": ["google", "okta"]}) } else { json!({}) };
    json!({
        "code": code, "name": null, "value_type": value_type, "value": value, "plan_value": plan_value,
        "override_value": override_value, "config": config
    })
}

/// `seats.max` from the plan (`plan`) and the subscription (`own`).
fn max(plan: Option<i64>, own: Option<i64>) -> Value {
    let value = own.or(plan);
    privilege("max", "integer", json!(value), json!(plan), json!(own))
}

/// An override-only integer privilege.
fn own_integer(code: &str, value: i64) -> Value {
    privilege(code, "integer", json!(value), Value::Null, json!(value))
}

/// An override-only boolean privilege.
fn own_boolean(code: &str, value: bool) -> Value {
    privilege(code, "boolean", json!(value), Value::Null, json!(value))
}

/// The entitlement object of `seats` with these privileges; `overrides` is derived from them, as
/// Lago derives it.
fn seats(privileges: Value) -> Value {
    entitlement("seats", json!("Feature Name"), json!("Feature Description"), privileges)
}

/// The entitlement object of `sso` with these privileges.
fn sso(privileges: Value) -> Value {
    entitlement("sso", json!("SSO"), Value::Null, privileges)
}

fn entitlement(code: &str, name: Value, description: Value, privileges: Value) -> Value {
    let mut overrides = Map::new();
    for privilege in privileges.as_array().into_iter().flatten() {
        if !privilege["override_value"].is_null() {
            overrides.insert(
                privilege["code"].as_str().unwrap_or_default().to_owned(),
                privilege["override_value"].clone(),
            );
        }
    }
    json!({"code": code, "name": name, "description": description, "privileges": privileges, "overrides": overrides})
}

/// `{"entitlements": [...]}`.
fn list(entitlements: Value) -> Value {
    json!({ "entitlements": entitlements })
}
