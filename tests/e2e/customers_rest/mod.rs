//! Lago conformance for `/api/v1/customers` (the relevant scenarios of Lago's
//! `customers_controller_spec.rb`), with exact bodies, on SQLite and PostgreSQL. Out of scope, and
//! not tested: premium payment providers (billing configuration), partner accounts, integration
//! customers and invoice custom sections, whose keys are ignored.

mod list;
mod upsert;

use serde_json::{Map, Value, json};

use crate::support::conformance::{assert_response, created_at, lago_id};
use crate::support::{HttpResponse, TestApp};

/// Lago's customer object with every field null or default, then `fields` over it (keys keep
/// Lago's order). Identifiers and timestamps come from `answered`, checked for their shape;
/// `single` adds the keys of the show/upsert/delete rendering.
pub(super) async fn customer_json(app: &TestApp, answered: &Value, fields: Value, single: bool) -> Value {
    let sequential_id = answered["sequential_id"].as_i64().expect("a sequential id");
    let organization_id = app.organization_id().await.to_string().to_uppercase();
    let slug = format!("TES-{}-{sequential_id:03}", &organization_id[organization_id.len() - 4..]);
    let mut object = json!({
        "lago_id": lago_id(answered), "billing_entity_code": "default", "external_id": null,
        "account_type": "customer", "name": null, "firstname": null, "lastname": null, "customer_type": null,
        "sequential_id": sequential_id, "slug": slug, "created_at": created_at(answered),
        "updated_at": updated_at(answered), "country": null, "address_line1": null, "address_line2": null,
        "state": null, "zipcode": null, "email": null, "city": null, "url": null, "phone": null,
        "logo_url": null, "legal_name": null, "legal_number": null, "currency": null,
        "tax_identification_number": null, "timezone": null, "applicable_timezone": "UTC",
        "net_payment_term": null, "external_salesforce_id": null, "finalize_zero_amount_invoice": "inherit",
        "billing_configuration": {
            "invoice_grace_period": null, "payment_provider": null, "payment_provider_code": null,
            "document_locale": null, "subscription_invoice_issuing_date_anchor": null,
            "subscription_invoice_issuing_date_adjustment": null
        },
        "shipping_address": {
            "address_line1": null, "address_line2": null, "city": null, "zipcode": null, "state": null,
            "country": null
        },
        "skip_invoice_custom_sections": false, "metadata": [], "taxes": [], "integration_customers": []
    });
    let Value::Object(map) = &mut object else { unreachable!("a JSON object literal") };
    if let Value::Object(fields) = fields {
        for (key, value) in fields {
            assert!(map.contains_key(&key), "{key} is not a customer key");
            map.insert(key, value);
        }
    }
    if single {
        map.insert("applicable_invoice_custom_sections".to_owned(), json!([]));
        map.insert("error_details".to_owned(), json!([]));
    }
    object
}

/// The `updated_at` of an object, checked like `created_at`.
fn updated_at(object: &Value) -> Value {
    created_at(&json!({ "created_at": object["updated_at"] }))
}

pub(super) async fn post_customer(app: &TestApp, customer: Value) -> HttpResponse {
    app.post("/api/v1/customers", &json!({ "customer": customer })).await
}

/// Upserts a customer, asserts the exact answer (`fields` over the defaults) and returns it.
pub(super) async fn upsert(app: &TestApp, customer: Value, fields: Value) -> Value {
    let response = post_customer(app, customer).await;
    assert_eq!(response.status, 200, "upsert: {}", response.body);
    let expected = customer_json(app, &response.body["customer"], fields, true).await;
    assert_response(&response, 200, &json!({ "customer": expected }));
    expected
}

/// The same object in the list rendering (without the keys only single customers carry).
pub(super) fn as_list_item(customer: &Value) -> Value {
    let mut item: Map<String, Value> = customer.as_object().expect("a customer object").clone();
    item.remove("applicable_invoice_custom_sections");
    item.remove("error_details");
    Value::Object(item)
}
