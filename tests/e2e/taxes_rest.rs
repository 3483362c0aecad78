//! Lago conformance for `/api/v1/taxes` (the scenarios of Lago's `taxes_controller_spec.rb`), with
//! exact bodies, on SQLite and PostgreSQL. Counts that Lago's specs check in the database are
//! proven through the API, the store and the change log (which also shows that a failed request
//! emits nothing).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::conformance::{
    assert_response, created_at, event, lago_id, meta, missing_param, validation_errors,
};
use crate::support::{OTHER_API_KEY, TestApp, backend_tests, not_found, unauthorized};

/// The request spec's tax.
fn vat_input() -> Value {
    json!({
        "name": "VAT", "code": "vat_20", "rate": 20.0, "description": "French standard VAT",
        "applied_to_organization": false
    })
}

/// A tax object of the `/taxes` routes, from the identifiers the server chose.
fn tax_json(answered: &Value, name: &str, code: &str, rate: f64, description: Value, applied: bool) -> Value {
    json!({
        "lago_id": lago_id(answered), "name": name, "code": code, "rate": rate, "description": description,
        "applied_to_organization": applied, "add_ons_count": 0, "customers_count": 0, "plans_count": 0,
        "charges_count": 0, "commitments_count": 0, "created_at": created_at(answered),
        "applied_to_billing_entities_codes": if applied { json!(["default"]) } else { json!([]) },
    })
}

async fn post_tax(app: &TestApp, tax: Value) -> crate::support::HttpResponse {
    app.post("/api/v1/taxes", &json!({ "tax": tax })).await
}

/// Creates the request spec's tax and returns it as answered.
async fn create_vat(app: &TestApp) -> Value {
    let response = post_tax(app, vat_input()).await;
    let tax = tax_json(&response.body["tax"], "VAT", "vat_20", 20.0, json!("French standard VAT"), false);
    assert_response(&response, 200, &json!({ "tax": tax }));
    tax
}

/// Codes of the test organization's taxes as the store lists them (not deleted).
async fn stored_codes(app: &TestApp) -> Vec<String> {
    let organization_id = app.organization_id().await;
    let page = entitlements_domain::PageRequest::new(1, 1000).expect("a valid page");
    let taxes = app.store.list_taxes(organization_id, page).await.expect("list stored taxes");
    taxes.items.into_iter().map(|tax| tax.code).collect()
}

backend_tests! {
    async fn create_echoes_every_field(app) {
        let tax = create_vat(&app).await;
        // `rate` is a float: 20.0 on the wire, as Lago renders it.
        assert!(app.get("/api/v1/taxes/vat_20").await.body.to_string().contains(r#""rate":20.0"#));
        assert_response(&app.get("/api/v1/taxes/vat_20").await, 200, &json!({ "tax": tax }));
        assert_eq!(stored_codes(&app).await, ["vat_20"]);
        assert_eq!(app.change_event_codes().await, [event("tax.created", "vat_20")]);
    }

    async fn create_accepts_rates_as_strings_of_any_sign_and_size(app) {
        for (code, rate, echoed) in
            [("a", json!("5.5"), 5.5), ("b", json!(-3), -3.0), ("c", json!("150"), 150.0)]
        {
            let response = post_tax(&app, json!({"name": "T", "code": code, "rate": rate})).await;
            let tax = tax_json(&response.body["tax"], "T", code, echoed, Value::Null, false);
            assert_response(&response, 200, &json!({ "tax": tax }));
        }
    }

    async fn applied_to_organization_means_the_default_billing_entity(app) {
        let response = post_tax(
            &app,
            json!({"name": "GST", "code": "gst", "rate": "10", "applied_to_organization": true}),
        )
        .await;
        let applied = tax_json(&response.body["tax"], "GST", "gst", 10.0, Value::Null, true);
        assert_response(&response, 200, &json!({ "tax": applied }));
        assert_response(&app.get("/api/v1/taxes/gst").await, 200, &json!({ "tax": applied }));
        // Removing it from the organization empties the billing entity codes.
        let removed = app.put("/api/v1/taxes/gst", &json!({"tax": {"applied_to_organization": false}})).await;
        let tax = tax_json(&response.body["tax"], "GST", "gst", 10.0, Value::Null, false);
        assert_response(&removed, 200, &json!({ "tax": tax }));
    }

    async fn create_validation_errors_come_in_the_models_order(app) {
        let blank = post_tax(&app, json!({"description": "nothing else", "code": " "})).await;
        assert_response(
            &blank,
            422,
            &validation_errors(json!({
                "name": ["value_is_mandatory"], "rate": ["value_is_mandatory"], "code": ["value_is_mandatory"]
            })),
        );
        let nulls = post_tax(&app, json!({"name": null, "code": "x", "rate": null})).await;
        assert_response(
            &nulls,
            422,
            &validation_errors(json!({
                "name": ["value_is_mandatory"], "rate": ["value_is_mandatory"]
            })),
        );
        // Unlike Lago, a rate is validated as a decimal (Ruby's to_f would store 0.0).
        for rate in ["abc", "1,5", "Infinity"] {
            let invalid = post_tax(&app, json!({"name": "T", "code": "t", "rate": rate})).await;
            assert_response(&invalid, 422, &validation_errors(json!({"rate": ["value_is_invalid"]})));
        }
        create_vat(&app).await;
        let taken = post_tax(&app, json!({"name": "", "code": "vat_20", "rate": 5})).await;
        assert_response(
            &taken,
            422,
            &validation_errors(json!({
                "name": ["value_is_mandatory"], "code": ["value_already_exist"]
            })),
        );
        assert_eq!(stored_codes(&app).await, ["vat_20"]);
        assert_eq!(app.change_event_codes().await, [event("tax.created", "vat_20")]);
    }

    async fn malformed_requests_are_400s_after_authentication(app) {
        assert_response(&app.post("/api/v1/taxes", &json!({"tax": "BL"})).await, 400, &missing_param("tax"));
        assert_response(&app.post("/api/v1/taxes", &json!({"tax": {}})).await, 400, &missing_param("tax"));
        assert_response(&app.post("/api/v1/taxes", &json!({})).await, 400, &missing_param("tax"));
        let wrong_type = post_tax(&app, json!({"name": "T", "code": "t", "rate": true})).await;
        assert_response(
            &wrong_type,
            400,
            &json!({"status": 400, "error": "BadRequest: tax.rate must be a number, a string or null"}),
        );
        let not_json = app.send_raw(Method::POST, "/api/v1/taxes", "application/json", "{").await;
        assert_eq!(not_json.status, 400, "{}", not_json.body);
        let anonymous = app.send_as(None, Method::POST, "/api/v1/taxes", Some(&json!({"tax": "BL"}))).await;
        assert_response(&anonymous, 401, &unauthorized());
        // Lago reads the body before it looks the tax up.
        assert_response(
            &app.put("/api/v1/taxes/unknown", &json!({"tax": "BL"})).await,
            400,
            &missing_param("tax"),
        );
        assert_eq!(app.change_event_codes().await, []);
    }

    async fn update_echoes_the_changes_and_keeps_the_id(app) {
        let vat = create_vat(&app).await;
        let response = app
            .put(
                "/api/v1/taxes/vat_20",
                &json!({"tax": {
                    "code": "vat_15", "name": "Reduced VAT", "rate": 15.0, "applied_to_organization": false
                }}),
            )
            .await;
        let updated = tax_json(&vat, "Reduced VAT", "vat_15", 15.0, json!("French standard VAT"), false);
        assert_response(&response, 200, &json!({ "tax": updated }));
        assert_response(&app.get("/api/v1/taxes/vat_20").await, 404, &not_found("tax_not_found"));
        // PATCH is the same action; absent fields are kept, null clears the description.
        let patched =
            app.patch("/api/v1/taxes/vat_15", &json!({"tax": {"rate": "7.5", "description": null}})).await;
        let expected = tax_json(&vat, "Reduced VAT", "vat_15", 7.5, Value::Null, false);
        assert_response(&patched, 200, &json!({ "tax": expected }));
        assert_eq!(
            app.change_event_codes().await,
            [event("tax.created", "vat_20"), event("tax.updated", "vat_15"), event("tax.updated", "vat_15")]
        );
    }

    async fn update_errors(app) {
        create_vat(&app).await;
        post_tax(&app, json!({"name": "GST", "code": "gst", "rate": 10})).await;
        let unknown = app.put("/api/v1/taxes/unknown", &json!({"tax": {"name": "X"}})).await;
        assert_response(&unknown, 404, &not_found("tax_not_found"));
        let taken = app.put("/api/v1/taxes/gst", &json!({"tax": {"code": "vat_20"}})).await;
        assert_response(&taken, 422, &validation_errors(json!({"code": ["value_already_exist"]})));
        let nulls =
            app.put("/api/v1/taxes/gst", &json!({"tax": {"name": null, "rate": "x", "code": ""}})).await;
        assert_response(
            &nulls,
            422,
            &validation_errors(json!({
                "name": ["value_is_mandatory"], "rate": ["value_is_invalid"], "code": ["value_is_mandatory"]
            })),
        );
        // Keeping its own code is no clash.
        let same = app.put("/api/v1/taxes/gst", &json!({"tax": {"code": "gst"}})).await;
        assert_eq!(same.status, 200, "{}", same.body);
        let other = app
            .send_as(
                Some(OTHER_API_KEY),
                Method::PUT,
                "/api/v1/taxes/gst",
                Some(&json!({"tax": {"name": "X"}})),
            )
            .await;
        assert_response(&other, 404, &not_found("tax_not_found"));
        assert_eq!(
            app.change_event_codes().await,
            [event("tax.created", "vat_20"), event("tax.created", "gst"), event("tax.updated", "gst")]
        );
    }

    async fn get_is_scoped_to_the_organization(app) {
        let vat = create_vat(&app).await;
        assert_response(&app.get("/api/v1/taxes/vat_20").await, 200, &json!({ "tax": vat }));
        assert_response(&app.get("/api/v1/taxes/unknown").await, 404, &not_found("tax_not_found"));
        let other = app.send_as(Some(OTHER_API_KEY), Method::GET, "/api/v1/taxes/vat_20", None).await;
        assert_response(&other, 404, &not_found("tax_not_found"));
        assert_response(
            &app.send_as(None, Method::GET, "/api/v1/taxes/vat_20", None).await,
            401,
            &unauthorized(),
        );
    }

    async fn delete_answers_the_tax_and_frees_its_code(app) {
        let vat = create_vat(&app).await;
        assert_response(&app.delete("/api/v1/taxes/vat_20").await, 200, &json!({ "tax": vat }));
        assert_eq!(stored_codes(&app).await, Vec::<String>::new());
        assert_response(&app.get("/api/v1/taxes/vat_20").await, 404, &not_found("tax_not_found"));
        assert_response(&app.delete("/api/v1/taxes/vat_20").await, 404, &not_found("tax_not_found"));
        assert_response(&app.delete("/api/v1/taxes/unknown").await, 404, &not_found("tax_not_found"));
        // Unlike Lago, the code of a deleted tax can be reused (Lago would say value_already_exist).
        let again = create_vat(&app).await;
        assert_ne!(again["lago_id"], vat["lago_id"]);
        assert_eq!(
            app.change_event_codes().await,
            [event("tax.created", "vat_20"), event("tax.deleted", "vat_20"), event("tax.created", "vat_20")]
        );
    }

    async fn list_is_paginated_and_ordered_by_name(app) {
        let vat = create_vat(&app).await;
        let gst = post_tax(
            &app,
            json!({"name": "GST", "code": "gst", "rate": 10, "applied_to_organization": true}),
        )
        .await;
        let gst = tax_json(&gst.body["tax"], "GST", "gst", 10.0, Value::Null, true);
        let first_page = app.get("/api/v1/taxes?page=1&per_page=1").await;
        assert_response(
            &first_page,
            200,
            &json!({"taxes": [gst.clone()], "meta": meta(1, Some(2), None, 2, 2)}),
        );
        let second_page = app.get("/api/v1/taxes?page=2&per_page=1").await;
        assert_response(
            &second_page,
            200,
            &json!({"taxes": [vat.clone()], "meta": meta(2, None, Some(1), 2, 2)}),
        );
        // The same name: newest first.
        let newer = post_tax(&app, json!({"name": "VAT", "code": "vat_5", "rate": 5})).await;
        let newer = tax_json(&newer.body["tax"], "VAT", "vat_5", 5.0, Value::Null, false);
        assert_response(
            &app.get("/api/v1/taxes").await,
            200,
            &json!({"taxes": [gst, newer, vat], "meta": meta(1, None, None, 1, 3)}),
        );
        let other = app.send_as(Some(OTHER_API_KEY), Method::GET, "/api/v1/taxes", None).await;
        assert_response(&other, 200, &json!({"taxes": [], "meta": meta(0, None, None, 0, 0)}));
    }

    async fn names_are_ordered_by_bytes_on_both_databases(app) {
        for (name, code) in [("apple", "a"), ("Banana", "b"), ("\u{e9}clair", "c"), ("Zest", "z")] {
            let created = post_tax(&app, json!({"name": name, "code": code, "rate": 1})).await;
            assert_eq!(created.status, 200, "{}", created.body);
        }
        let listed = app.get("/api/v1/taxes").await;
        let taxes = listed.body["taxes"].as_array().cloned().unwrap_or_default();
        let codes: Vec<&str> = taxes.iter().filter_map(|tax| tax["code"].as_str()).collect();
        // Byte order: upper case, then lower case, then non-ASCII (the store asks PostgreSQL for
        // the "C" collation, so a database created with another locale sorts the same).
        assert_eq!(codes, ["b", "z", "a", "c"]);
    }

    async fn lookups_for_plans_ignore_deleted_taxes(app) {
        create_vat(&app).await;
        post_tax(&app, json!({"name": "GST", "code": "gst", "rate": 10})).await;
        app.delete("/api/v1/taxes/gst").await;
        let organization_id = app.organization_id().await;
        let codes = ["vat_20".to_owned(), "gst".to_owned(), "unknown".to_owned()];
        let found = app.store.taxes_by_codes(organization_id, &codes).await.expect("look taxes up");
        assert_eq!(found.iter().map(|tax| tax.code.as_str()).collect::<Vec<_>>(), ["vat_20"]);
        let ids: Vec<_> = found.iter().map(|tax| tax.id).collect();
        let by_id = app.store.taxes_by_ids(organization_id, &ids).await.expect("look taxes up by id");
        assert_eq!(by_id, found);
    }
}
