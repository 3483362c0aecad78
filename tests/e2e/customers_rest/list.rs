//! GET /customers: Lago's pagination, newest first, the list rendering, and every list filter of
//! the request spec with its errors.

use serde_json::{Value, json};

use super::{as_list_item, post_customer, upsert};
use crate::support::conformance::{assert_response, meta, validation_errors};
use crate::support::{TestApp, backend_tests, not_found};

/// External ids of a list answer, in order.
async fn listed(app: &TestApp, query: &str) -> Vec<String> {
    let response = app.get(&format!("/api/v1/customers?{query}")).await;
    assert_eq!(response.status, 200, "{query}: {}", response.body);
    response.body["customers"]
        .as_array()
        .expect("a customers array")
        .iter()
        .map(|customer| customer["external_id"].as_str().expect("an external id").to_owned())
        .collect()
}

async fn create(app: &TestApp, customer: Value) {
    let response = post_customer(app, customer).await;
    assert_eq!(response.status, 200, "create: {}", response.body);
}

backend_tests! {
    async fn pages_newest_first_in_the_list_rendering(app) {
        let first = upsert(&app, json!({"external_id": "first"}), json!({"external_id": "first"})).await;
        let second = upsert(&app, json!({"external_id": "second"}), json!({"external_id": "second"})).await;
        let page = app.get("/api/v1/customers?page=1&per_page=1").await;
        assert_response(
            &page,
            200,
            &json!({"customers": [as_list_item(&second)], "meta": meta(1, Some(2), None, 2, 2)}),
        );
        let all = app.get("/api/v1/customers").await;
        assert_response(
            &all,
            200,
            &json!({
                "customers": [as_list_item(&second), as_list_item(&first)],
                "meta": meta(1, None, None, 1, 2)
            }),
        );
        assert_response(
            &app.get("/api/v1/customers?per_page=0").await,
            400,
            &json!({"status": 400, "error": "BadRequest: per_page must be greater than 0"}),
        );
    }

    async fn filters_by_type_account_and_billing_entity(app) {
        create(&app, json!({"external_id": "company", "customer_type": "company"})).await;
        create(&app, json!({"external_id": "individual", "customer_type": "individual"})).await;
        create(&app, json!({"external_id": "untyped"})).await;
        assert_eq!(listed(&app, "customer_type=company").await, ["company"]);
        assert_eq!(listed(&app, "has_customer_type=true").await, ["individual", "company"]);
        assert_eq!(listed(&app, "has_customer_type=false").await, ["untyped"]);
        assert_eq!(listed(&app, "account_type[]=partner").await, Vec::<String>::new());
        assert_eq!(listed(&app, "account_type[]=customer&account_type[]=partner").await.len(), 3);
        assert_eq!(listed(&app, "billing_entity_codes[]=default&billing_entity_codes[]=default").await.len(), 3);
        // A scalar where Lago permits a list is dropped.
        assert_eq!(listed(&app, "billing_entity_codes=invalid_code").await.len(), 3);
        assert_response(
            &app.get("/api/v1/customers?billing_entity_codes[]=default&billing_entity_codes[]=non_existent").await,
            404,
            &not_found("billing_entity_not_found"),
        );
        assert_response(
            &app.get("/api/v1/customers?has_customer_type=false&customer_type=company").await,
            422,
            &validation_errors(json!({"customer_type": ["must be nil when has_customer_type is false"]})),
        );
        assert_response(
            &app.get("/api/v1/customers?customer_type=vendor&account_type[]=vendor").await,
            422,
            &validation_errors(json!({
                "account_type": {"0": ["must be one of: customer, partner"]},
                "customer_type": ["must be one of: company, individual"]
            })),
        );
    }

    async fn filters_by_address_currency_and_tax_identification_number(app) {
        create(&app, json!({"external_id": "us", "country": "US", "state": "CA", "zipcode": "10115",
                            "currency": "AED", "tax_identification_number": "1234567890"})).await;
        create(&app, json!({"external_id": "fr", "country": "FR", "state": "Paris", "zipcode": "75001",
                            "currency": "CAD"})).await;
        create(&app, json!({"external_id": "de", "country": "DE"})).await;
        assert_eq!(listed(&app, "countries[]=US&countries[]=FR").await, ["fr", "us"]);
        assert_eq!(listed(&app, "states[]=CA&states[]=Paris").await, ["fr", "us"]);
        assert_eq!(listed(&app, "zipcodes[]=10115").await, ["us"]);
        assert_eq!(listed(&app, "currencies[]=AED&currencies[]=CAD").await, ["fr", "us"]);
        assert_eq!(listed(&app, "has_tax_identification_number=true").await, ["us"]);
        assert_eq!(listed(&app, "has_tax_identification_number=false").await, ["de", "fr"]);
        assert_eq!(listed(&app, "countries[]=FR&currencies[]=AED").await, Vec::<String>::new());
        let invalid = app.get("/api/v1/customers?countries[]=US&countries[]=INVALID&currencies[]=INVALID").await;
        assert_eq!(invalid.status, 422, "{}", invalid.body);
        let countries = invalid.body["error_details"]["countries"]["1"][0].as_str().expect("a message");
        assert!(countries.starts_with("must be one of: AD, ") && countries.ends_with(", XK"), "{countries}");
        let currencies = invalid.body["error_details"]["currencies"]["0"][0].as_str().expect("a message");
        assert!(currencies.starts_with("must be one of: AED, AFN") && currencies.ends_with(", ZMW"), "{currencies}");
        assert_response(
            &app.get("/api/v1/customers?has_tax_identification_number=invalid").await,
            422,
            &validation_errors(json!({"has_tax_identification_number": ["must be one of: true, false"]})),
        );
    }

    async fn filters_by_metadata(app) {
        create(&app, json!({"external_id": "synced", "metadata": [
            {"key": "is_synced", "value": "true"}, {"key": "last_synced_at", "value": "2025-01-01"}
        ]})).await;
        create(&app, json!({"external_id": "first", "metadata": [
            {"key": "is_synced", "value": "true"}, {"key": "first_synced_at", "value": "2024-01-01"}
        ]})).await;
        create(&app, json!({"external_id": "bare"})).await;
        let query = "metadata[is_synced]=true&metadata[last_synced_at]=2025-01-01&metadata[first_synced_at]=";
        assert_eq!(listed(&app, query).await, ["synced"]);
        assert_eq!(listed(&app, "metadata[is_synced]=true").await, ["first", "synced"]);
        assert_eq!(listed(&app, "metadata[is_synced]=").await, ["bare"]);
        assert_response(
            &app.get("/api/v1/customers?metadata[nested][deeply]=true&metadata[is_synced][]=true").await,
            422,
            &validation_errors(json!({
                "metadata": {"nested": ["must be a string"], "is_synced": ["must be a string"]}
            })),
        );
    }

    async fn searches_names_ids_and_emails_ignoring_case(app) {
        create(&app, json!({"external_id": "a", "name": "Foo Bar"})).await;
        create(&app, json!({"external_id": "b", "firstname": "Jane", "lastname": "Doe"})).await;
        create(&app, json!({"external_id": "c_100%", "legal_name": "Acme SAS", "email": "billing@acme.io"})).await;
        assert_eq!(listed(&app, "search_term=oo%20b").await, ["a"]);
        assert_eq!(listed(&app, "search_term=JANE").await, ["b"]);
        assert_eq!(listed(&app, "search_term=doe").await, ["b"]);
        assert_eq!(listed(&app, "search_term=acme%20s").await, ["c_100%"]);
        assert_eq!(listed(&app, "search_term=billing@").await, ["c_100%"]);
        // LIKE wildcards in the term are plain characters.
        assert_eq!(listed(&app, "search_term=100%25").await, ["c_100%"]);
        assert_eq!(listed(&app, "search_term=_").await, ["c_100%"]);
        assert_eq!(listed(&app, "search_term=%20%20").await.len(), 3);
        // An external id filter wins over the search term, as in Lago.
        assert_eq!(listed(&app, "external_id=a&search_term=jane").await, ["a"]);
        assert_eq!(listed(&app, "external_id=unknown").await, Vec::<String>::new());
    }
}
