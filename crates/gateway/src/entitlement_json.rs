//! Lago's entitlement JSON <-> entitlement messages: the request body
//! `{"entitlements": {"<feature>": {"<privilege>": value}}}` (of plans and subscriptions) and the
//! typed values of the answers.

use entitlements::v1 as pb;
use serde_json::{Map, Value, json};

use crate::features::feature_json::{privilege_config_to_json, value_type_to_json};
use crate::lago_error::BodyError;
use crate::protobuf_json::json_to_value;

/// The `entitlements` of a request body; `None` when absent or null. Features and privileges keep
/// the body's order (Lago reports the first failing one).
pub(crate) fn entitlement_inputs_from_json(
    mut body: Map<String, Value>,
) -> Result<Option<pb::EntitlementInputs>, BodyError> {
    let features = match body.remove("entitlements") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(features)) => features,
        Some(_) => return Err(BodyError("entitlements must be a JSON object".to_owned())),
    };
    let entitlements = features
        .into_iter()
        .map(|(feature_code, privileges)| {
            let privileges = match privileges {
                Value::Null => Map::new(),
                Value::Object(privileges) => privileges,
                _ => return Err(BodyError(format!("entitlements.{feature_code} must be a JSON object"))),
            };
            Ok(pb::EntitlementInput {
                feature_code,
                privileges: privileges
                    .into_iter()
                    .map(|(privilege_code, value)| pb::PrivilegeValueEntry {
                        privilege_code,
                        value: Some(value_input_from_json(&value)),
                    })
                    .collect(),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(pb::EntitlementInputs { entitlements }))
}

/// The privilege codes of `entitlements` by position, for Lago's error keys (see `lago_field`).
pub(crate) fn privilege_codes(entitlements: Option<&pb::EntitlementInputs>) -> Vec<Vec<String>> {
    entitlements.map_or_else(Vec::new, |inputs| {
        inputs
            .entitlements
            .iter()
            .map(|input| input.privileges.iter().map(|entry| entry.privilege_code.clone()).collect())
            .collect()
    })
}

/// The code at `[entitlement][privilege]` of what [`privilege_codes`] listed.
pub(crate) fn code_at(codes: &[Vec<String>], entitlement: usize, privilege: usize) -> Option<String> {
    codes.get(entitlement)?.get(privilege).cloned()
}

/// A JSON value as the service takes it: typed when it has a kind a privilege can take, forwarded
/// as is otherwise (the service answers Lago's validation error).
fn value_input_from_json(value: &Value) -> pb::PrivilegeValueInput {
    use pb::privilege_value_input::Kind;
    let kind = match value {
        Value::Null => None,
        Value::Bool(flag) => Some(Kind::BooleanValue(*flag)),
        Value::String(text) => Some(Kind::StringValue(text.clone())),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => Some(Kind::IntegerValue(integer)),
            None => Some(Kind::JsonValue(json_to_value(value))),
        },
        Value::Array(_) | Value::Object(_) => Some(Kind::JsonValue(json_to_value(value))),
    };
    pb::PrivilegeValueInput { kind }
}

/// A typed value as Lago casts it: integers as JSON numbers, booleans as JSON booleans, text as
/// strings.
pub(crate) fn privilege_value_to_json(value: Option<&pb::PrivilegeValue>) -> Value {
    use pb::privilege_value::Kind;
    match value.and_then(|value| value.kind.as_ref()) {
        None => Value::Null,
        Some(Kind::IntegerValue(number)) => json!(number),
        Some(Kind::BooleanValue(flag)) => json!(flag),
        Some(Kind::StringValue(text) | Kind::SelectValue(text)) => json!(text),
    }
}

/// Lago's plan entitlement object (`V1::Entitlement::PlanEntitlementSerializer`).
pub(crate) fn plan_entitlement_to_json(entitlement: &pb::PlanEntitlement) -> Value {
    let privileges: Vec<Value> = entitlement
        .privileges
        .iter()
        .map(|privilege| {
            json!({
                "code": privilege.code,
                "name": privilege.name,
                "value_type": value_type_to_json(privilege.value_type()),
                "value": privilege_value_to_json(privilege.value.as_ref()),
                "config": privilege_config_to_json(privilege.value_type(), privilege.config.as_ref()),
            })
        })
        .collect();
    json!({
        "code": entitlement.code,
        "name": entitlement.name,
        "description": entitlement.description,
        "privileges": privileges,
    })
}

/// Lago's subscription entitlement object (`V1::Entitlement::SubscriptionEntitlementSerializer`):
/// each privilege with its value, plan value and override value, and `overrides`, the override of
/// each privilege that has one, in privilege order.
pub(crate) fn subscription_entitlement_to_json(entitlement: &pb::SubscriptionEntitlement) -> Value {
    let mut overrides = Map::new();
    let privileges: Vec<Value> = entitlement
        .privileges
        .iter()
        .map(|privilege| {
            if let Some(value) = &privilege.override_value {
                overrides.insert(privilege.code.clone(), privilege_value_to_json(Some(value)));
            }
            json!({
                "code": privilege.code,
                "name": privilege.name,
                "value_type": value_type_to_json(privilege.value_type()),
                "value": privilege_value_to_json(privilege.value.as_ref()),
                "plan_value": privilege_value_to_json(privilege.plan_value.as_ref()),
                "override_value": privilege_value_to_json(privilege.override_value.as_ref()),
                "config": privilege_config_to_json(privilege.value_type(), privilege.config.as_ref()),
            })
        })
        .collect();
    json!({
        "code": entitlement.code,
        "name": entitlement.name,
        "description": entitlement.description,
        "privileges": privileges,
        "overrides": overrides,
    })
}
