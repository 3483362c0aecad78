//! Lago's feature JSON <-> FeatureService messages.

use entitlements::v1 as pb;
use serde_json::{Map, Value, json};

use crate::lago_error::BodyError;
use crate::lago_json::timestamp;
use crate::request_body::{nullable_string, root_object};
use crate::update_mask::MaskPaths;

/// Sent for a `value_type` the gateway cannot name: proto enums are open, and the service
/// rejects numbers it does not know with `value_is_invalid`, exactly as Lago rejects the string.
const UNKNOWN_VALUE_TYPE: i32 = -1;

/// `{"feature": {...}}` of POST /features; `None` when the root is missing or empty.
pub(super) fn create_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<pb::FeatureCreateInput>, BodyError> {
    let Some(feature) = root_object(body, "feature")? else { return Ok(None) };
    let code = match feature.get("code") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(code)) => code.clone(),
        Some(_) => return Err(BodyError("feature.code must be a string".to_owned())),
    };
    Ok(Some(pb::FeatureCreateInput {
        code,
        name: nullable_string(&feature, "name", "feature")?.flatten(),
        description: nullable_string(&feature, "description", "feature")?.flatten(),
        privileges: privileges_from_json(&feature)?.unwrap_or_default(),
    }))
}

/// `{"feature": {...}}` of PUT/PATCH /features/{code} with its update mask: the keys given;
/// `None` when the root is missing or empty.
pub(super) fn update_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<(pb::FeatureUpdateInput, prost_types::FieldMask)>, BodyError> {
    let Some(feature) = root_object(body, "feature")? else { return Ok(None) };
    let mut mask = MaskPaths::default();
    let update = pb::FeatureUpdateInput {
        name: mask.field("name", nullable_string(&feature, "name", "feature")?),
        description: mask.field("description", nullable_string(&feature, "description", "feature")?),
        privileges: mask.list("privileges", privileges_from_json(&feature)?),
    };
    Ok(Some((update, mask.into_field_mask())))
}

/// `None` when absent or null (no privilege is named).
fn privileges_from_json(feature: &Map<String, Value>) -> Result<Option<Vec<pb::PrivilegeInput>>, BodyError> {
    match feature.get("privileges") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(privileges)) => {
            privileges.iter().map(privilege_from_json).collect::<Result<_, _>>().map(Some)
        }
        Some(_) => Err(BodyError("feature.privileges must be an array".to_owned())),
    }
}

fn privilege_from_json(privilege: &Value) -> Result<pb::PrivilegeInput, BodyError> {
    let Value::Object(privilege) = privilege else {
        return Err(BodyError("feature.privileges must contain objects".to_owned()));
    };
    let code = match privilege.get("code") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(code)) => code.clone(),
        Some(_) => return Err(BodyError("privilege.code must be a string".to_owned())),
    };
    let value_type = privilege.get("value_type").map(|value_type| match value_type {
        Value::Null => None,
        Value::String(value_type) => Some(value_type_from_json(value_type)),
        _ => Some(UNKNOWN_VALUE_TYPE),
    });
    // A config Lago ignores (not an object, or `{}`) is not given: it keeps the stored options.
    let config = config_from_json(privilege.get("config")).map(Some);
    let mut mask = MaskPaths::default();
    Ok(pb::PrivilegeInput {
        code,
        name: mask.field("name", nullable_string(privilege, "name", "privilege")?),
        value_type: mask.field("value_type", value_type),
        config: mask.field("config", config),
        update_mask: Some(mask.into_field_mask()),
    })
}

fn value_type_from_json(value_type: &str) -> i32 {
    match value_type {
        "string" => pb::PrivilegeValueType::String.into(),
        "integer" => pb::PrivilegeValueType::Integer.into(),
        "boolean" => pb::PrivilegeValueType::Boolean.into(),
        "select" => pb::PrivilegeValueType::Select.into(),
        _ => UNKNOWN_VALUE_TYPE,
    }
}

/// Lago ignores a config that is not an object and treats `{}` as no config. A config of exactly
/// `{"select_options": [strings]}` carries options; any other object cannot be valid for any type,
/// so it is sent as present-but-empty, which the service rejects with `invalid_format`.
fn config_from_json(config: Option<&Value>) -> Option<pb::PrivilegeConfig> {
    let Some(Value::Object(config)) = config else { return None };
    if config.is_empty() {
        return None;
    }
    let select_options = match (config.len(), config.get("select_options")) {
        (1, Some(Value::Array(options))) => {
            options.iter().map(|option| option.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>()
        }
        _ => None,
    };
    Some(pb::PrivilegeConfig { select_options: select_options.unwrap_or_default() })
}

/// Lago's feature object: `code, name, description, privileges, created_at`.
pub(crate) fn feature_to_json(feature: &pb::Feature) -> Value {
    json!({
        "code": feature.code,
        "name": feature.name,
        "description": feature.description,
        "privileges": feature.privileges.iter().map(privilege_to_json).collect::<Vec<_>>(),
        "created_at": timestamp(feature.created_at.as_ref()),
    })
}

/// Lago's privilege object: `code, name, value_type, config`.
fn privilege_to_json(privilege: &pb::Privilege) -> Value {
    json!({
        "code": privilege.code,
        "name": privilege.name,
        "value_type": value_type_to_json(privilege.value_type()),
        "config": privilege_config_to_json(privilege.value_type(), privilege.config.as_ref()),
    })
}

pub(crate) fn value_type_to_json(value_type: pb::PrivilegeValueType) -> &'static str {
    match value_type {
        pb::PrivilegeValueType::Integer => "integer",
        pb::PrivilegeValueType::Boolean => "boolean",
        pb::PrivilegeValueType::Select => "select",
        pb::PrivilegeValueType::String | pb::PrivilegeValueType::Unspecified => "string",
    }
}

/// `{"select_options": [...]}` for select privileges, `{}` for the others.
pub(crate) fn privilege_config_to_json(
    value_type: pb::PrivilegeValueType,
    config: Option<&pb::PrivilegeConfig>,
) -> Value {
    match (config, value_type) {
        (Some(config), pb::PrivilegeValueType::Select) => json!({ "select_options": config.select_options }),
        _ => json!({}),
    }
}
