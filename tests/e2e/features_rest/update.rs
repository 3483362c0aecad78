//! PATCH|PUT /api/v1/features/{code}: partial updates (what is omitted is kept; an unknown
//! privilege code is created), with Lago's update scenarios.

use super::*;

// ---------------------------------------------------------------------------------------------
// PATCH|PUT /api/v1/features/:code (Lago's update scenarios and partial-update rules)
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
