//! Lago's tax request JSON -> TaxService messages. Strong parameters keep `code`, `name`,
//! `rate`, `description` and `applied_to_organization`; other keys are ignored.

use entitlements::v1 as pb;
use serde_json::{Map, Value};

use crate::lago_error::BodyError;
use crate::request_body::{nullable_string, root_object};
use crate::update_mask::MaskPaths;

/// `{"tax": {...}}` of POST /taxes; `None` when the root is missing, empty or not an object.
pub(super) fn create_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<pb::TaxCreateInput>, BodyError> {
    let Some(tax) = tax_root(body)? else { return Ok(None) };
    Ok(Some(pb::TaxCreateInput {
        code: nullable_string(&tax, "code", "tax")?.flatten().unwrap_or_default(),
        name: nullable_string(&tax, "name", "tax")?.flatten().unwrap_or_default(),
        rate: rate(&tax)?.flatten().unwrap_or_default(),
        description: nullable_string(&tax, "description", "tax")?.flatten(),
        applied_to_organization: applied_to_organization(&tax)?.flatten(),
    }))
}

/// `{"tax": {...}}` of PUT/PATCH /taxes/{code} with its update mask: the keys given; `None` when
/// the root is missing, empty or not an object.
pub(super) fn update_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<(pb::TaxUpdateInput, prost_types::FieldMask)>, BodyError> {
    let Some(tax) = tax_root(body)? else { return Ok(None) };
    let mut mask = MaskPaths::default();
    let update = pb::TaxUpdateInput {
        code: mask.field("code", nullable_string(&tax, "code", "tax")?),
        name: mask.field("name", nullable_string(&tax, "name", "tax")?),
        rate: mask.field("rate", rate(&tax)?),
        description: mask.field("description", nullable_string(&tax, "description", "tax")?),
        applied_to_organization: mask.field("applied_to_organization", applied_to_organization(&tax)?),
    };
    Ok(Some((update, mask.into_field_mask())))
}

/// A root that is not an object is Lago's "param is missing" too (Lago answers 500 for it).
fn tax_root(mut body: Map<String, Value>) -> Result<Option<Map<String, Value>>, BodyError> {
    if body.get("tax").is_some_and(|root| !root.is_object()) {
        body.remove("tax");
    }
    root_object(body, "tax")
}

/// The rate as decimal text: a JSON number's own text or a string, for the service to validate.
fn rate(tax: &Map<String, Value>) -> Result<Option<Option<String>>, BodyError> {
    match tax.get("rate") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(number)) => Ok(Some(Some(number.to_string()))),
        Some(Value::String(text)) => Ok(Some(Some(text.clone()))),
        Some(_) => Err(BodyError("tax.rate must be a number, a string or null".to_owned())),
    }
}

/// A boolean; null is false (Lago fails on its NOT NULL column).
fn applied_to_organization(tax: &Map<String, Value>) -> Result<Option<Option<bool>>, BodyError> {
    match tax.get("applied_to_organization") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(Some(false))),
        Some(Value::Bool(applied)) => Ok(Some(Some(*applied))),
        Some(_) => Err(BodyError("tax.applied_to_organization must be a boolean".to_owned())),
    }
}
