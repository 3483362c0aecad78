//! `GET /v1/check` and `POST /v1/check/bulk`: CheckService over REST, with exact bodies. The
//! reasons and their rules are proven over gRPC (`check_grpc`); here, the JSON shapes, the
//! parameters (the same names in the query string and in bulk items), and Lago's envelopes for
//! every error, in Lago's order (401 before anything else).

use reqwest::Method;
use serde_json::{Value, json};

use crate::check_grpc::{organization_revision, seed};
use crate::support::conformance::{assert_response, validation_errors};
use crate::support::{API_KEY, TestApp, backend_tests, not_found, unauthorized};

/// An answer's JSON.
fn answer(allowed: bool, reason: &str, values: [Value; 3], revision: u64) -> Value {
    let [value, plan_value, override_value] = values;
    json!({
        "allowed": allowed, "reason": reason, "value": value, "plan_value": plan_value,
        "override_value": override_value, "revision": revision
    })
}

fn no_values() -> [Value; 3] {
    [Value::Null, Value::Null, Value::Null]
}

fn bad_request(message: &str) -> Value {
    json!({"status": 400, "error": format!("BadRequest: {message}")})
}

backend_tests! {
    async fn a_check_answers_its_reason_and_values(app) {
        a_check_answers_its_reason_and_values(&app).await;
    }

    async fn check_errors_use_lagos_envelopes(app) {
        check_errors_use_lagos_envelopes(&app).await;
    }

    async fn bulk_checks_answer_in_order_with_an_error_per_item(app) {
        bulk_checks_answer_in_order_with_an_error_per_item(&app).await;
    }

    async fn bulk_check_errors_use_lagos_envelopes(app) {
        bulk_check_errors_use_lagos_envelopes(&app).await;
    }
}

async fn a_check_answers_its_reason_and_values(app: &TestApp) {
    seed(app).await;
    let revision = organization_revision(app, API_KEY).await;
    let cases = [
        (
            "subscription_external_id=sub_1&feature_code=seats&privilege_code=max",
            answer(true, "granted_by_override", [json!(50), json!(10), json!(50)], revision),
        ),
        (
            "subscription_external_id=sub_1&feature_code=seats",
            answer(true, "granted_by_plan", no_values(), revision),
        ),
        (
            "subscription_external_id=sub_1&feature_code=audit",
            answer(false, "feature_removed", no_values(), revision),
        ),
        (
            "subscription_external_id=sub_1&feature_code=seats&privilege_code=label",
            answer(false, "privilege_removed", no_values(), revision),
        ),
        (
            "subscription_external_id=sub_old&feature_code=seats",
            answer(false, "subscription_not_active", no_values(), revision),
        ),
        (
            "subscription_external_id=sub_old&feature_code=seats&subscription_status=terminated",
            answer(true, "granted_by_plan", no_values(), revision),
        ),
        (
            "subscription_external_id=sub_old&feature_code=seats&subscription_status=incomplete",
            answer(false, "subscription_not_found", no_values(), revision),
        ),
        (
            "subscription_external_id=sub_1&feature_code=seats&privilege_code=tier&select_one_of=basic&select_one_of=gold",
            answer(true, "granted_by_plan", [json!("gold"), json!("gold"), Value::Null], revision),
        ),
        (
            "subscription_external_id=sub_1&feature_code=seats&privilege_code=root&boolean_equals=false",
            answer(false, "requirement_not_met", [json!(true), json!(true), Value::Null], revision),
        ),
        (
            "subscription_external_id=sub_1&feature_code=seats&privilege_code=max&integer_at_most=10",
            answer(false, "requirement_not_met", [json!(50), json!(10), json!(50)], revision),
        ),
        (
            "subscription_external_id=sub_1&feature_code=seats&privilege_code=max&integer_at_least=50&min_revision=1",
            answer(true, "granted_by_override", [json!(50), json!(10), json!(50)], revision),
        ),
        (
            "subscription_external_id=sub_1&feature_code=beta&privilege_code=level&string_equals=alpha",
            answer(true, "granted_by_override", [json!("alpha"), Value::Null, json!("alpha")], revision),
        ),
        (
            "subscription_external_id=sub_1&feature_code=seats&privilege_code=root&integer_at_least=1",
            answer(false, "requirement_type_mismatch", [json!(true), json!(true), Value::Null], revision),
        ),
    ];
    for (query, expected) in cases {
        assert_response(&app.get(&format!("/v1/check?{query}")).await, 200, &expected);
    }
}

async fn check_errors_use_lagos_envelopes(app: &TestApp) {
    seed(app).await;
    assert_response(
        &app.get("/v1/check").await,
        422,
        &validation_errors(json!({
            "subscription_external_id": ["value_is_mandatory"], "feature_code": ["value_is_mandatory"]
        })),
    );
    let without_privilege =
        app.get("/v1/check?subscription_external_id=sub_1&feature_code=seats&select_one_of=gold").await;
    assert_response(
        &without_privilege,
        422,
        &validation_errors(json!({"privilege_code": ["value_is_mandatory"]})),
    );
    let empty_privilege =
        app.get("/v1/check?subscription_external_id=sub_1&feature_code=seats&privilege_code=").await;
    assert_response(
        &empty_privilege,
        422,
        &validation_errors(json!({"privilege_code": ["value_is_invalid"]})),
    );
    let malformed = [
        ("integer_at_least=ten", "integer_at_least must be a 64-bit integer"),
        ("boolean_equals=yes", "boolean_equals must be true or false"),
        ("min_revision=-1", "min_revision must be a non-negative integer"),
        ("integer_at_lest=1", "integer_at_lest is not a parameter of a check"),
        (
            "integer_at_least=1&string_equals=a",
            "string_equals and integer_at_least are two requirements; a check takes one",
        ),
    ];
    for (query, message) in malformed {
        let response = app
            .get(&format!(
                "/v1/check?subscription_external_id=sub_1&feature_code=seats&privilege_code=max&{query}"
            ))
            .await;
        assert_response(&response, 400, &bad_request(message));
    }
    // Authentication comes first, even for a malformed request.
    for query in ["subscription_external_id=sub_1&feature_code=seats", "integer_at_least=ten"] {
        let response = app.send_as(None, Method::GET, &format!("/v1/check?{query}"), None).await;
        assert_response(&response, 401, &unauthorized());
        let response = app.send_as(Some("wrong-key"), Method::GET, &format!("/v1/check?{query}"), None).await;
        assert_response(&response, 401, &unauthorized());
    }
    let revision = organization_revision(app, API_KEY).await;
    let future = app
        .get(&format!(
            "/v1/check?subscription_external_id=sub_1&feature_code=seats&min_revision={}",
            revision + 1000
        ))
        .await;
    assert_response(
        &future,
        503,
        &json!({"status": 503, "error": "Service Unavailable", "code": "revision_not_reached"}),
    );
    assert_response(&app.get("/v1/nothing").await, 404, &not_found("resource_not_found"));
    assert_response(&app.post("/v1/check", &json!({})).await, 404, &not_found("resource_not_found"));
}

async fn bulk_checks_answer_in_order_with_an_error_per_item(app: &TestApp) {
    seed(app).await;
    let revision = organization_revision(app, API_KEY).await;
    let body = json!({"items": [
        {"subscription_external_id": "sub_1", "feature_code": "seats", "privilege_code": "max"},
        {"subscription_external_id": "sub_1", "feature_code": ""},
        {"subscription_external_id": "nobody", "feature_code": "seats", "privilege_code": null},
        {"subscription_external_id": "sub_1", "feature_code": "seats", "privilege_code": "tier",
         "select_one_of": ["basic"]},
        {"subscription_external_id": "sub_1", "feature_code": "seats", "integer_at_least": 1},
        {"subscription_external_id": "sub_old", "feature_code": "sso", "subscription_status": "terminated",
         "min_revision": revision}
    ], "min_revision": 0});
    let item_error = |details: Value| json!({"error": validation_errors(details)});
    let expected = json!({"results": [
        answer(true, "granted_by_override", [json!(50), json!(10), json!(50)], revision),
        item_error(json!({"feature_code": ["value_is_mandatory"]})),
        answer(false, "subscription_not_found", no_values(), revision),
        answer(false, "requirement_not_met", [json!("gold"), json!("gold"), Value::Null], revision),
        item_error(json!({"privilege_code": ["value_is_mandatory"]})),
        answer(true, "granted_by_plan", no_values(), revision),
    ], "revision": revision});
    assert_response(&app.post("/v1/check/bulk", &body).await, 200, &expected);
}

async fn bulk_check_errors_use_lagos_envelopes(app: &TestApp) {
    seed(app).await;
    let items = |count: usize| -> Vec<Value> {
        (0..count).map(|_| json!({"subscription_external_id": "sub_1", "feature_code": "seats"})).collect()
    };
    assert_eq!(app.post("/v1/check/bulk", &json!({ "items": items(1000) })).await.status, 200);
    assert_response(
        &app.post("/v1/check/bulk", &json!({ "items": items(1001) })).await,
        422,
        &validation_errors(json!({"items": ["value_is_out_of_range"]})),
    );
    assert_response(
        &app.post("/v1/check/bulk", &json!({})).await,
        422,
        &validation_errors(json!({"items": ["value_is_mandatory"]})),
    );
    let malformed = [
        (json!({"items": {}}), "items must be an array"),
        (json!({"items": [{}, "sub_1"]}), "items[1] must be a JSON object"),
        (json!({"items": [{"feature_code": ["seats"]}]}), "items[0].feature_code must be a string"),
        (json!({"items": [{"select_one_of": "gold"}]}), "items[0].select_one_of must be an array of strings"),
        (json!({"items": [], "min_revision": "3"}), "min_revision must be a non-negative integer"),
        (json!({"items": [], "consistency": "full"}), "consistency is not a parameter of a bulk check"),
    ];
    for (body, message) in malformed {
        assert_response(&app.post("/v1/check/bulk", &body).await, 400, &bad_request(message));
    }
    let text = app.send_raw(Method::POST, "/v1/check/bulk", "text/plain", "{}").await;
    assert_response(&text, 400, &bad_request("Content-Type must be application/json"));
    assert_eq!(app.send_raw(Method::POST, "/v1/check/bulk", "application/json", "{").await.status, 400);
    let unauthenticated =
        app.send_as(None, Method::POST, "/v1/check/bulk", Some(&json!({"items": {}}))).await;
    assert_response(&unauthenticated, 401, &unauthorized());
    let revision = organization_revision(app, API_KEY).await;
    let future = json!({"items": items(1), "min_revision": revision + 1000});
    assert_response(
        &app.post("/v1/check/bulk", &future).await,
        503,
        &json!({"status": 503, "error": "Service Unavailable", "code": "revision_not_reached"}),
    );
}
