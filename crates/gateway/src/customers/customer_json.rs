//! Lago's customer object (`V1::CustomerSerializer`), keys in Lago's order. Payment providers,
//! invoice custom sections, integrations and background errors are out of scope, so their parts
//! are always empty (`billing_configuration` shows the customer's own null settings).

use entitlements::v1 as pb;
use serde_json::{Map, Value, json};

use crate::lago_json::timestamp;
use crate::tax_json::embedded_tax_to_json;

/// Which of Lago's renderings: show, upsert and delete add `applicable_invoice_custom_sections`
/// and `error_details`; the list does not. Webhooks have neither, nor `taxes`; the customer
/// embedded in a subscription's webhook has no `integration_customers` either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CustomerView {
    Single,
    ListItem,
    Webhook,
    InSubscriptionWebhook,
}

pub(crate) fn customer_to_json(customer: &pb::Customer, view: CustomerView) -> Value {
    let mut object = Map::new();
    let mut put = |key: &str, value: Value| {
        object.insert(key.to_owned(), value);
    };
    put("lago_id", json!(customer.id));
    put("billing_entity_code", json!(customer.billing_entity_code));
    put("external_id", json!(customer.external_id));
    put("account_type", json!(account_type_name(customer.account_type())));
    put("name", json!(customer.name));
    put("firstname", json!(customer.firstname));
    put("lastname", json!(customer.lastname));
    put("customer_type", json!(customer.customer_type.map(|_| customer_type_name(customer.customer_type()))));
    put("sequential_id", json!(customer.sequential_id));
    put("slug", json!(customer.slug));
    put("created_at", timestamp(customer.created_at.as_ref()));
    put("updated_at", timestamp(customer.updated_at.as_ref()));
    put("country", json!(customer.country));
    put("address_line1", json!(customer.address_line1));
    put("address_line2", json!(customer.address_line2));
    put("state", json!(customer.state));
    put("zipcode", json!(customer.zipcode));
    put("email", json!(customer.email));
    put("city", json!(customer.city));
    put("url", json!(customer.url));
    put("phone", json!(customer.phone));
    put("logo_url", json!(customer.logo_url));
    put("legal_name", json!(customer.legal_name));
    put("legal_number", json!(customer.legal_number));
    put("currency", json!(customer.currency));
    put("tax_identification_number", json!(customer.tax_identification_number));
    put("timezone", json!(customer.timezone));
    put("applicable_timezone", json!(customer.applicable_timezone));
    put("net_payment_term", json!(customer.net_payment_term));
    put("external_salesforce_id", json!(customer.external_salesforce_id));
    put("finalize_zero_amount_invoice", json!(finalize_name(customer.finalize_zero_amount_invoice())));
    put(
        "billing_configuration",
        json!({
            "invoice_grace_period": null,
            "payment_provider": null,
            "payment_provider_code": null,
            "document_locale": null,
            "subscription_invoice_issuing_date_anchor": null,
            "subscription_invoice_issuing_date_adjustment": null,
        }),
    );
    let shipping = customer.shipping_address.clone().unwrap_or_default();
    put(
        "shipping_address",
        json!({
            "address_line1": shipping.address_line1,
            "address_line2": shipping.address_line2,
            "city": shipping.city,
            "zipcode": shipping.zipcode,
            "state": shipping.state,
            "country": shipping.country,
        }),
    );
    put("skip_invoice_custom_sections", json!(false));
    put(
        "metadata",
        Value::Array(
            customer
                .metadata
                .iter()
                .map(|item| {
                    json!({
                        "lago_id": item.id,
                        "key": item.key,
                        "value": item.value,
                        "display_in_invoice": item.display_in_invoice,
                        "created_at": timestamp(item.created_at.as_ref()),
                    })
                })
                .collect(),
        ),
    );
    if matches!(view, CustomerView::Single | CustomerView::ListItem) {
        put("taxes", Value::Array(customer.taxes.iter().map(embedded_tax_to_json).collect()));
    }
    if view != CustomerView::InSubscriptionWebhook {
        put("integration_customers", json!([]));
    }
    if view == CustomerView::Single {
        put("applicable_invoice_custom_sections", json!([]));
        put("error_details", json!([]));
    }
    Value::Object(object)
}

pub(super) fn customer_type_name(customer_type: pb::CustomerType) -> &'static str {
    match customer_type {
        pb::CustomerType::Company => "company",
        pb::CustomerType::Individual => "individual",
        pb::CustomerType::Unspecified => "",
    }
}

fn account_type_name(account_type: pb::AccountType) -> &'static str {
    match account_type {
        pb::AccountType::Partner => "partner",
        pb::AccountType::Customer | pb::AccountType::Unspecified => "customer",
    }
}

pub(super) fn finalize_name(option: pb::FinalizeZeroAmountInvoice) -> &'static str {
    match option {
        pb::FinalizeZeroAmountInvoice::Skip => "skip",
        pb::FinalizeZeroAmountInvoice::Finalize => "finalize",
        pb::FinalizeZeroAmountInvoice::Inherit | pb::FinalizeZeroAmountInvoice::Unspecified => "inherit",
    }
}
