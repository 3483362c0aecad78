//! Lago's customer request JSON -> CustomerService messages. Strong parameters keep the fields
//! below; other keys (payment providers, integrations, invoice custom sections, `account_type`,
//! `billing_configuration`) are ignored. Every key present in the body goes into the update mask
//! (null clearing the field), so that an update changes only those. Text fields take strings or
//! numbers (Rails stores `123` as "123").

use entitlements::v1 as pb;
use prost_types::FieldMask;
use serde_json::{Map, Value};

use crate::lago_error::BodyError;
use crate::request_body::tax_code_list;

/// Sent for an enumerated value Lago does not know (the service answers its validation error).
const UNKNOWN_ENUM_VALUE: i32 = -1;

/// `{"customer": {...}}` of POST /customers, with the mask of the keys it carries; `None` when the
/// root is missing, empty or not an object (Lago's `params.expect` answers "param is missing" for
/// all three).
pub(super) fn customer_input_from_json(
    mut body: Map<String, Value>,
) -> Result<Option<(pb::CustomerInput, FieldMask)>, BodyError> {
    let customer = match body.remove("customer") {
        Some(Value::Object(customer)) if !customer.is_empty() => customer,
        _ => return Ok(None),
    };
    let mut paths: Vec<String> = Vec::new();
    let mut input = pb::CustomerInput {
        external_id: text_of(&customer, "external_id", "customer")?.flatten().unwrap_or_default(),
        billing_entity_code: text_of(&customer, "billing_entity_code", "customer")?
            .flatten()
            .unwrap_or_default(),
        ..pb::CustomerInput::default()
    };
    let text_fields: [(&str, &mut Option<String>); 19] = [
        ("name", &mut input.name),
        ("firstname", &mut input.firstname),
        ("lastname", &mut input.lastname),
        ("country", &mut input.country),
        ("address_line1", &mut input.address_line1),
        ("address_line2", &mut input.address_line2),
        ("state", &mut input.state),
        ("zipcode", &mut input.zipcode),
        ("email", &mut input.email),
        ("city", &mut input.city),
        ("url", &mut input.url),
        ("phone", &mut input.phone),
        ("logo_url", &mut input.logo_url),
        ("legal_name", &mut input.legal_name),
        ("legal_number", &mut input.legal_number),
        ("currency", &mut input.currency),
        ("tax_identification_number", &mut input.tax_identification_number),
        ("timezone", &mut input.timezone),
        ("external_salesforce_id", &mut input.external_salesforce_id),
    ];
    for (field, slot) in text_fields {
        if let Some(value) = text_of(&customer, field, "customer")? {
            paths.push(field.to_owned());
            *slot = value;
        }
    }
    if let Some(value) = customer.get("customer_type") {
        paths.push("customer_type".to_owned());
        input.customer_type = customer_type_from_json(value);
    }
    if let Some(value) = net_payment_term(&customer)? {
        paths.push("net_payment_term".to_owned());
        input.net_payment_term = value;
    }
    if let Some(value) = customer.get("finalize_zero_amount_invoice") {
        paths.push("finalize_zero_amount_invoice".to_owned());
        input.finalize_zero_amount_invoice = finalize_from_json(value);
    }
    if let Some((address, parts)) = shipping_address(&customer)? {
        paths.extend(parts.into_iter().map(|part| format!("shipping_address.{part}")));
        input.shipping_address = Some(address);
    }
    if let Some(codes) = tax_code_list(customer.get("tax_codes"), "customer")? {
        paths.push("tax_codes".to_owned());
        input.tax_codes = codes;
    }
    if let Some(items) = metadata(&customer)? {
        paths.push("metadata".to_owned());
        input.metadata = items;
    }
    Ok(Some((input, FieldMask { paths })))
}

/// A text field: `None` when absent, `Some(None)` when null, else its text.
fn text_of(object: &Map<String, Value>, key: &str, path: &str) -> Result<Option<Option<String>>, BodyError> {
    object.get(key).map(|value| text(value, key, path)).transpose()
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
fn customer_type_from_json(value: &Value) -> Option<i32> {
    match value {
        Value::Null => None,
        Value::String(name) if name.trim().is_empty() => None,
        Value::String(name) if name == "company" => Some(pb::CustomerType::Company.into()),
        Value::String(name) if name == "individual" => Some(pb::CustomerType::Individual.into()),
        _ => Some(UNKNOWN_ENUM_VALUE),
    }
}

/// Null is Lago's `inherit`.
fn finalize_from_json(value: &Value) -> Option<i32> {
    match value {
        Value::Null => None,
        Value::String(name) if name == "inherit" => Some(pb::FinalizeZeroAmountInvoice::Inherit.into()),
        Value::String(name) if name == "skip" => Some(pb::FinalizeZeroAmountInvoice::Skip.into()),
        Value::String(name) if name == "finalize" => Some(pb::FinalizeZeroAmountInvoice::Finalize.into()),
        _ => Some(UNKNOWN_ENUM_VALUE),
    }
}

/// An integer, or Rails' reading of an integer string, within 32 bits: `None` when absent,
/// `Some(None)` when null.
fn net_payment_term(customer: &Map<String, Value>) -> Result<Option<Option<i32>>, BodyError> {
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
    Ok(Some(value))
}

/// The address parts present, with their names; null or absent changes nothing (Lago reads it
/// as `{}`).
fn shipping_address(
    customer: &Map<String, Value>,
) -> Result<Option<(pb::ShippingAddressInput, Vec<&'static str>)>, BodyError> {
    let address = match customer.get("shipping_address") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(address)) => address,
        Some(_) => return Err(BodyError("customer.shipping_address must be an object".to_owned())),
    };
    let mut input = pb::ShippingAddressInput::default();
    let mut parts = Vec::new();
    let slots: [(&'static str, &mut Option<String>); 6] = [
        ("address_line1", &mut input.address_line1),
        ("address_line2", &mut input.address_line2),
        ("city", &mut input.city),
        ("zipcode", &mut input.zipcode),
        ("state", &mut input.state),
        ("country", &mut input.country),
    ];
    for (part, slot) in slots {
        if let Some(value) = text_of(address, part, "customer.shipping_address")? {
            parts.push(part);
            *slot = value;
        }
    }
    Ok(Some((input, parts)))
}

/// Null or absent keeps the stored items, as in Lago.
fn metadata(customer: &Map<String, Value>) -> Result<Option<Vec<pb::CustomerMetadataInput>>, BodyError> {
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
    Ok(Some(items))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parsed(body: Value) -> (pb::CustomerInput, Vec<String>) {
        let Value::Object(body) = body else { panic!("an object") };
        let (input, FieldMask { paths }) =
            customer_input_from_json(body).expect("readable").expect("a customer");
        (input, paths)
    }

    #[test]
    fn every_key_present_is_in_the_mask_and_null_clears() {
        let (input, paths) = parsed(json!({"customer": {
            "external_id": 42, "name": null, "customer_type": "", "net_payment_term": "30",
            "shipping_address": {"city": "Lyon", "zipcode": null}, "tax_codes": [], "metadata": null
        }}));
        assert_eq!(input.external_id, "42");
        assert_eq!((input.name, input.customer_type, input.net_payment_term), (None, None, Some(30)));
        assert_eq!(
            paths,
            [
                "name",
                "customer_type",
                "net_payment_term",
                "shipping_address.city",
                "shipping_address.zipcode",
                "tax_codes"
            ]
        );
        let shipping = input.shipping_address.expect("an address");
        assert_eq!((shipping.city.as_deref(), shipping.zipcode), (Some("Lyon"), None));
    }

    #[test]
    fn unknown_enums_are_sent_for_the_service_to_refuse() {
        let (input, paths) = parsed(
            json!({"customer": {"external_id": "c", "customer_type": "vendor", "finalize_zero_amount_invoice": 3}}),
        );
        assert_eq!((input.customer_type, input.finalize_zero_amount_invoice), (Some(-1), Some(-1)));
        assert_eq!(paths, ["customer_type", "finalize_zero_amount_invoice"]);
    }
}
