//! POST /api/v1/features: the create rules (codes trimmed, privileges typed, names optional) and
//! the create scenarios of Lago's `features_controller_spec.rb`.

use super::*;

// ---------------------------------------------------------------------------------------------
// POST /api/v1/features (Lago's create scenarios, and its create rules)
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
