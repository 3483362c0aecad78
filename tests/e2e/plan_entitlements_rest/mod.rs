//! Lago conformance for `/api/v1/plans/{code}/entitlements...`, with exact bodies, on SQLite and
//! PostgreSQL: Lago's request-spec scenarios, every value-type rule of Lago's `validate_value`,
//! our deliberate differences, the cascades from features and plans, the change log, and
//! concurrent writes.
//!
//! Fixtures are created through REST: the feature `seats` of Lago's specs (privileges `max`
//! integer, `max_admins` string, `root` boolean, `invitation` select) and the plan `startup`.

use serde_json::{Value, json};

use crate::support::{HttpResponse, TestApp};

mod cascades;
mod concurrency;
mod decisions;
mod lago_scenarios;
mod values;

/// The select options of `seats.invitation`.
const INVITATION_OPTIONS: [&str; 3] = ["email", "phone", "slack"];

/// Creates the feature `seats` of Lago's request specs.
async fn create_seats(app: &TestApp) {
    app.create_feature(json!({
        "code": "seats", "name": "Feature Name", "description": "Feature Description",
        "privileges": [
            {"code": "max", "value_type": "integer"},
            {"code": "max_admins", "value_type": "string"},
            {"code": "root", "name": "Allow root user", "value_type": "boolean"},
            {"code": "invitation", "value_type": "select", "config": {"select_options": INVITATION_OPTIONS}}
        ]
    }))
    .await;
}

/// Creates a feature `code` with one string privilege `level` (and no name or description).
async fn create_simple_feature(app: &TestApp, code: &str) {
    app.create_feature(json!({"code": code, "privileges": [{"code": "level", "value_type": "string"}]}))
        .await;
}

/// Creates the plan `code`.
async fn create_plan(app: &TestApp, code: &str) {
    let plan = json!({"plan": {
        "name": code, "code": code, "interval": "monthly", "amount_cents": 100, "amount_currency": "EUR",
        "pay_in_advance": false
    }});
    let response = app.post("/api/v1/plans", &plan).await;
    assert_eq!(response.status, 200, "create plan: {}", response.body);
}

/// `seats` and `startup`: what most scenarios start from.
async fn seats_and_startup(app: &TestApp) {
    create_seats(app).await;
    create_plan(app, "startup").await;
}

fn entitlements_path(plan_code: &str) -> String {
    format!("/api/v1/plans/{plan_code}/entitlements")
}

/// POST (replace all) `{"entitlements": entitlements}`.
async fn post_entitlements(app: &TestApp, plan_code: &str, entitlements: Value) -> HttpResponse {
    app.post(&entitlements_path(plan_code), &json!({ "entitlements": entitlements })).await
}

/// PATCH (merge) `{"entitlements": entitlements}`.
async fn patch_entitlements(app: &TestApp, plan_code: &str, entitlements: Value) -> HttpResponse {
    app.patch(&entitlements_path(plan_code), &json!({ "entitlements": entitlements })).await
}

/// GET the plan's entitlements, asserting success.
async fn current_entitlements(app: &TestApp, plan_code: &str) -> Value {
    let response = app.get(&entitlements_path(plan_code)).await;
    assert_eq!(response.status, 200, "list entitlements: {}", response.body);
    response.body["entitlements"].clone()
}

/// Lago's privilege object of a plan entitlement.
fn privilege(code: &str, name: Value, value_type: &str, value: Value) -> Value {
    let config =
        if value_type == "select" { json!({"select_options": INVITATION_OPTIONS}) } else { json!({}) };
    json!({"code": code, "name": name, "value_type": value_type, "value": value, "config": config})
}

/// `seats.max` with this value.
fn max(value: i64) -> Value {
    privilege("max", Value::Null, "integer", json!(value))
}

/// `seats.max_admins` with this value.
fn max_admins(value: &str) -> Value {
    privilege("max_admins", Value::Null, "string", json!(value))
}

/// `seats.root` with this value.
fn root(value: bool) -> Value {
    privilege("root", json!("Allow root user"), "boolean", json!(value))
}

/// `seats.invitation` with this value.
fn invitation(value: &str) -> Value {
    privilege("invitation", Value::Null, "select", json!(value))
}

/// Lago's plan entitlement object of `seats` with these privileges.
fn seats(privileges: Value) -> Value {
    json!({"code": "seats", "name": "Feature Name", "description": "Feature Description", "privileges": privileges})
}

/// The plan entitlement object of a feature made by `create_simple_feature`.
fn simple(code: &str, privileges: Value) -> Value {
    json!({"code": code, "name": null, "description": null, "privileges": privileges})
}

/// `simple`'s `level` privilege with this value.
fn level(value: &str) -> Value {
    privilege("level", Value::Null, "string", json!(value))
}

/// `{"entitlements": [...]}`.
fn list(entitlements: Value) -> Value {
    json!({ "entitlements": entitlements })
}

/// `{"entitlement": {...}}`.
fn single(entitlement: Value) -> Value {
    json!({ "entitlement": entitlement })
}
