//! GET /api/v1/features and /api/v1/features/{code}: Lago's pagination (`page`, `per_page`,
//! `meta`), `search_term`, and order (`created_at DESC, id ASC`), with Lago's list and show
//! scenarios.

use super::*;

// ---------------------------------------------------------------------------------------------
// GET /api/v1/features (Lago's list scenarios, pagination, search and order)
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
// GET /api/v1/features/:code (Lago's show scenarios)
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
