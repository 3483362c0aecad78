//! Lago's customer request JSON -> CustomerService messages. Strong parameters keep the fields
//! below; other keys (payment providers, integrations, invoice custom sections, `account_type`,
//! `billing_configuration`) are ignored. Only keys present in the body are sent, so that an
//! update changes only them. Text fields take strings or numbers (Rails stores `123` as "123").

use entitlements::v1 as pb;
use serde_json::{Map, Value};

use crate::lago_error::BodyError;
use crate::request_body::tax_codes_from_json;

/// Sent for an enumerated value Lago does not know (the service answers its validation error).
const UNKNOWN_ENUM_VALUE: i32 = -1;

/// `{"customer": {...}}` of POST /customers; `None` when the root is missing, empty or not an
/// object (Lago's `params.expect` answers "param is missing" for all three).
pub(super) fn customer_input_from_json(
    mut body: Map<String, Value>,
) -> Result<Option<pb::CustomerInput>, BodyError> {
    let customer = match body.remove("customer") {
        Some(Value::Object(customer)) if !customer.is_empty() => customer,
        _ => return Ok(None),
    };
    let nullable = |key: &str| nullable_text(&customer, key, "customer");
    Ok(Some(pb::CustomerInput {
        external_id: nullable("external_id")?.and_then(|value| value.value),
        billing_entity_code: nullable("billing_entity_code")?.and_then(|value| value.value),
        name: nullable("name")?,
        firstname: nullable("firstname")?,
        lastname: nullable("lastname")?,
        customer_type: customer.get("customer_type").map(customer_type_from_json),
        country: nullable("country")?,
        address_line1: nullable("address_line1")?,
        address_line2: nullable("address_line2")?,
        state: nullable("state")?,
        zipcode: nullable("zipcode")?,
        email: nullable("email")?,
        city: nullable("city")?,
        url: nullable("url")?,
        phone: nullable("phone")?,
        logo_url: nullable("logo_url")?,
        legal_name: nullable("legal_name")?,
        legal_number: nullable("legal_number")?,
        currency: nullable("currency")?,
        tax_identification_number: nullable("tax_identification_number")?,
        timezone: nullable("timezone")?,
        net_payment_term: net_payment_term(&customer)?,
        external_salesforce_id: nullable("external_salesforce_id")?,
        finalize_zero_amount_invoice: customer.get("finalize_zero_amount_invoice").map(finalize_from_json),
        shipping_address: shipping_address(&customer)?,
        tax_codes: tax_codes_from_json(customer.get("tax_codes"), "customer")?,
        metadata: metadata(&customer)?,
    }))
}

/// A text field: absent, null, or its text.
fn nullable_text(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<pb::NullableString>, BodyError> {
    match object.get(key) {
        None => Ok(None),
        Some(value) => Ok(Some(pb::NullableString { value: text(value, key, path)? })),
    }
}

fn text(value: &Value, key: &str, path: &str) -> Result<Option<String>, BodyError> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text.clone())),
        Value::Number(number) => Ok(Some(number.to_string())),
        _ => Err(BodyError(format!("{path}.{key} must be a string or null"))),
    }
}

/// Blank is no type, as Rails casts it.
fn customer_type_from_json(value: &Value) -> pb::NullableCustomerType {
    let value = match value {
        Value::Null => None,
        Value::String(name) if name.trim().is_empty() => None,
        Value::String(name) if name == "company" => Some(pb::CustomerType::Company.into()),
        Value::String(name) if name == "individual" => Some(pb::CustomerType::Individual.into()),
        _ => Some(UNKNOWN_ENUM_VALUE),
    };
    pb::NullableCustomerType { value }
}

/// Null is Lago's `inherit`.
fn finalize_from_json(value: &Value) -> i32 {
    match value {
        Value::Null => pb::FinalizeZeroAmountInvoice::Unspecified.into(),
        Value::String(name) if name == "inherit" => pb::FinalizeZeroAmountInvoice::Inherit.into(),
        Value::String(name) if name == "skip" => pb::FinalizeZeroAmountInvoice::Skip.into(),
        Value::String(name) if name == "finalize" => pb::FinalizeZeroAmountInvoice::Finalize.into(),
        _ => UNKNOWN_ENUM_VALUE,
    }
}

/// An integer, or Rails' reading of an integer string, within 32 bits.
fn net_payment_term(customer: &Map<String, Value>) -> Result<Option<pb::NullableInt32>, BodyError> {
    let invalid = || BodyError("customer.net_payment_term must be an integer".to_owned());
    let value = match customer.get("net_payment_term") {
        None => return Ok(None),
        Some(Value::Null) => None,
        Some(Value::Number(number)) => Some(number.as_i64().ok_or_else(invalid)?),
        Some(Value::String(text)) => Some(text.trim().parse::<i64>().map_err(|_| invalid())?),
        Some(_) => return Err(invalid()),
    };
    let value = value
        .map(i32::try_from)
        .transpose()
        .map_err(|_| BodyError("customer.net_payment_term is out of range".to_owned()))?;
    Ok(Some(pb::NullableInt32 { value }))
}

/// Null or absent changes nothing (Lago reads it as `{}`).
fn shipping_address(customer: &Map<String, Value>) -> Result<Option<pb::ShippingAddressInput>, BodyError> {
    let address = match customer.get("shipping_address") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(address)) => address,
        Some(_) => return Err(BodyError("customer.shipping_address must be an object".to_owned())),
    };
    let part = |key: &str| nullable_text(address, key, "customer.shipping_address");
    Ok(Some(pb::ShippingAddressInput {
        address_line1: part("address_line1")?,
        address_line2: part("address_line2")?,
        city: part("city")?,
        zipcode: part("zipcode")?,
        state: part("state")?,
        country: part("country")?,
    }))
}

/// Null or absent keeps the stored items, as in Lago.
fn metadata(customer: &Map<String, Value>) -> Result<Option<pb::CustomerMetadataInputs>, BodyError> {
    let items = match customer.get("metadata") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(BodyError("customer.metadata must be an array".to_owned())),
    };
    let path = "customer.metadata";
    let items = items
        .iter()
        .map(|item| {
            let Value::Object(item) = item else {
                return Err(BodyError("customer.metadata must contain objects".to_owned()));
            };
            let field = |key: &str| item.get(key).map_or(Ok(None), |value| text(value, key, path));
            Ok(pb::CustomerMetadataInput {
                id: field("id")?,
                key: field("key")?,
                value: field("value")?,
                display_in_invoice: match item.get("display_in_invoice") {
                    None | Some(Value::Null) => None,
                    Some(Value::Bool(flag)) => Some(*flag),
                    Some(_) => {
                        return Err(BodyError(
                            "customer.metadata.display_in_invoice must be a boolean".to_owned(),
                        ));
                    }
                },
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(pb::CustomerMetadataInputs { items }))
}
