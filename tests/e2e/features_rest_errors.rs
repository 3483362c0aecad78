//! Malformed, invalid and misrouted requests on `/api/v1/features`: each is answered in Lago's
//! envelope with the right status (400, 401, 404, 422), never a 500, and none of them leaves a
//! trace in the change log (a failed request emits no change event). Malformed shapes (a scalar
//! where an object belongs, invalid JSON, a wrong Content-Type) are 400s here, even those Lago
//! answers with a 500.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{
    API_KEY, HttpResponse, OTHER_API_KEY, TestApp, assert_body, backend_tests, into_response, not_found,
    unauthorized,
};

/// Lago's 400 for a missing or empty root key, exactly.
fn missing_feature() -> Value {
    json!({"status": 400, "error": "BadRequest: param is missing or the value is empty or invalid: feature"})
}

fn validation_errors(error_details: Value) -> Value {
    json!({"status": 422, "error": "Unprocessable Entity", "code": "validation_errors", "error_details": error_details})
}

/// A 400 in Lago's envelope: exactly `status` and `error`, the error saying why after
/// `BadRequest: `.
#[track_caller]
fn assert_bad_request(response: &HttpResponse, what: &str) {
    assert_eq!(response.status, 400, "{what}: {}", response.body);
    assert_eq!(response.content_type, "application/json; charset=utf-8", "{what}");
    let object =
        response.body.as_object().unwrap_or_else(|| panic!("{what}: not a JSON object: {}", response.body));
    assert_eq!(object.len(), 2, "{what}: exactly status and error: {}", response.body);
    assert_eq!(object.get("status"), Some(&json!(400)), "{what}: {}", response.body);
    let error = object.get("error").and_then(Value::as_str).unwrap_or_default();
    let reason = error.strip_prefix("BadRequest: ");
    assert!(reason.is_some_and(|reason| !reason.trim().is_empty()), "{what}: error is {error:?}");
}

/// Sends `body` byte for byte, with the given `Authorization` header value and `Content-Type`
/// (each optional), so that requests the typed helpers cannot express can be made.
async fn send_raw_as(
    app: &TestApp,
    authorization: Option<&str>,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> HttpResponse {
    let mut request = reqwest::Client::new().request(method, app.url(path)).body(body.to_owned());
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    into_response(request.send().await.expect("the request reaches the server")).await
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// JSON bodies (sent as `application/json`) that are not a usable `feature` on create.
const MALFORMED_CREATE_BODIES: &[(&str, &str)] = &[
    ("invalid JSON", r#"{"feature": {"code": "x""#),
    ("JSON followed by garbage", r#"{"feature": {"code": "x"}} trailing"#),
    ("a JSON array", r#"[{"feature": {"code": "x"}}]"#),
    ("a JSON string", r#""feature""#),
    ("a JSON number", "42"),
    ("feature a string", r#"{"feature": "x"}"#),
    ("feature a number", r#"{"feature": 1}"#),
    ("feature an array", r#"{"feature": [{"code": "x"}]}"#),
    ("a numeric feature code", r#"{"feature": {"code": 123}}"#),
    ("a boolean feature code", r#"{"feature": {"code": true}}"#),
    ("an object feature code", r#"{"feature": {"code": {"value": "x"}}}"#),
    ("a numeric name", r#"{"feature": {"code": "x", "name": 5}}"#),
    ("an object description", r#"{"feature": {"code": "x", "description": {"text": "d"}}}"#),
    ("privileges a string", r#"{"feature": {"code": "x", "privileges": "max"}}"#),
    ("privileges an object", r#"{"feature": {"code": "x", "privileges": {"code": "max"}}}"#),
    ("a privilege that is a string", r#"{"feature": {"code": "x", "privileges": ["max"]}}"#),
    ("a privilege that is null", r#"{"feature": {"code": "x", "privileges": [null]}}"#),
    ("a privilege that is an array", r#"{"feature": {"code": "x", "privileges": [[{"code": "max"}]]}}"#),
    ("a numeric privilege code", r#"{"feature": {"code": "x", "privileges": [{"code": 7}]}}"#),
    ("a numeric privilege name", r#"{"feature": {"code": "x", "privileges": [{"code": "max", "name": 7}]}}"#),
];

backend_tests! {
    async fn malformed_create_bodies_are_400s_in_lagos_envelope(app) {
        for (what, body) in MALFORMED_CREATE_BODIES {
            let response = app.send_raw(Method::POST, "/api/v1/features", "application/json", body).await;
            assert_bad_request(&response, what);
        }

        let valid = r#"{"feature": {"code": "x"}}"#;
        for content_type in ["text/plain", "application/x-www-form-urlencoded", "text/json"] {
            let response = app.send_raw(Method::POST, "/api/v1/features", content_type, valid).await;
            assert_bad_request(&response, &format!("a JSON body sent as {content_type}"));
        }
        let response =
            send_raw_as(&app, Some(&bearer(API_KEY)), Method::POST, "/api/v1/features", None, valid).await;
        assert_bad_request(&response, "a JSON body without a Content-Type");

        // Nothing was created by any of them.
        let list = app.get("/api/v1/features").await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(list.body["features"], json!([]));
        assert_eq!(list.body["meta"]["total_count"], json!(0));
    }

    async fn a_missing_or_empty_feature_root_is_lagos_param_is_missing(app) {
        let cases = [
            ("no root key", json!({})),
            ("another root key", json!({"code": "x", "privileges": []})),
            ("an empty feature", json!({"feature": {}})),
            ("a null feature", json!({"feature": null})),
        ];
        for (what, body) in &cases {
            let response = app.post("/api/v1/features", body).await;
            assert_body(&response, 400, &missing_feature(), what);
        }
        let response = send_raw_as(&app, Some(&bearer(API_KEY)), Method::POST, "/api/v1/features", None, "").await;
        assert_body(&response, 400, &missing_feature(), "an empty body");
        let response = app.send_raw(Method::POST, "/api/v1/features", "application/json", "  \n").await;
        assert_body(&response, 400, &missing_feature(), "a blank JSON body");
    }

    async fn per_page_zero_is_a_400(app) {
        app.create_feature(json!({"code": "seats"})).await;
        for query in ["per_page=0", "per_page=0abc", "page=2&per_page=0"] {
            let response = app.get(&format!("/api/v1/features?{query}")).await;
            assert_bad_request(&response, query);
        }
        // The feature list itself still answers.
        let response = app.get("/api/v1/features?per_page=1").await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.body["meta"]["total_count"], json!(1));
    }

    async fn update_looks_the_feature_up_before_reading_the_body(app) {
        let malformed: [(&str, &str, &str); 5] = [
            ("invalid JSON", "application/json", r#"{"feature": "#),
            ("a JSON array", "application/json", "[]"),
            ("a JSON body sent as text/plain", "text/plain", r#"{"feature": {"name": "n"}}"#),
            ("no feature root", "application/json", "{}"),
            ("privileges not an array", "application/json", r#"{"feature": {"privileges": 1}}"#),
        ];
        for method in [Method::PATCH, Method::PUT] {
            for (what, content_type, body) in malformed {
                let response = app.send_raw(method.clone(), "/api/v1/features/ghost", content_type, body).await;
                assert_body(&response, 404, &not_found("feature_not_found"), &format!("{method} ghost, {what}"));
            }
        }

        let created = app
            .create_feature(json!({"code": "seats", "name": "Seats", "privileges": [{"code": "max", "value_type": "integer"}]}))
            .await;
        for method in [Method::PATCH, Method::PUT] {
            for (what, content_type, body) in malformed {
                let response = app.send_raw(method.clone(), "/api/v1/features/seats", content_type, body).await;
                assert_bad_request(&response, &format!("{method} seats, {what}"));
            }
            for body in [json!({}), json!({"feature": {}}), json!({"feature": null})] {
                let response = app.send(method.clone(), "/api/v1/features/seats", Some(&body)).await;
                assert_body(&response, 400, &missing_feature(), &format!("{method} seats with {body}"));
            }
            let response = app
                .send_raw(method.clone(), "/api/v1/features/seats", "application/json", r#"{"feature": {"name": 1}}"#)
                .await;
            assert_bad_request(&response, &format!("{method} seats with a numeric name"));
            let response = app
                .send_raw(
                    method.clone(),
                    "/api/v1/features/seats",
                    "application/json",
                    r#"{"feature": {"privileges": [{"code": ["max"]}]}}"#,
                )
                .await;
            assert_bad_request(&response, &format!("{method} seats with a non-string privilege code"));
        }

        // None of the failed updates changed the feature.
        let response = app.get("/api/v1/features/seats").await;
        assert_eq!((response.status, &response.body), (200, &created));
    }

    async fn authentication_comes_before_everything(app) {
        app.create_feature(json!({"code": "seats"})).await;
        let requests: [(Method, &str, Option<&str>, &str); 6] = [
            (Method::POST, "/api/v1/features", Some("application/json"), "{not json"),
            (Method::POST, "/api/v1/features", Some("text/plain"), r#"{"feature": {"code": "x"}}"#),
            (Method::POST, "/api/v1/features", Some("application/json"), "{}"),
            (Method::PATCH, "/api/v1/features/ghost", Some("application/json"), "{not json"),
            (Method::PATCH, "/api/v1/features/seats", Some("application/json"), "[1, 2]"),
            (Method::GET, "/api/v1/features?per_page=0", None, ""),
        ];
        for (method, path, content_type, body) in requests {
            for authorization in [None, Some(bearer("wrong-key"))] {
                let response = send_raw_as(&app, authorization.as_deref(), method.clone(), path, content_type, body).await;
                assert_body(&response, 401, &unauthorized(), &format!("{method} {path} {body:?} with {authorization:?}"));
            }
        }
    }

    async fn unknown_routes_are_lagos_resource_not_found(app) {
        app.create_feature(json!({"code": "seats", "privileges": [{"code": "max"}]})).await;
        let routes: [(Method, &str); 9] = [
            (Method::GET, "/api/v1/nope"),
            (Method::GET, "/nope"),
            (Method::GET, "/"),
            (Method::POST, "/api/v1/features/x"),
            (Method::POST, "/api/v1/features/seats"),
            (Method::PATCH, "/api/v1/features"),
            (Method::DELETE, "/api/v1/features"),
            (Method::GET, "/api/v1/features/seats/privileges/max"),
            (Method::GET, "/api/v1/features/seats/privileges"),
        ];
        for (method, path) in routes {
            for key in [Some(API_KEY), None] {
                let response = app.send_as(key, method.clone(), path, Some(&json!({"feature": {"code": "x"}}))).await;
                assert_body(&response, 404, &not_found("resource_not_found"), &format!("{method} {path} with {key:?}"));
            }
        }
        // No route did anything.
        let list = app.get("/api/v1/features").await;
        assert_eq!(list.body["meta"]["total_count"], json!(1), "{}", list.body);
        assert_eq!(list.body["features"][0]["privileges"].as_array().map(Vec::len), Some(1), "{}", list.body);
    }

    async fn invalid_value_types_are_422s_in_lagos_envelope(app) {
        let cases = [
            ("null", json!(null), json!({"privilege.value_type": ["value_is_mandatory", "value_is_invalid"]})),
            ("unknown", json!("float"), json!({"privilege.value_type": ["value_is_invalid"]})),
            ("wrong case", json!("Integer"), json!({"privilege.value_type": ["value_is_invalid"]})),
            ("empty", json!(""), json!({"privilege.value_type": ["value_is_invalid"]})),
            ("a number", json!(5), json!({"privilege.value_type": ["value_is_invalid"]})),
            ("a boolean", json!(true), json!({"privilege.value_type": ["value_is_invalid"]})),
            ("an array", json!(["integer"]), json!({"privilege.value_type": ["value_is_invalid"]})),
        ];
        for (what, value_type, error_details) in &cases {
            let body = json!({"feature": {"code": "seats", "privileges": [{"code": "max", "value_type": value_type}]}});
            let response = app.post("/api/v1/features", &body).await;
            assert_body(&response, 422, &validation_errors(error_details.clone()), &format!("create with {what}"));
        }

        // The same on update, for a new privilege; the feature stays as it was.
        let created = app.create_feature(json!({"code": "seats"})).await;
        for (what, value_type, error_details) in &cases {
            let body = json!({"feature": {"name": "renamed", "privileges": [{"code": "max", "value_type": value_type}]}});
            let response = app.patch("/api/v1/features/seats", &body).await;
            assert_body(&response, 422, &validation_errors(error_details.clone()), &format!("update with {what}"));
        }
        let response = app.get("/api/v1/features/seats").await;
        assert_eq!((response.status, &response.body), (200, &created));
    }

    async fn failed_requests_leave_no_change_events(app) {
        let events = || app.change_events(API_KEY);
        assert_eq!(events().await, vec![]);

        // Failures before the feature exists: a 422, 404s and 400s.
        let response = app
            .post("/api/v1/features", &json!({"feature": {"code": "seats", "privileges": [{"code": "max", "value_type": "nope"}]}}))
            .await;
        assert_eq!(response.status, 422, "{}", response.body);
        let response = app.patch("/api/v1/features/seats", &json!({"feature": {"name": "n"}})).await;
        assert_body(&response, 404, &not_found("feature_not_found"), "update a missing feature");
        let response = app.delete("/api/v1/features/seats").await;
        assert_body(&response, 404, &not_found("feature_not_found"), "delete a missing feature");
        let response = app.delete("/api/v1/features/seats/privileges/max").await;
        assert_body(&response, 404, &not_found("feature_not_found"), "delete a privilege of a missing feature");
        let response = app.send_raw(Method::POST, "/api/v1/features", "application/json", "{oops").await;
        assert_bad_request(&response, "invalid JSON");
        let response = app.post("/api/v1/features", &json!({"feature": {"code": 1}})).await;
        assert_bad_request(&response, "numeric code");
        assert_eq!(events().await, vec![], "failed requests appended change events");

        // One event per successful write.
        app.create_feature(json!({"code": "seats", "privileges": [
            {"code": "max", "value_type": "integer"},
            {"code": "root", "value_type": "boolean"}
        ]}))
        .await;
        let after_create = events().await;
        assert_eq!(after_create.len(), 1, "{after_create:?}");

        // Failures on an existing feature: 422s, 400s, 404s (and a 401) change nothing.
        let response = app.post("/api/v1/features", &json!({"feature": {"code": "seats"}})).await;
        assert_body(&response, 422, &validation_errors(json!({"code": ["value_already_exist"]})), "duplicate code");
        let response = app
            .patch(
                "/api/v1/features/seats",
                &json!({"feature": {"name": "renamed", "privileges": [{"code": "new", "value_type": "select"}]}}),
            )
            .await;
        assert_body(&response, 422, &validation_errors(json!({"privilege.config": ["invalid_format"]})), "bad select");
        let response = app.send_raw(Method::PATCH, "/api/v1/features/seats", "application/json", "[]").await;
        assert_bad_request(&response, "update with an array body");
        let response = app.patch("/api/v1/features/seats", &json!({"feature": {}})).await;
        assert_body(&response, 400, &missing_feature(), "update with an empty feature");
        let response = app.delete("/api/v1/features/seats/privileges/ghost").await;
        assert_body(&response, 404, &not_found("privilege_not_found"), "delete a missing privilege");
        let response = app.send_as(Some(OTHER_API_KEY), Method::DELETE, "/api/v1/features/seats", None).await;
        assert_body(&response, 404, &not_found("feature_not_found"), "delete another organization's feature");
        let response = app.send_as(None, Method::DELETE, "/api/v1/features/seats", None).await;
        assert_body(&response, 401, &unauthorized(), "delete without a key");
        assert_eq!(events().await, after_create, "failed requests appended change events");

        let response = app.patch("/api/v1/features/seats", &json!({"feature": {"name": "Seats"}})).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let response = app.delete("/api/v1/features/seats/privileges/root").await;
        assert_eq!(response.status, 200, "{}", response.body);
        let response = app.delete("/api/v1/features/seats").await;
        assert_eq!(response.status, 200, "{}", response.body);
        let response = app.delete("/api/v1/features/seats").await;
        assert_body(&response, 404, &not_found("feature_not_found"), "delete a deleted feature");

        let events = events().await;
        let summary: Vec<(i64, &str, &str, &str)> = events
            .iter()
            .map(|event| (event.sequence, event.event_type.as_str(), event.object_type.as_str(), event.object_code.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (3, "feature.created", "feature", "seats"),
                (4, "feature.updated", "feature", "seats"),
                (5, "feature.updated", "feature", "seats"),
                (6, "feature.deleted", "feature", "seats"),
            ]
        );
        assert!(events.iter().all(|event| event.object_id == events[0].object_id), "one feature: {events:?}");

        // The other organization's log saw none of it.
        assert_eq!(app.change_events(OTHER_API_KEY).await, vec![]);
    }
}
