//! DELETE of features and privileges (Lago's delete scenarios), and codes with any character,
//! percent-encoded in paths. Unlike Lago, a deleted feature is answered as it was, privileges
//! included.

use super::*;

// ---------------------------------------------------------------------------------------------
// DELETE /api/v1/features/:code (answered as it was, privileges included)
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
        // Lago answers `privileges: []` here; we answer the feature as it was, privileges included.
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
// DELETE /api/v1/features/:feature_code/privileges/:code (Lago's privileges_controller_spec.rb)
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
// Codes with any character, percent-encoded in paths (`root%3F`, `a%2Fb`)
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
