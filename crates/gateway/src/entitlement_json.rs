//! Lago's entitlement JSON <-> entitlement messages: the request body
//! `{"entitlements": {"<feature>": {"<privilege>": value}}}` (of plans and subscriptions) and the
//! typed values of the answers.

use entitlements::v1 as pb;
use serde_json::{Map, Value, json};

use crate::features::feature_json::{privilege_config_to_json, value_type_to_json};
use crate::lago_error::BodyError;

/// The `entitlements` of a request body as the service takes them, with the values that can fail
/// as missing (`privilege.value: value_is_mandatory`), in body order: nulls, blank text, and JSON
/// values of no privilege type (fractions, numbers beyond 64 bits, arrays, objects), which the
/// contract cannot carry and are sent as none. Lago refuses those last ones as invalid for the
/// privilege instead; `untyped_refused` tells when the service's answer is about one.
#[derive(Debug, Default)]
pub(crate) struct EntitlementsBody {
    pub(crate) inputs: Vec<pb::EntitlementInput>,
    missing: Vec<MissingValue>,
}

/// A value that can fail as missing.
#[derive(Debug)]
struct MissingValue {
    feature_code: String,
    privilege_code: String,
    /// Sent as none for want of a kind: Lago's error is the privilege's, not a missing value.
    untyped: bool,
}

impl EntitlementsBody {
    /// The feature and privilege codes of the untyped value that `privilege.value:
    /// value_is_mandatory` is about, if it is about one. The service reports the first failing
    /// value in order, and a null or blank value fails for every privilege type, so that answer
    /// is about the first missing value of the body.
    pub(crate) fn untyped_refused(&self, violations: &[(String, String)]) -> Option<(&str, &str)> {
        let [(field, code)] = violations else { return None };
        if field != "privilege.value" || code != "value_is_mandatory" {
            return None;
        }
        let first = self.missing.first().filter(|missing| missing.untyped)?;
        Some((&first.feature_code, &first.privilege_code))
    }
}

/// The `entitlements` of a request body; `None` when absent or null. Features and privileges keep
/// the body's order (Lago reports the first failing one).
pub(crate) fn entitlement_inputs_from_json(
    mut body: Map<String, Value>,
) -> Result<Option<EntitlementsBody>, BodyError> {
    let features = match body.remove("entitlements") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(features)) => features,
        Some(_) => return Err(BodyError("entitlements must be a JSON object".to_owned())),
    };
    let mut body = EntitlementsBody::default();
    for (feature_code, privileges) in features {
        let privileges = match privileges {
            Value::Null => Map::new(),
            Value::Object(privileges) => privileges,
            _ => return Err(BodyError(format!("entitlements.{feature_code} must be a JSON object"))),
        };
        let mut entries = Vec::with_capacity(privileges.len());
        for (privilege_code, value) in privileges {
            let (kind, missing) = value_kind_from_json(&value);
            if let Some(untyped) = missing {
                body.missing.push(MissingValue {
                    feature_code: feature_code.clone(),
                    privilege_code: privilege_code.clone(),
                    untyped,
                });
            }
            entries.push(pb::PrivilegeValueEntry {
                privilege_code,
                value: Some(pb::PrivilegeValueInput { kind }),
            });
        }
        body.inputs.push(pb::EntitlementInput { feature_code, privileges: entries });
    }
    Ok(Some(body))
}

/// A JSON value as the service takes it, and whether the service will refuse it as missing
/// (`Some(true)` when only for want of a kind the contract carries).
fn value_kind_from_json(value: &Value) -> (Option<pb::privilege_value_input::Kind>, Option<bool>) {
    use pb::privilege_value_input::Kind;
    match value {
        Value::Null => (None, Some(false)),
        Value::Bool(flag) => (Some(Kind::BooleanValue(*flag)), None),
        // Blank text is refused as missing by a string privilege and as invalid by the others.
        Value::String(text) => {
            let blank = text.chars().all(char::is_whitespace);
            (Some(Kind::StringValue(text.clone())), blank.then_some(false))
        }
        Value::Number(number) => match number.as_i64() {
            Some(integer) => (Some(Kind::IntegerValue(integer)), None),
            None => (None, Some(true)),
        },
        Value::Array(_) | Value::Object(_) => (None, Some(true)),
    }
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
