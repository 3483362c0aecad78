//! Lago conformance for `/api/v1/features` (reference §12 items 1-38), with exact bodies.
//!
//! Every scenario asserts the status and the whole body, key order included. Counts that Lago's
//! specs check in the database are proven through the API and through the store (its features and
//! its change log, which also shows that a failed request emits nothing, decision 3).

use entitlements_domain::{Error, PageRequest, Resource};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{HttpResponse, OTHER_API_KEY, TestApp, backend_tests};

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

/// Lago's 404 envelope with this code.
fn not_found(code: &str) -> Value {
    json!({"status": 404, "error": "Not Found", "code": code})
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
    let organization_id = app.organization_id().await;
    let events = app.store.change_events(organization_id, 0, 10_000).await.expect("read the change log");
    events.into_iter().map(|event| (event.event_type, event.object_code)).collect()
}

fn event(event_type: &str, code: &str) -> (String, String) {
    (event_type.to_owned(), code.to_owned())
}

/// `(feature code, privilege codes)` of the features stored for the test organization (not
/// deleted), newest first, read from the store rather than the API.
async fn stored_features(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let organization_id = app.organization_id().await;
    let page_request = PageRequest::new(Some(1), Some(10_000)).expect("a valid page");
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
    matches!(app.store.feature(organization_id, code).await, Err(Error::NotFound(Resource::Feature)))
}

// ---------------------------------------------------------------------------------------------
// POST /api/v1/features (§12 items 1-8, and the create rules of §3.2)
// ---------------------------------------------------------------------------------------------

backend_tests! {
    async fn create_returns_the_feature_with_its_privileges(app) {
        let response = app.post("/api/v1/features", &json!({"feature": {
            "code": "new_feature", "name": "New Feature", "description": "A new feature",
            "privileges": [
                {"code": "priv1", "value_type": "string"},
                {"code": "priv2", "name": "Maximum", "value_type": "integer"},
                {"code": "priv3", "value_type": "boolean"},
                {"code": "priv4", "name": "SELECT", "value_type": "select", "config": {"select_options": ["a", "b", "c"]}}
            ]
        }})).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.content_type, "application/json; charset=utf-8");
        let created_at = created_at(&response.body["feature"]);
        let feature = json!({
            "code": "new_feature", "name": "New Feature", "description": "A new feature",
            "privileges": [
                {"code": "priv1", "name": null, "value_type": "string", "config": {}},
                {"code": "priv2", "name": "Maximum", "value_type": "integer", "config": {}},
                {"code": "priv3", "name": null, "value_type": "boolean", "config": {}},
                {"code": "priv4", "name": "SELECT", "value_type": "select", "config": {"select_options": ["a", "b", "c"]}}
            ],
            "created_at": created_at
        });
        assert_response(&response, 200, &json!({"feature": feature}));

        // Feature count +1, privilege count +4.
        assert_eq!(
            stored_features(&app).await,
            vec![stored("new_feature", &["priv1", "priv2", "priv3", "priv4"])]
        );
        assert_response(
            &app.get("/api/v1/features").await,
            200,
            &json!({"features": [feature], "meta": meta(1, None, None, 1, 1)}),
        );
        assert_eq!(change_events(&app).await, vec![event("feature.created", "new_feature")]);
    }

    async fn create_with_an_existing_code_is_422_value_already_exist(app) {
        let seats = create_seats(&app).await;
        let response =
            post_feature(&app, json!({"code": "seats", "name": "Again", "privileges": [{"code": "other"}]}))
                .await;
        assert_response(&response, 422, &validation_errors(json!({"code": ["value_already_exist"]})));

        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
        assert_eq!(stored_features(&app).await, vec![stored("seats", &["max", "max_admins"])]);
        assert_eq!(change_events(&app).await, vec![event("feature.created", "seats")]);
        // Codes are unique per organization only.
        let other =
            as_other(&app, Method::POST, "/api/v1/features", Some(json!({"feature": {"code": "seats"}})))
                .await;
        assert_eq!(other.status, 200, "{}", other.body);
    }

    async fn create_without_code_is_422_value_is_mandatory(app) {
        let response = post_feature(
            &app,
            json!({"name": "No code", "privileges": [{"code": "max", "value_type": "integer"}]}),
        )
        .await;
        assert_response(&response, 422, &validation_errors(json!({"code": ["value_is_mandatory"]})));
        let null_code = post_feature(&app, json!({"code": null, "name": "Null code"})).await;
        assert_response(&null_code, 422, &validation_errors(json!({"code": ["value_is_mandatory"]})));
        assert_eq!(stored_features(&app).await, vec![]);
        assert_eq!(change_events(&app).await, vec![]);
    }

    async fn create_with_an_empty_code_is_422_value_is_mandatory(app) {
        for code in ["", "   ", "\t\n"] {
            let response = post_feature(&app, json!({"code": code, "name": "Blank"})).await;
            assert_response(&response, 422, &validation_errors(json!({"code": ["value_is_mandatory"]})));
        }
        assert_eq!(stored_features(&app).await, vec![]);
        assert_eq!(change_events(&app).await, vec![]);
    }

    async fn create_with_an_unknown_value_type_is_422_value_is_invalid(app) {
        let response = post_feature(&app, json!({
            "code": "seats", "privileges": [{"code": "max"}, {"code": "bad", "value_type": "invalid_type"}]
        })).await;
        assert_response(
            &response,
            422,
            &validation_errors(json!({"privilege.value_type": ["value_is_invalid"]})),
        );
        // An explicit null is both missing and invalid, as Rails reports it.
        let null_type =
            post_feature(&app, json!({"code": "seats", "privileges": [{"code": "max", "value_type": null}]}))
                .await;
        assert_response(
            &null_type,
            422,
            &validation_errors(json!({"privilege.value_type": ["value_is_mandatory", "value_is_invalid"]})),
        );
        assert_eq!(stored_features(&app).await, vec![]);
        assert_eq!(change_events(&app).await, vec![]);
    }

    async fn create_with_a_blank_privilege_code_is_422_value_is_mandatory(app) {
        let blank = post_feature(
            &app,
            json!({"code": "seats", "privileges": [{"code": " ", "value_type": "integer"}]}),
        )
        .await;
        assert_response(&blank, 422, &validation_errors(json!({"privilege.code": ["value_is_mandatory"]})));
        let missing = post_feature(&app, json!({"code": "seats", "privileges": [{"name": "No code"}]})).await;
        assert_response(&missing, 422, &validation_errors(json!({"privilege.code": ["value_is_mandatory"]})));
        assert_eq!(stored_features(&app).await, vec![]);
        assert_eq!(change_events(&app).await, vec![]);
    }

    async fn create_without_privileges_returns_an_empty_list(app) {
        let response = post_feature(
            &app,
            json!({"code": "analytics", "name": "Analytics", "description": "Dashboards"}),
        )
        .await;
        let analytics = json!({
            "code": "analytics", "name": "Analytics", "description": "Dashboards", "privileges": [],
            "created_at": created_at(&response.body["feature"])
        });
        assert_response(&response, 200, &json!({"feature": analytics}));
        let explicit = post_feature(&app, json!({"code": "sso", "privileges": []})).await;
        let sso = json!({
            "code": "sso", "name": null, "description": null, "privileges": [],
            "created_at": created_at(&explicit.body["feature"])
        });
        assert_response(&explicit, 200, &json!({"feature": sso}));
        // No privilege rows.
        assert_eq!(stored_features(&app).await, vec![stored("sso", &[]), stored("analytics", &[])]);
    }

    async fn create_with_only_code_and_privileges_has_null_name_and_description(app) {
        let response = post_feature(
            &app,
            json!({
                "code": "seats", "privileges": [{"code": "max"}, {"code": "root", "value_type": "boolean"}]
            }),
        )
        .await;
        let feature = json!({
            "code": "seats", "name": null, "description": null,
            "privileges": [
                {"code": "max", "name": null, "value_type": "string", "config": {}},
                {"code": "root", "name": null, "value_type": "boolean", "config": {}}
            ],
            "created_at": created_at(&response.body["feature"])
        });
        assert_response(&response, 200, &json!({"feature": feature}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": feature}));
    }

    async fn create_trims_feature_and_privilege_codes(app) {
        let response = post_feature(
            &app,
            json!({
                "code": "  seats  ",
                "privileges": [{"code": "  test ", "value_type": "integer"}, {"code": "\troot\n"}]
            }),
        )
        .await;
        let seats = json!({
            "code": "seats", "name": null, "description": null,
            "privileges": [
                {"code": "test", "name": null, "value_type": "integer", "config": {}},
                {"code": "root", "name": null, "value_type": "string", "config": {}}
            ],
            "created_at": created_at(&response.body["feature"])
        });
        assert_response(&response, 200, &json!({"feature": seats}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
        // Lookups are exact: the untrimmed code is not an alias.
        assert_response(
            &app.get("/api/v1/features/%20%20seats%20%20").await,
            404,
            &not_found("feature_not_found"),
        );
        // The trimmed code is the one that is taken.
        let again = post_feature(&app, json!({"code": " seats"})).await;
        assert_response(&again, 422, &validation_errors(json!({"code": ["value_already_exist"]})));
        assert_eq!(stored_features(&app).await, vec![stored("seats", &["test", "root"])]);
    }

    async fn create_with_duplicate_privilege_codes_is_422_value_is_duplicated(app) {
        let duplicated = validation_errors(json!({"privilege.code": ["value_is_duplicated"]}));
        let cases = [
            json!([{"code": "a"}, {"code": "a", "value_type": "integer"}]),
            // Lago reports `a` and ` a` as `code: value_already_exist`; we name the real problem.
            json!([{"code": "a"}, {"code": " a"}]),
            json!([{"name": "no code"}, {"name": "no code either"}]),
        ];
        for privileges in cases {
            let response = post_feature(&app, json!({"code": "seats", "privileges": privileges})).await;
            assert_response(&response, 422, &duplicated);
        }
        // Checked before the feature's own fields.
        let blank_code =
            post_feature(&app, json!({"code": "", "privileges": [{"code": "a"}, {"code": "a"}]})).await;
        assert_response(&blank_code, 422, &duplicated);
        assert_eq!(stored_features(&app).await, vec![]);
        assert_eq!(change_events(&app).await, vec![]);
    }

    async fn create_validates_select_configs(app) {
        let invalid_format = validation_errors(json!({"privilege.config": ["invalid_format"]}));
        let invalid_privileges = [
            json!({"code": "p", "value_type": "select"}),
            json!({"code": "p", "value_type": "select", "config": {}}),
            json!({"code": "p", "value_type": "select", "config": {"select_options": []}}),
            json!({"code": "p", "value_type": "select", "config": {"select_options": ["a"], "other": ["b"]}}),
            json!({"code": "p", "value_type": "select", "config": {"other_key": ["a"]}}),
            json!({"code": "p", "value_type": "select", "config": {"select_options": ["true", false]}}),
            json!({"code": "p", "value_type": "select", "config": {"select_options": [1, 2]}}),
            json!({"code": "p", "value_type": "select", "config": {"select_options": "a"}}),
            json!({"code": "p", "value_type": "select", "config": {"select_options": null}}),
            json!({"code": "p", "value_type": "integer", "config": {"select_options": ["a"]}}),
            json!({"code": "p", "value_type": "boolean", "config": {"select_options": []}}),
            json!({"code": "p", "value_type": "string", "config": {"other": 1}}),
            json!({"code": "p", "config": {"select_options": ["a"]}}),
        ];
        for privilege in invalid_privileges {
            let response = post_feature(&app, json!({"code": "f", "privileges": [privilege]})).await;
            assert_response(&response, 422, &invalid_format);
        }
        assert_eq!(stored_features(&app).await, vec![]);
        assert_eq!(change_events(&app).await, vec![]);

        // A blank config on a non-select type is no config; a non-object config is ignored (Rails'
        // strong parameters drop it).
        let response = post_feature(
            &app,
            json!({"code": "f", "privileges": [
                {"code": "count", "value_type": "integer", "config": {}},
                {"code": "label", "value_type": "string", "config": "abc"},
                {"code": "mode", "value_type": "select", "config": {"select_options": ["fast", "safe"]}}
            ]}),
        )
        .await;
        let feature = json!({
            "code": "f", "name": null, "description": null,
            "privileges": [
                {"code": "count", "name": null, "value_type": "integer", "config": {}},
                {"code": "label", "name": null, "value_type": "string", "config": {}},
                {"code": "mode", "name": null, "value_type": "select",
                 "config": {"select_options": ["fast", "safe"]}}
            ],
            "created_at": created_at(&response.body["feature"])
        });
        assert_response(&response, 200, &json!({"feature": feature}));
    }

    async fn create_rejects_texts_over_their_length_limits(app) {
        let long = |length: usize| "x".repeat(length);
        let cases = [
            (json!({"code": long(256)}), json!({"code": ["value_is_too_long"]})),
            (json!({"code": "f", "name": long(256)}), json!({"name": ["value_is_too_long"]})),
            (json!({"code": "f", "description": long(601)}), json!({"description": ["value_is_too_long"]})),
            (
                json!({"code": long(256), "name": long(256), "description": long(601)}),
                json!({
                    "code": ["value_is_too_long"], "name": ["value_is_too_long"],
                    "description": ["value_is_too_long"]
                }),
            ),
            (
                json!({"code": "f", "privileges": [{"code": long(256)}]}),
                json!({"privilege.code": ["value_is_too_long"]}),
            ),
            (
                json!({"code": "f", "privileges": [{"code": "p", "name": long(256)}]}),
                json!({"privilege.name": ["value_is_too_long"]}),
            ),
        ];
        for (feature, details) in cases {
            let response = post_feature(&app, feature).await;
            assert_response(&response, 422, &validation_errors(details));
        }
        assert_eq!(stored_features(&app).await, vec![]);
        assert_eq!(change_events(&app).await, vec![]);
    }

    async fn create_accepts_texts_at_their_length_limits(app) {
        let code = "c".repeat(255);
        let input = json!({
            "code": code, "name": "n".repeat(255), "description": "d".repeat(600),
            "privileges": [{"code": "p".repeat(255), "name": "m".repeat(255)}]
        });
        let response = post_feature(&app, input).await;
        let feature = json!({
            "code": code, "name": "n".repeat(255), "description": "d".repeat(600),
            "privileges": [
                {"code": "p".repeat(255), "name": "m".repeat(255), "value_type": "string", "config": {}}
            ],
            "created_at": created_at(&response.body["feature"])
        });
        assert_response(&response, 200, &json!({"feature": feature}));
        assert_response(
            &app.get(&format!("/api/v1/features/{code}")).await,
            200,
            &json!({"feature": feature}),
        );
        // Limits count characters, not bytes.
        let accented = post_feature(&app, json!({"code": "é".repeat(255), "name": "é".repeat(255)})).await;
        assert_eq!(accented.status, 200, "{}", accented.body);
        assert_eq!(accented.body["feature"]["code"], json!("é".repeat(255)));
    }

    async fn create_preserves_empty_names_and_descriptions(app) {
        let response = post_feature(&app, json!({
            "code": "blank_texts", "name": "", "description": "", "privileges": [{"code": "p", "name": ""}]
        })).await;
        let feature = json!({
            "code": "blank_texts", "name": "", "description": "",
            "privileges": [{"code": "p", "name": "", "value_type": "string", "config": {}}],
            "created_at": created_at(&response.body["feature"])
        });
        assert_response(&response, 200, &json!({"feature": feature}));
        assert_response(&app.get("/api/v1/features/blank_texts").await, 200, &json!({"feature": feature}));
    }
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/features (§12 items 9-13, pagination §2.3, search and order §3.3)
// ---------------------------------------------------------------------------------------------

backend_tests! {
    async fn list_returns_the_organization_features_with_their_privileges(app) {
        let seats = create_seats(&app).await;
        let storage = create_storage(&app).await;
        let response = app.get("/api/v1/features").await;
        assert_eq!(response.content_type, "application/json; charset=utf-8");
        // Newest first; `max_admins` keeps its empty name.
        assert_response(
            &response,
            200,
            &json!({"features": [storage, seats], "meta": meta(1, None, None, 1, 2)}),
        );
    }

    async fn list_meta_has_lago_pagination_keys_in_order(app) {
        let seats = create_seats(&app).await;
        let response = app.get("/api/v1/features").await;
        assert_response(&response, 200, &json!({"features": [seats], "meta": meta(1, None, None, 1, 1)}));
        let keys: Vec<&str> = response.body["meta"]
            .as_object()
            .expect("meta is an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["current_page", "next_page", "prev_page", "total_pages", "total_count"]);
    }

    async fn list_excludes_features_of_other_organizations(app) {
        let seats = create_seats(&app).await;
        let other = as_other(
            &app,
            Method::POST,
            "/api/v1/features",
            Some(json!({"feature": {"code": "other_feature"}})),
        )
        .await;
        assert_eq!(other.status, 200, "{}", other.body);
        assert_response(
            &app.get("/api/v1/features").await,
            200,
            &json!({"features": [seats], "meta": meta(1, None, None, 1, 1)}),
        );
        let other_list = as_other(&app, Method::GET, "/api/v1/features", None).await;
        assert_response(
            &other_list,
            200,
            &json!({"features": [other.body["feature"]], "meta": meta(1, None, None, 1, 1)}),
        );
    }

    async fn list_first_page_of_two(app) {
        create_seats(&app).await;
        let storage = create_storage(&app).await;
        let response = app.get("/api/v1/features?page=1&per_page=1").await;
        assert_response(
            &response,
            200,
            &json!({"features": [storage], "meta": meta(1, Some(2), None, 2, 2)}),
        );
    }

    async fn list_second_page_of_two(app) {
        let seats = create_seats(&app).await;
        create_storage(&app).await;
        let response = app.get("/api/v1/features?page=2&per_page=1").await;
        assert_response(&response, 200, &json!({"features": [seats], "meta": meta(2, None, Some(1), 2, 2)}));
    }

    async fn list_page_past_the_end_is_empty(app) {
        create_seats(&app).await;
        create_storage(&app).await;
        let response = app.get("/api/v1/features?page=5&per_page=1").await;
        assert_response(&response, 200, &json!({"features": [], "meta": meta(5, None, Some(4), 2, 2)}));
    }

    async fn list_of_no_features_has_page_zero(app) {
        // Another organization's features do not count.
        let other =
            as_other(&app, Method::POST, "/api/v1/features", Some(json!({"feature": {"code": "seats"}})))
                .await;
        assert_eq!(other.status, 200, "{}", other.body);
        let empty = json!({"features": [], "meta": meta(0, None, None, 0, 0)});
        assert_response(&app.get("/api/v1/features").await, 200, &empty);
        assert_response(&app.get("/api/v1/features?page=3&per_page=10").await, 200, &empty);
    }

    async fn list_with_an_invalid_per_page_serves_25_per_page(app) {
        let mut features = Vec::new();
        for index in 0..26 {
            features.push(create_plain_feature(&app, &format!("feature_{index:02}")).await);
        }
        features.reverse();
        let first_page = app.get("/api/v1/features?per_page=abc").await;
        assert_response(
            &first_page,
            200,
            &json!({"features": features[..25], "meta": meta(1, Some(2), None, 2, 26)}),
        );
        let second_page = app.get("/api/v1/features?per_page=abc&page=2").await;
        assert_response(
            &second_page,
            200,
            &json!({"features": features[25..], "meta": meta(2, None, Some(1), 2, 26)}),
        );
        // Without per_page, Lago's default of 100.
        assert_response(
            &app.get("/api/v1/features").await,
            200,
            &json!({"features": features, "meta": meta(1, None, None, 1, 26)}),
        );
    }

    async fn list_with_an_invalid_page_serves_page_one(app) {
        create_seats(&app).await;
        let storage = create_storage(&app).await;
        let first_page = json!({"features": [storage], "meta": meta(1, Some(2), None, 2, 2)});
        for page in ["abc", "0", "-1"] {
            let response = app.get(&format!("/api/v1/features?page={page}&per_page=1")).await;
            assert_response(&response, 200, &first_page);
        }
    }

    async fn list_search_term_filters_on_code(app) {
        create_seats(&app).await;
        let storage = create_storage(&app).await;
        let response = app.get("/api/v1/features?search_term=sto").await;
        assert_response(&response, 200, &json!({"features": [storage], "meta": meta(1, None, None, 1, 1)}));
    }

    async fn list_search_ignores_case_on_code_name_and_description(app) {
        let storage = create_feature_object(&app, json!({"code": "storage", "name": "Disk"})).await;
        let seats = create_feature_object(
            &app,
            json!({"code": "seats", "name": "Number of SEATS", "description": "Users"}),
        )
        .await;
        let sso =
            create_feature_object(&app, json!({"code": "sso", "description": "Single Sign-On via OKTA"}))
                .await;
        let cases = [
            ("STO", vec![&storage]),
            ("disk", vec![&storage]),
            ("number", vec![&seats]),
            ("uSeRs", vec![&seats]),
            ("okta", vec![&sso]),
            ("s", vec![&sso, &seats, &storage]),
        ];
        for (term, expected) in cases {
            let total = u64::try_from(expected.len()).expect("a small count");
            let response = app.get(&format!("/api/v1/features?search_term={term}")).await;
            assert_response(
                &response,
                200,
                &json!({"features": expected, "meta": meta(1, None, None, 1, total)}),
            );
        }
        let no_match = app.get("/api/v1/features?search_term=nothing").await;
        assert_response(&no_match, 200, &json!({"features": [], "meta": meta(0, None, None, 0, 0)}));
    }

    async fn list_search_term_is_trimmed_and_blank_means_no_filter(app) {
        let seats = create_seats(&app).await;
        let storage = create_storage(&app).await;
        let trimmed = app.get("/api/v1/features?search_term=%20%20sto%20%20").await;
        assert_response(&trimmed, 200, &json!({"features": [storage], "meta": meta(1, None, None, 1, 1)}));
        let everything = json!({"features": [storage, seats], "meta": meta(1, None, None, 1, 2)});
        for term in ["", "%20%20%20", "%09"] {
            let response = app.get(&format!("/api/v1/features?search_term={term}")).await;
            assert_response(&response, 200, &everything);
        }
    }

    async fn list_search_matches_like_wildcards_literally(app) {
        let percent = create_plain_feature(&app, "100%").await;
        create_plain_feature(&app, "100x").await;
        let underscore = create_plain_feature(&app, "a_b").await;
        create_plain_feature(&app, "axb").await;
        let backslash = create_plain_feature(&app, "c\\d").await;
        create_plain_feature(&app, "cd").await;
        let cases = [
            ("%25", &percent),
            ("100%25", &percent),
            ("_", &underscore),
            ("a_b", &underscore),
            ("%5C", &backslash),
            ("c%5Cd", &backslash),
        ];
        for (term, expected) in cases {
            let response = app.get(&format!("/api/v1/features?search_term={term}")).await;
            assert_response(
                &response,
                200,
                &json!({"features": [expected], "meta": meta(1, None, None, 1, 1)}),
            );
        }
    }

    async fn list_orders_newest_first_and_privileges_in_creation_order(app) {
        let first = create_plain_feature(&app, "first").await;
        let second = create_plain_feature(&app, "second").await;
        let codes = ["zeta", "alpha", "mu", "beta", "omega", "gamma", "delta", "epsilon", "kappa", "lambda"];
        let privileges: Vec<Value> = codes.iter().map(|code| json!({"code": code})).collect();
        let third = create_feature_object(&app, json!({"code": "third", "privileges": privileges})).await;
        let expected_privileges: Vec<Value> = codes
            .iter()
            .map(|code| json!({"code": code, "name": null, "value_type": "string", "config": {}}))
            .collect();
        assert_eq!(third["privileges"], json!(expected_privileges));
        let response = app.get("/api/v1/features").await;
        assert_response(
            &response,
            200,
            &json!({"features": [third, second, first], "meta": meta(1, None, None, 1, 3)}),
        );

        // Privileges added later come after the existing ones, in payload order.
        let updated =
            patch_feature(&app, "third", json!({"privileges": [{"code": "zzz"}, {"code": "aaa"}]})).await;
        assert_eq!(updated.status, 200, "{}", updated.body);
        let mut all_codes: Vec<&str> = codes.to_vec();
        all_codes.extend(["zzz", "aaa"]);
        let listed = app.get("/api/v1/features?search_term=third").await;
        let listed_codes: Vec<&str> = listed.body["features"][0]["privileges"]
            .as_array()
            .expect("privileges are an array")
            .iter()
            .map(|privilege| privilege["code"].as_str().expect("a code"))
            .collect();
        assert_eq!(listed_codes, all_codes);
    }
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/features/:code (§12 items 14-16)
// ---------------------------------------------------------------------------------------------

backend_tests! {
    async fn get_returns_the_feature_with_its_privileges(app) {
        let seats = create_seats(&app).await;
        create_storage(&app).await;
        let response = app.get("/api/v1/features/seats").await;
        assert_eq!(response.content_type, "application/json; charset=utf-8");
        assert_response(&response, 200, &json!({"feature": seats}));
    }

    async fn get_unknown_feature_is_404(app) {
        create_seats(&app).await;
        assert_response(&app.get("/api/v1/features/unknown").await, 404, &not_found("feature_not_found"));
        // Codes are case-sensitive.
        assert_response(&app.get("/api/v1/features/SEATS").await, 404, &not_found("feature_not_found"));
        let other = as_other(&app, Method::GET, "/api/v1/features/seats", None).await;
        assert_response(&other, 404, &not_found("feature_not_found"));
    }

    async fn get_deleted_feature_is_404(app) {
        create_seats(&app).await;
        assert_eq!(app.delete("/api/v1/features/seats").await.status, 200);
        assert_response(&app.get("/api/v1/features/seats").await, 404, &not_found("feature_not_found"));
    }
}

// ---------------------------------------------------------------------------------------------
// PATCH|PUT /api/v1/features/:code (§12 items 17-25, update rules of §3.5)
// ---------------------------------------------------------------------------------------------

backend_tests! {
    async fn update_changes_name_description_and_privilege_names(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(
            &app,
            "seats",
            json!({
                "name": "Updated Feature Name", "description": "Updated feature description",
                "privileges": [{"code": "max", "name": "Max."}]
            }),
        )
        .await;
        let updated = json!({
            "code": "seats", "name": "Updated Feature Name", "description": "Updated feature description",
            "privileges": [
                {"code": "max", "name": "Max.", "value_type": "integer", "config": {}},
                {"code": "max_admins", "name": "", "value_type": "integer", "config": {}}
            ],
            "created_at": seats["created_at"]
        });
        assert_response(&response, 200, &json!({"feature": updated}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": updated}));
        assert_eq!(
            change_events(&app).await,
            vec![event("feature.created", "seats"), event("feature.updated", "seats")]
        );
    }

    async fn update_without_name_keeps_it(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(&app, "seats", json!({"description": "Only the description"})).await;
        let mut updated = seats.clone();
        updated["description"] = json!("Only the description");
        assert_response(&response, 200, &json!({"feature": updated}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": updated}));
    }

    async fn update_creates_unknown_privileges(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(&app, "seats", json!({"privileges": [
            {"code": "max", "name": "Max."},
            {"code": "nonexistent", "name": "New Name"},
            {"code": "  provider ", "value_type": "select", "config": {"select_options": ["google", "okta"]}}
        ]})).await;
        let updated = json!({
            "code": "seats", "name": "Number of seats", "description": "Number of users of the account",
            "privileges": [
                {"code": "max", "name": "Max.", "value_type": "integer", "config": {}},
                {"code": "max_admins", "name": "", "value_type": "integer", "config": {}},
                {"code": "nonexistent", "name": "New Name", "value_type": "string", "config": {}},
                {"code": "provider", "name": null, "value_type": "select",
                 "config": {"select_options": ["google", "okta"]}}
            ],
            "created_at": seats["created_at"]
        });
        assert_response(&response, 200, &json!({"feature": updated}));
        assert_eq!(
            stored_features(&app).await,
            vec![stored("seats", &["max", "max_admins", "nonexistent", "provider"])]
        );
    }

    async fn update_with_only_feature_attributes_keeps_privileges(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(&app, "seats", json!({"name": "Seats", "description": "Users"})).await;
        let mut updated = seats.clone();
        updated["name"] = json!("Seats");
        updated["description"] = json!("Users");
        assert_response(&response, 200, &json!({"feature": updated}));
        assert_eq!(stored_features(&app).await, vec![stored("seats", &["max", "max_admins"])]);
    }

    async fn update_with_only_privilege_names_keeps_feature_attributes(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(
            &app,
            "seats",
            json!({"privileges": [
                {"code": "max", "name": "Max."}, {"code": "max_admins", "name": "Admins"}
            ]}),
        )
        .await;
        let mut updated = seats.clone();
        updated["privileges"][0]["name"] = json!("Max.");
        updated["privileges"][1]["name"] = json!("Admins");
        assert_response(&response, 200, &json!({"feature": updated}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": updated}));
    }

    async fn update_unknown_feature_is_404(app) {
        let response = patch_feature(&app, "unknown", json!({"name": "x"})).await;
        assert_response(&response, 404, &not_found("feature_not_found"));
        // The feature is looked up before the body is read.
        let without_root = app.patch("/api/v1/features/unknown", &json!({})).await;
        assert_response(&without_root, 404, &not_found("feature_not_found"));
        assert_eq!(change_events(&app).await, vec![]);
    }

    async fn update_feature_of_another_organization_is_404(app) {
        let seats = create_seats(&app).await;
        let body = json!({"feature": {"name": "Hijacked"}});
        let response = as_other(&app, Method::PATCH, "/api/v1/features/seats", Some(body)).await;
        assert_response(&response, 404, &not_found("feature_not_found"));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
    }

    async fn update_accepts_an_empty_privilege_name(app) {
        let seats = create_seats(&app).await;
        let response =
            patch_feature(&app, "seats", json!({"privileges": [{"code": "max", "name": ""}]})).await;
        let mut updated = seats.clone();
        updated["privileges"][0]["name"] = json!("");
        assert_response(&response, 200, &json!({"feature": updated}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": updated}));
    }

    async fn update_accepts_an_empty_feature_name(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(&app, "seats", json!({"name": "", "description": ""})).await;
        let mut updated = seats.clone();
        updated["name"] = json!("");
        updated["description"] = json!("");
        assert_response(&response, 200, &json!({"feature": updated}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": updated}));
    }

    async fn update_with_null_name_clears_it(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(
            &app,
            "seats",
            json!({"name": null, "description": null, "privileges": [{"code": "max", "name": null}]}),
        )
        .await;
        let mut updated = seats.clone();
        updated["name"] = Value::Null;
        updated["description"] = Value::Null;
        updated["privileges"][0]["name"] = Value::Null;
        assert_response(&response, 200, &json!({"feature": updated}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": updated}));
    }

    async fn put_and_patch_both_update_partially(app) {
        let seats = create_seats(&app).await;
        let put = put_feature(&app, "seats", json!({"name": "Via PUT"})).await;
        let mut expected = seats.clone();
        expected["name"] = json!("Via PUT");
        assert_response(&put, 200, &json!({"feature": expected}));
        let patch = patch_feature(&app, "seats", json!({"description": "Via PATCH"})).await;
        expected["description"] = json!("Via PATCH");
        assert_response(&patch, 200, &json!({"feature": expected}));
        let put_privilege =
            put_feature(&app, "seats", json!({"privileges": [{"code": "max_admins", "name": "Admins"}]}))
                .await;
        expected["privileges"][1]["name"] = json!("Admins");
        assert_response(&put_privilege, 200, &json!({"feature": expected}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": expected}));
    }

    async fn update_ignores_the_feature_code(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(&app, "seats", json!({"code": "renamed", "name": "Renamed"})).await;
        let mut updated = seats.clone();
        updated["name"] = json!("Renamed");
        assert_response(&response, 200, &json!({"feature": updated}));
        assert_response(&app.get("/api/v1/features/renamed").await, 404, &not_found("feature_not_found"));
    }

    async fn update_ignores_the_value_type_of_existing_privileges(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(
            &app,
            "seats",
            json!({"privileges": [
                {"code": "max", "name": "Max.", "value_type": "string"},
                {"code": "max_admins", "value_type": "invalid_type"}
            ]}),
        )
        .await;
        let mut updated = seats.clone();
        updated["privileges"][0]["name"] = json!("Max.");
        assert_response(&response, 200, &json!({"feature": updated}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": updated}));
    }

    async fn update_appends_select_options_as_an_ordered_union(app) {
        let created = app
            .create_feature(json!({"code": "sso", "privileges": [
                {"code": "provider", "value_type": "select", "config": {"select_options": ["zero", "one"]}}
            ]}))
            .await;
        let sso = |options: Value| {
            json!({"feature": {
                "code": "sso", "name": null, "description": null,
                "privileges": [
                    {"code": "provider", "name": null, "value_type": "select",
                     "config": {"select_options": options}}
                ],
                "created_at": created["feature"]["created_at"]
            }})
        };
        let response = patch_feature(
            &app,
            "sso",
            json!({"privileges": [
                {"code": "provider", "config": {"select_options": ["one", "two", "three"]}}
            ]}),
        )
        .await;
        assert_response(&response, 200, &sso(json!(["zero", "one", "two", "three"])));
        // An empty list appends nothing; the value type stays select whatever is sent.
        let empty = patch_feature(
            &app,
            "sso",
            json!({"privileges": [{"code": "provider", "config": {"select_options": []}}]}),
        )
        .await;
        assert_response(&empty, 200, &sso(json!(["zero", "one", "two", "three"])));
        let retyped = patch_feature(
            &app,
            "sso",
            json!({"privileges": [
                {"code": "provider", "value_type": "string", "config": {"select_options": ["four", "zero"]}}
            ]}),
        )
        .await;
        assert_response(&retyped, 200, &sso(json!(["zero", "one", "two", "three", "four"])));
        assert_response(
            &app.get("/api/v1/features/sso").await,
            200,
            &sso(json!(["zero", "one", "two", "three", "four"])),
        );
    }

    async fn update_union_of_select_options_has_no_duplicates(app) {
        // Ruby's `existing | new` removes duplicates from both sides.
        let created = app
            .create_feature(json!({"code": "sso", "privileges": [
                {"code": "provider", "value_type": "select", "config": {"select_options": ["a", "a", "b"]}}
            ]}))
            .await;
        assert_eq!(created["feature"]["privileges"][0]["config"], json!({"select_options": ["a", "a", "b"]}));
        let response = patch_feature(
            &app,
            "sso",
            json!({"privileges": [
                {"code": "provider", "config": {"select_options": ["c", "c", "b"]}}
            ]}),
        )
        .await;
        assert_response(
            &response,
            200,
            &json!({"feature": {
                "code": "sso", "name": null, "description": null,
                "privileges": [
                    {"code": "provider", "name": null, "value_type": "select",
                     "config": {"select_options": ["a", "b", "c"]}}
                ],
                "created_at": created["feature"]["created_at"]
            }}),
        );
    }

    async fn update_with_select_options_for_a_non_select_privilege_is_422(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(
            &app,
            "seats",
            json!({
                "name": "Changed", "privileges": [{"code": "max", "config": {"select_options": ["a"]}}]
            }),
        )
        .await;
        assert_response(&response, 422, &validation_errors(json!({"privilege.config": ["invalid_format"]})));
        // Nothing of the request was applied, nor announced.
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
        assert_eq!(change_events(&app).await, vec![event("feature.created", "seats")]);
    }

    async fn update_with_a_new_privilege_whose_stripped_code_exists_is_422(app) {
        let seats = create_seats(&app).await;
        let response = patch_feature(
            &app,
            "seats",
            json!({"name": "Changed", "privileges": [{"code": " max", "value_type": "string"}]}),
        )
        .await;
        assert_response(
            &response,
            422,
            &validation_errors(json!({"privilege.code": ["value_already_exist"]})),
        );
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
        assert_eq!(change_events(&app).await, vec![event("feature.created", "seats")]);
    }

    async fn update_with_duplicate_privilege_codes_is_422(app) {
        let seats = create_seats(&app).await;
        for privileges in [
            json!([{"code": "max", "name": "A"}, {"code": "max", "name": "B"}]),
            json!([{"code": "new"}, {"code": " new"}]),
        ] {
            let response = patch_feature(&app, "seats", json!({"privileges": privileges})).await;
            assert_response(
                &response,
                422,
                &validation_errors(json!({"privilege.code": ["value_is_duplicated"]})),
            );
        }
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
        assert_eq!(change_events(&app).await, vec![event("feature.created", "seats")]);
    }

    async fn update_validates_new_privileges_like_create(app) {
        let seats = create_seats(&app).await;
        let cases = [
            (
                json!({"code": "new", "value_type": "float"}),
                json!({"privilege.value_type": ["value_is_invalid"]}),
            ),
            (json!({"code": "new", "value_type": "select"}), json!({"privilege.config": ["invalid_format"]})),
            (json!({"code": " "}), json!({"privilege.code": ["value_is_mandatory"]})),
        ];
        for (privilege, details) in cases {
            let response = patch_feature(&app, "seats", json!({"privileges": [privilege]})).await;
            assert_response(&response, 422, &validation_errors(details));
        }
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
    }

    async fn update_rejects_texts_over_their_length_limits(app) {
        let seats = create_seats(&app).await;
        let long = |length: usize| "x".repeat(length);
        let cases = [
            (json!({"name": long(256)}), json!({"name": ["value_is_too_long"]})),
            (json!({"description": long(601)}), json!({"description": ["value_is_too_long"]})),
            (
                json!({"privileges": [{"code": "max", "name": long(256)}]}),
                json!({"privilege.name": ["value_is_too_long"]}),
            ),
            (json!({"privileges": [{"code": long(256)}]}), json!({"privilege.code": ["value_is_too_long"]})),
        ];
        for (feature, details) in cases {
            let response = patch_feature(&app, "seats", feature).await;
            assert_response(&response, 422, &validation_errors(details));
        }
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
        let at_limits =
            patch_feature(&app, "seats", json!({"name": long(255), "description": long(600)})).await;
        assert_eq!(at_limits.status, 200, "{}", at_limits.body);
    }
}

// ---------------------------------------------------------------------------------------------
// DELETE /api/v1/features/:code (§12 items 26-31, decision 10)
// ---------------------------------------------------------------------------------------------

backend_tests! {
    async fn delete_discards_the_feature(app) {
        create_seats(&app).await;
        let storage = create_storage(&app).await;
        assert_eq!(app.delete("/api/v1/features/seats").await.status, 200);
        assert_response(&app.get("/api/v1/features/seats").await, 404, &not_found("feature_not_found"));
        assert_response(
            &app.get("/api/v1/features").await,
            200,
            &json!({"features": [storage], "meta": meta(1, None, None, 1, 1)}),
        );
        assert!(is_absent_from_store(&app, "seats").await);
        assert_eq!(
            change_events(&app).await,
            vec![
                event("feature.created", "seats"),
                event("feature.created", "storage"),
                event("feature.deleted", "seats")
            ]
        );
    }

    async fn delete_discards_its_privileges(app) {
        create_seats(&app).await;
        assert_eq!(app.delete("/api/v1/features/seats").await.status, 200);
        // The privileges are gone with their feature: not reachable, and not inherited by a
        // feature that reuses the code.
        let privilege = app.delete("/api/v1/features/seats/privileges/max").await;
        assert_response(&privilege, 404, &not_found("feature_not_found"));
        assert_eq!(stored_features(&app).await, vec![]);
        create_plain_feature(&app, "seats").await;
        assert_eq!(stored_features(&app).await, vec![stored("seats", &[])]);
    }

    async fn delete_answers_the_feature_as_it_was_with_its_privileges(app) {
        let seats = create_seats(&app).await;
        let response = app.delete("/api/v1/features/seats").await;
        assert_eq!(response.content_type, "application/json; charset=utf-8");
        // Lago answers `privileges: []` here; we answer the feature as it was (decision 10).
        assert_response(&response, 200, &json!({"feature": seats}));
    }

    async fn delete_unknown_feature_is_404(app) {
        create_seats(&app).await;
        assert_response(&app.delete("/api/v1/features/unknown").await, 404, &not_found("feature_not_found"));
        assert_eq!(stored_features(&app).await, vec![stored("seats", &["max", "max_admins"])]);
        assert_eq!(change_events(&app).await, vec![event("feature.created", "seats")]);
    }

    async fn delete_feature_of_another_organization_is_404(app) {
        let seats = create_seats(&app).await;
        let response = as_other(&app, Method::DELETE, "/api/v1/features/seats", None).await;
        assert_response(&response, 404, &not_found("feature_not_found"));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
    }

    async fn delete_already_deleted_feature_is_404(app) {
        create_seats(&app).await;
        assert_eq!(app.delete("/api/v1/features/seats").await.status, 200);
        assert_response(&app.delete("/api/v1/features/seats").await, 404, &not_found("feature_not_found"));
        assert_eq!(
            change_events(&app).await,
            vec![event("feature.created", "seats"), event("feature.deleted", "seats")]
        );
    }

    async fn delete_frees_the_code(app) {
        create_seats(&app).await;
        assert_eq!(app.delete("/api/v1/features/seats").await.status, 200);
        let response = post_feature(&app, json!({
            "code": "seats", "name": "Seats again", "privileges": [{"code": "max", "value_type": "boolean"}]
        })).await;
        let again = json!({
            "code": "seats", "name": "Seats again", "description": null,
            "privileges": [{"code": "max", "name": null, "value_type": "boolean", "config": {}}],
            "created_at": created_at(&response.body["feature"])
        });
        assert_response(&response, 200, &json!({"feature": again}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": again}));
        assert_response(
            &app.get("/api/v1/features").await,
            200,
            &json!({"features": [again], "meta": meta(1, None, None, 1, 1)}),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// DELETE /api/v1/features/:feature_code/privileges/:code (§12 items 32-38)
// ---------------------------------------------------------------------------------------------

backend_tests! {
    async fn delete_privilege_discards_it(app) {
        create_seats(&app).await;
        assert_eq!(app.delete("/api/v1/features/seats/privileges/max_admins").await.status, 200);
        assert_eq!(stored_features(&app).await, vec![stored("seats", &["max"])]);
        assert_eq!(
            change_events(&app).await,
            vec![event("feature.created", "seats"), event("feature.updated", "seats")]
        );
        // The code is free again: re-adding it creates a new privilege, of any type.
        let readded = patch_feature(
            &app,
            "seats",
            json!({"privileges": [{"code": "max_admins", "value_type": "boolean"}]}),
        )
        .await;
        assert_eq!(readded.status, 200, "{}", readded.body);
        assert_eq!(
            readded.body["feature"]["privileges"][1],
            json!({"code": "max_admins", "name": null, "value_type": "boolean", "config": {}})
        );
    }

    async fn delete_privilege_answers_the_feature_without_it(app) {
        let seats = create_seats(&app).await;
        let response = app.delete("/api/v1/features/seats/privileges/max_admins").await;
        let remaining = json!({
            "code": "seats", "name": "Number of seats", "description": "Number of users of the account",
            "privileges": [{"code": "max", "name": "Maximum", "value_type": "integer", "config": {}}],
            "created_at": seats["created_at"]
        });
        assert_eq!(response.content_type, "application/json; charset=utf-8");
        assert_response(&response, 200, &json!({"feature": remaining}));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": remaining}));
    }

    async fn delete_privilege_of_unknown_feature_is_404_feature_not_found(app) {
        create_seats(&app).await;
        let response = app.delete("/api/v1/features/unknown/privileges/max").await;
        assert_response(&response, 404, &not_found("feature_not_found"));
        assert_eq!(change_events(&app).await, vec![event("feature.created", "seats")]);
    }

    async fn delete_unknown_privilege_is_404_privilege_not_found(app) {
        let seats = create_seats(&app).await;
        let response = app.delete("/api/v1/features/seats/privileges/unknown").await;
        assert_response(&response, 404, &not_found("privilege_not_found"));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
        assert_eq!(change_events(&app).await, vec![event("feature.created", "seats")]);
    }

    async fn delete_privilege_of_another_organization_feature_is_404_feature_not_found(app) {
        let seats = create_seats(&app).await;
        let response = as_other(&app, Method::DELETE, "/api/v1/features/seats/privileges/max", None).await;
        assert_response(&response, 404, &not_found("feature_not_found"));
        assert_response(&app.get("/api/v1/features/seats").await, 200, &json!({"feature": seats}));
    }

    async fn delete_privilege_of_another_feature_is_404_privilege_not_found(app) {
        let seats = create_seats(&app).await;
        let storage = create_storage(&app).await;
        let response = app.delete("/api/v1/features/seats/privileges/gb").await;
        assert_response(&response, 404, &not_found("privilege_not_found"));
        assert_response(
            &app.get("/api/v1/features").await,
            200,
            &json!({"features": [storage, seats], "meta": meta(1, None, None, 1, 2)}),
        );
    }

    async fn delete_already_deleted_privilege_is_404_privilege_not_found(app) {
        create_seats(&app).await;
        assert_eq!(app.delete("/api/v1/features/seats/privileges/max").await.status, 200);
        let response = app.delete("/api/v1/features/seats/privileges/max").await;
        assert_response(&response, 404, &not_found("privilege_not_found"));
        assert_eq!(
            change_events(&app).await,
            vec![event("feature.created", "seats"), event("feature.updated", "seats")]
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Codes with any character, percent-encoded in paths (decision 9)
// ---------------------------------------------------------------------------------------------

backend_tests! {
    async fn codes_with_any_character_work_through_percent_encoded_paths(app) {
        let codes = [
            ("root?", "root%3F"),
            ("a/b", "a%2Fb"),
            ("100%", "100%25"),
            ("é t", "%C3%A9%20t"),
            ("v1.2", "v1.2"),
        ];
        for (code, _) in codes {
            let response =
                post_feature(&app, json!({"code": code, "privileges": [{"code": "x?"}, {"code": "y/z"}]}))
                    .await;
            assert_eq!(response.status, 200, "create {code:?}: {}", response.body);
        }
        for (code, encoded) in codes {
            let path = format!("/api/v1/features/{encoded}");
            let found = app.get(&path).await;
            let mut feature = json!({
                "code": code, "name": null, "description": null,
                "privileges": [
                    {"code": "x?", "name": null, "value_type": "string", "config": {}},
                    {"code": "y/z", "name": null, "value_type": "string", "config": {}}
                ],
                "created_at": created_at(&found.body["feature"])
            });
            assert_response(&found, 200, &json!({"feature": feature}));

            let updated = app.patch(&path, &json!({"feature": {"name": format!("Feature {code}")}})).await;
            feature["name"] = json!(format!("Feature {code}"));
            assert_response(&updated, 200, &json!({"feature": feature}));

            let privilege_deleted = app.delete(&format!("{path}/privileges/x%3F")).await;
            feature["privileges"] =
                json!([{"code": "y/z", "name": null, "value_type": "string", "config": {}}]);
            assert_response(&privilege_deleted, 200, &json!({"feature": feature}));
            let slash_deleted = app.delete(&format!("{path}/privileges/y%2Fz")).await;
            feature["privileges"] = json!([]);
            assert_response(&slash_deleted, 200, &json!({"feature": feature}));

            assert_response(&app.delete(&path).await, 200, &json!({"feature": feature}));
            assert_response(&app.get(&path).await, 404, &not_found("feature_not_found"));
        }
        assert_eq!(stored_features(&app).await, vec![]);
    }
}
