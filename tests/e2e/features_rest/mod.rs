//! Lago conformance for `/api/v1/features` (the scenarios of Lago's `features_controller_spec.rb`
//! and `features/privileges_controller_spec.rb`), with exact bodies.
//!
//! Every scenario asserts the status and the whole body, key order included. Counts that Lago's
//! specs check in the database are proven through the API and through the store (its features and
//! its change log, which also shows that a failed request emits no change event).

use entitlements_domain::{Error, PageRequest, Resource};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{HttpResponse, OTHER_API_KEY, TestApp, backend_tests, not_found};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Asserts the status and the body, key order included (Lago's clients see the bytes).
#[track_caller]
fn assert_response(response: &HttpResponse, status: u16, body: &Value) {
    assert_eq!(response.status, status, "unexpected status, body: {}", response.body);
    assert_eq!(&response.body, body);
    assert_eq!(response.body.to_string(), body.to_string(), "same JSON but another key order");
}

/// Lago's 422 envelope around these error details.
fn validation_errors(details: Value) -> Value {
    json!({
        "status": 422, "error": "Unprocessable Entity", "code": "validation_errors", "error_details": details
    })
}

/// Lago's pagination `meta`.
fn meta(
    current_page: u64,
    next_page: Option<u64>,
    prev_page: Option<u64>,
    total_pages: u64,
    total_count: u64,
) -> Value {
    json!({
        "current_page": current_page,
        "next_page": next_page,
        "prev_page": prev_page,
        "total_pages": total_pages,
        "total_count": total_count,
    })
}

/// The `created_at` of a feature object, once checked to be `YYYY-MM-DDTHH:MM:SSZ`.
#[track_caller]
fn created_at(feature: &Value) -> Value {
    let text =
        feature["created_at"].as_str().unwrap_or_else(|| panic!("created_at is a string in {feature}"));
    let shape = "dddd-dd-ddTdd:dd:ddZ";
    let matches = text.len() == shape.len()
        && text.bytes().zip(shape.bytes()).all(|(actual, expected)| match expected {
            b'd' => actual.is_ascii_digit(),
            _ => actual == expected,
        });
    assert!(matches, "created_at {text:?} is not YYYY-MM-DDTHH:MM:SSZ");
    Value::String(text.to_owned())
}

/// POST /api/v1/features with `{"feature": feature}`.
async fn post_feature(app: &TestApp, feature: Value) -> HttpResponse {
    app.post("/api/v1/features", &json!({ "feature": feature })).await
}

/// PATCH /api/v1/features/{code} with `{"feature": feature}` (`code` needs no percent-encoding).
async fn patch_feature(app: &TestApp, code: &str, feature: Value) -> HttpResponse {
    app.patch(&format!("/api/v1/features/{code}"), &json!({ "feature": feature })).await
}

/// PUT /api/v1/features/{code} with `{"feature": feature}` (`code` needs no percent-encoding).
async fn put_feature(app: &TestApp, code: &str, feature: Value) -> HttpResponse {
    app.put(&format!("/api/v1/features/{code}"), &json!({ "feature": feature })).await
}

/// A request as the other organization.
async fn as_other(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> HttpResponse {
    app.send_as(Some(OTHER_API_KEY), method, path, body.as_ref()).await
}

/// Lago's request-spec feature: `seats`, with `max` named "Maximum" and `max_admins` named "".
fn seats_input() -> Value {
    json!({
        "code": "seats", "name": "Number of seats", "description": "Number of users of the account",
        "privileges": [
            {"code": "max", "name": "Maximum", "value_type": "integer"},
            {"code": "max_admins", "name": "", "value_type": "integer"}
        ]
    })
}

/// `seats` as the API answers it.
fn seats_json(created_at: &Value) -> Value {
    json!({
        "code": "seats", "name": "Number of seats", "description": "Number of users of the account",
        "privileges": [
            {"code": "max", "name": "Maximum", "value_type": "integer", "config": {}},
            {"code": "max_admins", "name": "", "value_type": "integer", "config": {}}
        ],
        "created_at": created_at
    })
}

/// Creates `seats` and returns it as answered.
async fn create_seats(app: &TestApp) -> Value {
    let body = app.create_feature(seats_input()).await;
    let seats = seats_json(&created_at(&body["feature"]));
    assert_eq!(body, json!({"feature": seats}));
    seats
}

/// Creates `storage` (one privilege, `gb`) and returns it as answered.
async fn create_storage(app: &TestApp) -> Value {
    let body = app
        .create_feature(json!({
            "code": "storage", "name": "Storage", "description": "Disk space",
            "privileges": [{"code": "gb", "name": "Gigabytes", "value_type": "integer"}]
        }))
        .await;
    let storage = json!({
        "code": "storage", "name": "Storage", "description": "Disk space",
        "privileges": [{"code": "gb", "name": "Gigabytes", "value_type": "integer", "config": {}}],
        "created_at": created_at(&body["feature"])
    });
    assert_eq!(body, json!({"feature": storage}));
    storage
}

/// Creates a feature with only a code and returns it as answered.
async fn create_plain_feature(app: &TestApp, code: &str) -> Value {
    let body = app.create_feature(json!({"code": code})).await;
    let feature = json!({
        "code": code, "name": null, "description": null, "privileges": [],
        "created_at": created_at(&body["feature"])
    });
    assert_eq!(body, json!({"feature": feature}));
    feature
}

/// Creates a feature and returns the feature object answered, its `created_at` checked.
async fn create_feature_object(app: &TestApp, feature: Value) -> Value {
    let body = app.create_feature(feature).await;
    created_at(&body["feature"]);
    body["feature"].clone()
}

/// `(event_type, object_code)` of the test organization's change events, oldest first.
async fn change_events(app: &TestApp) -> Vec<(String, String)> {
    let events = app.change_events(crate::support::API_KEY).await;
    events.into_iter().map(|event| (event.event_type, event.object_code)).collect()
}

fn event(event_type: &str, code: &str) -> (String, String) {
    (event_type.to_owned(), code.to_owned())
}

/// `(feature code, privilege codes)` of the features stored for the test organization (not
/// deleted), newest first, read from the store rather than the API.
async fn stored_features(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let organization_id = app.organization_id().await;
    // Above a list RPC's maximum page: the store itself has none.
    let page_request = PageRequest { page: 1, per_page: 10_000 };
    let page =
        app.store.list_features(organization_id, page_request, None).await.expect("list stored features");
    page.items
        .into_iter()
        .map(|feature| {
            let privileges =
                feature.privileges.iter().map(|privilege| privilege.code.as_str().to_owned()).collect();
            (feature.code.as_str().to_owned(), privileges)
        })
        .collect()
}

fn stored(code: &str, privileges: &[&str]) -> (String, Vec<String>) {
    (code.to_owned(), privileges.iter().map(|code| (*code).to_owned()).collect())
}

/// Whether the store has no feature with this code (not deleted) for the test organization.
async fn is_absent_from_store(app: &TestApp, code: &str) -> bool {
    let organization_id = app.organization_id().await;
    matches!(
        app.store.feature(organization_id, code).await.map_err(Error::from),
        Err(Error::NotFound { resource: Resource::Feature, .. })
    )
}

mod create;
mod delete;
mod list_and_get;
mod update;
