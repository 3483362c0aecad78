//! POST, GET and DELETE of single customers: creation, partial updates, normalization, every
//! validation code in Lago's order, taxes, metadata, tenancy, deletion and the change log.

use reqwest::Method;
use serde_json::{Value, json};

use super::{customer_json, post_customer, upsert};
use crate::support::conformance::{assert_response, event, missing_param, validation_errors};
use crate::support::{OTHER_API_KEY, backend_tests, not_found, unauthorized};

/// The request spec's customer.
fn spec_customer() -> Value {
    json!({
        "external_id": "cust_1", "name": "Foo Bar Inc.", "firstname": "Foo", "lastname": "Bar",
        "customer_type": "company", "currency": "EUR", "timezone": "America/New_York",
        "external_salesforce_id": "foobar"
    })
}

fn spec_fields() -> Value {
    json!({
        "external_id": "cust_1", "name": "Foo Bar Inc.", "firstname": "Foo", "lastname": "Bar",
        "customer_type": "company", "currency": "EUR", "timezone": "America/New_York",
        "applicable_timezone": "America/New_York", "external_salesforce_id": "foobar"
    })
}

async fn create_tax(app: &crate::support::TestApp, code: &str) -> Value {
    let response =
        app.post("/api/v1/taxes", &json!({"tax": {"name": "VAT", "code": code, "rate": 20.0}})).await;
    assert_eq!(response.status, 200, "create tax: {}", response.body);
    let tax = response.body["tax"].clone();
    json!({
        "lago_id": tax["lago_id"], "name": "VAT", "code": code, "rate": 20.0, "description": null,
        "applied_to_organization": false, "add_ons_count": 0, "customers_count": 0, "plans_count": 0,
        "charges_count": 0, "commitments_count": 0, "created_at": tax["created_at"]
    })
}

backend_tests! {
    async fn create_echoes_lagos_customer_object(app) {
        let created = upsert(&app, spec_customer(), spec_fields()).await;
        assert_eq!(created["sequential_id"], 1);
        assert_response(&app.get("/api/v1/customers/cust_1").await, 200, &json!({ "customer": created }));
        assert_eq!(app.change_event_codes().await, [event("customer.created", "cust_1")]);
    }

    async fn posting_again_updates_only_the_fields_sent(app) {
        let created = upsert(&app, spec_customer(), spec_fields()).await;
        let response = post_customer(&app, json!({"external_id": "cust_1", "name": "Renamed"})).await;
        let mut fields = spec_fields();
        fields["name"] = json!("Renamed");
        let updated = customer_json(&app, &response.body["customer"], fields, true).await;
        assert_response(&response, 200, &json!({ "customer": updated }));
        assert_eq!((&updated["lago_id"], &updated["sequential_id"]), (&created["lago_id"], &json!(1)));
        // Null clears a field; an empty customer type is no type.
        let response = post_customer(
            &app,
            json!({"external_id": "cust_1", "currency": null, "timezone": null, "customer_type": ""}),
        )
        .await;
        let fields = json!({
            "external_id": "cust_1", "name": "Renamed", "firstname": "Foo", "lastname": "Bar",
            "external_salesforce_id": "foobar"
        });
        let cleared = customer_json(&app, &response.body["customer"], fields, true).await;
        assert_response(&response, 200, &json!({ "customer": cleared }));
        assert_eq!(
            app.change_event_codes().await,
            [event("customer.created", "cust_1"), event("customer.updated", "cust_1"),
             event("customer.updated", "cust_1")]
        );
    }

    async fn every_field_is_stored_and_normalized(app) {
        let customer = json!({
            "external_id": 42, "name": "Foo\u{0}Bar", "firstname": "\u{0}Foo", "lastname": "Bar\u{0}",
            "customer_type": "individual", "country": "fr", "address_line1": "1 rue\u{0} de Paris",
            "address_line2": "  ", "state": "IDF", "zipcode": "75001", "email": "foo@example.com",
            "city": "Paris", "url": "https://example.com", "phone": "+33 1", "logo_url": "https://x.io/l.png",
            "legal_name": "Foo SAS", "legal_number": "123", "currency": "USD",
            "tax_identification_number": "FR123", "timezone": "Europe/Paris", "net_payment_term": "30",
            "finalize_zero_amount_invoice": "skip",
            "shipping_address": {"address_line1": "2 rue", "city": "Lyon", "zipcode": "", "country": "de"},
            "billing_entity_code": "default", "account_type": "partner", "unknown_key": true
        });
        let fields = json!({
            "external_id": "42", "name": "FooBar", "firstname": "Foo", "lastname": "Bar",
            "customer_type": "individual", "country": "FR", "address_line1": "1 rue de Paris",
            "state": "IDF", "zipcode": "75001", "email": "foo@example.com", "city": "Paris",
            "url": "https://example.com", "phone": "+33 1", "logo_url": "https://x.io/l.png",
            "legal_name": "Foo SAS", "legal_number": "123", "currency": "USD",
            "tax_identification_number": "FR123", "timezone": "Europe/Paris",
            "applicable_timezone": "Europe/Paris", "net_payment_term": 30,
            "finalize_zero_amount_invoice": "skip",
            "shipping_address": {
                "address_line1": "2 rue", "address_line2": null, "city": "Lyon", "zipcode": null,
                "state": null, "country": "DE"
            }
        });
        upsert(&app, customer, fields).await;
        // Null is Lago's `inherit`.
        let response =
            post_customer(&app, json!({"external_id": "42", "finalize_zero_amount_invoice": null})).await;
        assert_eq!(response.body["customer"]["finalize_zero_amount_invoice"], "inherit");
    }

    async fn invisible_characters_leave_emails(app) {
        let mut customer = spec_customer();
        customer["email"] = json!("foo\u{200C}bar@example.com");
        let response = post_customer(&app, customer).await;
        assert_eq!(response.body["customer"]["email"], "foobar@example.com");
        let response = post_customer(
            &app,
            json!({"external_id": "cust_2", "email": "foo\u{200B}\u{200C}\u{200D}\u{00A0}\u{200E}\u{200F}bar@example.com"}),
        )
        .await;
        assert_eq!(response.body["customer"]["email"], "foobar@example.com");
        let several = post_customer(&app, json!({"external_id": "cust_3", "email": "a@b.io, c@d.io"})).await;
        assert_eq!(several.body["customer"]["email"], "a@b.io, c@d.io");
        for email in ["foo", "foo@bar", "a@b.io,"] {
            let invalid = post_customer(&app, json!({"external_id": "cust_4", "email": email})).await;
            assert_response(&invalid, 422, &validation_errors(json!({"email": ["invalid_email_format"]})));
        }
    }

    async fn validation_errors_come_in_lagos_order_and_record_nothing(app) {
        let spec = post_customer(&app, json!({"name": "Foo Bar", "currency": "invalid"})).await;
        assert_response(
            &spec,
            422,
            &validation_errors(json!({"currency": ["value_is_invalid"], "external_id": ["value_is_mandatory"]})),
        );
        let everything = post_customer(
            &app,
            json!({
                "external_id": " ", "customer_type": "vendor", "country": "XX",
                "shipping_address": {"country": "ZZ"}, "currency": "usd", "net_payment_term": -1,
                "timezone": "Mars/Olympus", "email": "not an email", "name": "n".repeat(256)
            }),
        )
        .await;
        assert_response(
            &everything,
            422,
            &validation_errors(json!({
                "customer_type": ["value_is_invalid"], "country": ["not_a_valid_country_code"],
                "shipping_country": ["not_a_valid_country_code"], "currency": ["value_is_invalid"],
                "external_id": ["value_is_mandatory"], "net_payment_term": ["value_is_out_of_range"],
                "timezone": ["invalid_timezone"], "email": ["invalid_email_format"],
                "name": ["value_is_too_long"]
            })),
        );
        // Lago's checks before the model stop everything else.
        let metadata: Vec<Value> =
            (0..6).map(|index| json!({"key": format!("k{index}"), "value": "v"})).collect();
        let too_many = post_customer(&app, json!({"currency": "invalid", "metadata": metadata})).await;
        assert_response(&too_many, 422, &validation_errors(json!({"metadata": ["invalid_count"]})));
        let finalize =
            post_customer(&app, json!({"external_id": "c", "finalize_zero_amount_invoice": "never"})).await;
        assert_response(
            &finalize,
            422,
            &validation_errors(json!({"finalize_zero_amount_invoice": ["invalid_value"]})),
        );
        assert_eq!(app.change_event_codes().await, []);
        assert_eq!(app.get("/api/v1/customers").await.body["meta"]["total_count"], 0);
    }

    async fn malformed_requests_are_400s_after_authentication(app) {
        let root = missing_param("customer");
        assert_response(&app.post("/api/v1/customers", &json!({"customer": "customer"})).await, 400, &root);
        assert_response(&app.post("/api/v1/customers", &json!({"customer": {}})).await, 400, &root);
        assert_response(&app.post("/api/v1/customers", &json!({})).await, 400, &root);
        let wrong_type = post_customer(&app, json!({"external_id": "c", "name": ["a"]})).await;
        assert_response(
            &wrong_type,
            400,
            &json!({"status": 400, "error": "BadRequest: customer.name must be a string or null"}),
        );
        let metadata = post_customer(&app, json!({"external_id": "c", "metadata": {"a": "b"}})).await;
        assert_eq!(metadata.status, 400, "{}", metadata.body);
        let not_json = app.send_raw(Method::POST, "/api/v1/customers", "application/json", "{").await;
        assert_eq!(not_json.status, 400, "{}", not_json.body);
        let anonymous =
            app.send_as(None, Method::POST, "/api/v1/customers", Some(&json!({"customer": "customer"}))).await;
        assert_response(&anonymous, 401, &unauthorized());
        assert_response(&app.send_as(None, Method::GET, "/api/v1/customers", None).await, 401, &unauthorized());
        assert_eq!(app.change_event_codes().await, []);
    }

    async fn only_the_default_billing_entity_exists(app) {
        let mut customer = spec_customer();
        customer["billing_entity_code"] = json!("default");
        upsert(&app, customer, spec_fields()).await;
        let unknown = post_customer(&app, json!({"external_id": "c2", "billing_entity_code": "eu"})).await;
        assert_response(&unknown, 404, &not_found("billing_entity_not_found"));
        assert_eq!(app.change_event_codes().await, [event("customer.created", "cust_1")]);
    }

    async fn taxes_are_applied_replaced_and_left_by_deleted_taxes(app) {
        let vat = create_tax(&app, "vat").await;
        let gst = create_tax(&app, "gst").await;
        let with_taxes = json!({"external_id": "c", "tax_codes": ["gst", "vat", "gst"]});
        upsert(&app, with_taxes, json!({"external_id": "c", "taxes": [gst.clone(), vat.clone()]})).await;
        let unknown = post_customer(&app, json!({"external_id": "c", "name": "X", "tax_codes": ["nope"]})).await;
        assert_response(&unknown, 404, &not_found("tax_not_found"));
        // Validation comes before taxes, as in Lago.
        let invalid = post_customer(&app, json!({"external_id": "c", "currency": "x", "tax_codes": ["nope"]})).await;
        assert_response(&invalid, 422, &validation_errors(json!({"currency": ["value_is_invalid"]})));
        let shown = app.get("/api/v1/customers/c").await;
        assert_eq!(shown.body["customer"]["taxes"], json!([gst, vat]));
        assert_eq!(shown.body["customer"]["name"], Value::Null);
        assert_eq!(app.delete("/api/v1/taxes/gst").await.status, 200);
        assert_eq!(app.get("/api/v1/customers/c").await.body["customer"]["taxes"], json!([vat]));
        upsert(&app, json!({"external_id": "c", "tax_codes": []}), json!({"external_id": "c"})).await;
        let customer_events: Vec<(String, String)> = app
            .change_event_codes()
            .await
            .into_iter()
            .filter(|(event_type, _)| event_type.starts_with("customer."))
            .collect();
        assert_eq!(
            customer_events,
            [event("customer.created", "c"), event("customer.updated", "c"), event("customer.updated", "c")]
        );
    }

    async fn metadata_items_are_created_updated_and_deleted(app) {
        let response = post_customer(
            &app,
            json!({"external_id": "c", "metadata": [
                {"key": "Hello", "value": "Hi", "display_in_invoice": true}, {"key": "plan", "value": "pro"}
            ]}),
        )
        .await;
        assert_eq!(response.status, 200, "{}", response.body);
        let items = response.body["customer"]["metadata"].clone();
        let hello_id = items[0]["lago_id"].clone();
        let created_at = items[0]["created_at"].clone();
        assert_eq!(
            items,
            json!([
                {"lago_id": hello_id, "key": "Hello", "value": "Hi", "display_in_invoice": true,
                 "created_at": created_at},
                {"lago_id": items[1]["lago_id"], "key": "plan", "value": "pro", "display_in_invoice": false,
                 "created_at": items[1]["created_at"]}
            ])
        );
        // A new item may not take a key that is still stored (Lago deletes unnamed items last).
        let taken = post_customer(&app, json!({"external_id": "c", "metadata": [{"key": "plan", "value": "x"}]})).await;
        assert_response(&taken, 422, &validation_errors(json!({"key": ["value_already_exist"]})));
        let invalid = post_customer(
            &app,
            json!({"external_id": "c", "metadata": [{"key": "k".repeat(21), "value": ""}]}),
        )
        .await;
        assert_response(
            &invalid,
            422,
            &validation_errors(json!({"key": ["value_is_too_long"], "value": ["value_is_mandatory"]})),
        );
        // Named by id: updated in place; not named: deleted; no id: created.
        let response = post_customer(
            &app,
            json!({"external_id": "c", "metadata": [
                {"id": hello_id, "value": "Bonjour"}, {"key": "tier", "value": "gold", "display_in_invoice": true}
            ]}),
        )
        .await;
        let items = response.body["customer"]["metadata"].clone();
        assert_eq!(items.as_array().map(Vec::len), Some(2), "{items}");
        assert_eq!(
            items[0],
            json!({"lago_id": hello_id, "key": "Hello", "value": "Bonjour", "display_in_invoice": false,
                   "created_at": created_at})
        );
        assert_eq!((&items[1]["key"], &items[1]["value"]), (&json!("tier"), &json!("gold")));
        // Absent or null keeps the items; an empty list deletes them all.
        let kept = post_customer(&app, json!({"external_id": "c", "metadata": null})).await;
        assert_eq!(kept.body["customer"]["metadata"], items);
        let emptied = post_customer(&app, json!({"external_id": "c", "metadata": []})).await;
        assert_eq!(emptied.body["customer"]["metadata"], json!([]));
    }

    async fn another_organizations_customer_is_not_found(app) {
        let created = upsert(&app, spec_customer(), spec_fields()).await;
        let other = |method: Method, body: Option<Value>| {
            let app = &app;
            async move { app.send_as(Some(OTHER_API_KEY), method, "/api/v1/customers/cust_1", body.as_ref()).await }
        };
        assert_response(&other(Method::GET, None).await, 404, &not_found("customer_not_found"));
        assert_response(&other(Method::DELETE, None).await, 404, &not_found("customer_not_found"));
        // The same external id in another organization is another customer, numbered there.
        let theirs = app
            .send_as(
                Some(OTHER_API_KEY),
                Method::POST,
                "/api/v1/customers",
                Some(&json!({"customer": {"external_id": "cust_1"}})),
            )
            .await;
        assert_eq!(theirs.status, 200, "{}", theirs.body);
        assert_ne!(theirs.body["customer"]["lago_id"], created["lago_id"]);
        assert_eq!(theirs.body["customer"]["sequential_id"], 1);
        let listed = app.send_as(Some(OTHER_API_KEY), Method::GET, "/api/v1/customers", None).await;
        assert_eq!(listed.body["meta"]["total_count"], 1);
        assert_response(&app.get("/api/v1/customers/cust_1").await, 200, &json!({ "customer": created }));
    }

    async fn deletion_answers_the_customer_and_frees_its_external_id(app) {
        let created = upsert(&app, spec_customer(), spec_fields()).await;
        assert_response(&app.delete("/api/v1/customers/cust_1").await, 200, &json!({ "customer": created }));
        assert_response(&app.get("/api/v1/customers/cust_1").await, 404, &not_found("customer_not_found"));
        assert_response(&app.delete("/api/v1/customers/cust_1").await, 404, &not_found("customer_not_found"));
        assert_response(&app.get("/api/v1/customers/unknown").await, 404, &not_found("customer_not_found"));
        assert_eq!(app.get("/api/v1/customers").await.body["meta"]["total_count"], 0);
        // A new customer with the same external id, numbered after the deleted one.
        let again = upsert(&app, json!({"external_id": "cust_1"}), json!({"external_id": "cust_1"})).await;
        assert_ne!(again["lago_id"], created["lago_id"]);
        assert_eq!(again["sequential_id"], 2);
        assert_eq!(
            app.change_event_codes().await,
            [event("customer.created", "cust_1"), event("customer.deleted", "cust_1"),
             event("customer.created", "cust_1")]
        );
    }
}
