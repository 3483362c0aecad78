//! Lago's entitlement JSON <-> entitlement messages: the request body
//! `{"entitlements": {"<feature>": {"<privilege>": value}}}` (of plans and subscriptions) and the
//! typed values of the answers.

use entitlements::v1 as pb;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use crate::features::feature_json::{privilege_config_to_json, value_type_to_json};
use crate::lago_error::BodyError;

/// The `entitlements` of a request body as the service takes them, and where the values sit that
/// the contract cannot carry: JSON values of no privilege type (fractions, numbers beyond 64
/// bits, arrays, objects), sent as none. The service refuses those as missing
/// (`entitlements[i].privileges[j].value: value_is_mandatory`); Lago refuses them as invalid for
/// the privilege (see `entitlement_errors`).
#[derive(Debug, Default)]
pub(crate) struct EntitlementsBody {
    pub(crate) inputs: Vec<pb::EntitlementInput>,
    /// `(entitlement, privilege)` positions of the values sent as none for want of a kind.
    untyped: Vec<(usize, usize)>,
}

impl EntitlementsBody {
    /// The feature and privilege codes at `[entitlement][privilege]`.
    pub(crate) fn codes_at(&self, entitlement: usize, privilege: usize) -> Option<(&str, &str)> {
        let input = self.inputs.get(entitlement)?;
        let entry = input.privileges.get(privilege)?;
        Some((&input.feature_code, &entry.privilege_code))
    }

    /// Whether the value at `[entitlement][privilege]` was sent as none for want of a kind.
    pub(crate) fn is_untyped(&self, entitlement: usize, privilege: usize) -> bool {
        self.untyped.contains(&(entitlement, privilege))
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
            let kind = value_kind_from_json(&value);
            if kind.is_none() && !value.is_null() {
                body.untyped.push((body.inputs.len(), entries.len()));
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

/// A JSON value as the service takes it: none for null and for values of no privilege type.
fn value_kind_from_json(value: &Value) -> Option<pb::privilege_value_input::Kind> {
    use pb::privilege_value_input::Kind;
    match value {
        Value::Bool(flag) => Some(Kind::BooleanValue(*flag)),
        Value::String(text) => Some(Kind::StringValue(text.clone())),
        Value::Number(number) => number.as_i64().map(Kind::IntegerValue),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
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

/// Lago's subscription entitlement object (`V1::Entitlement::SubscriptionEntitlementSerializer`)
/// as a JSON value, for the objects that embed it.
pub(crate) fn subscription_entitlement_to_json(entitlement: &pb::SubscriptionEntitlement) -> Value {
    // Serializing these types cannot fail: every key is a string and every value plain data.
    serde_json::to_value(SubscriptionEntitlementJson(entitlement)).unwrap_or(Value::Null)
}

/// Lago's subscription entitlement object (`V1::Entitlement::SubscriptionEntitlementSerializer`):
/// each privilege with its value, plan value and override value, and `overrides`, the override of
/// each privilege that has one, in privilege order. Written straight from the message, with no
/// JSON tree in between: it is the body of the hottest REST read.
pub(crate) struct SubscriptionEntitlementJson<'a>(pub(crate) &'a pb::SubscriptionEntitlement);

impl Serialize for SubscriptionEntitlementJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entitlement = self.0;
        let mut object = serializer.serialize_map(Some(5))?;
        object.serialize_entry("code", &entitlement.code)?;
        object.serialize_entry("name", &entitlement.name)?;
        object.serialize_entry("description", &entitlement.description)?;
        let privileges: Vec<PrivilegeJson<'_>> = entitlement.privileges.iter().map(PrivilegeJson).collect();
        object.serialize_entry("privileges", &privileges)?;
        object.serialize_entry("overrides", &OverridesJson(&entitlement.privileges))?;
        object.end()
    }
}

struct PrivilegeJson<'a>(&'a pb::SubscriptionEntitlementPrivilege);

impl Serialize for PrivilegeJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let privilege = self.0;
        let mut object = serializer.serialize_map(Some(7))?;
        object.serialize_entry("code", &privilege.code)?;
        object.serialize_entry("name", &privilege.name)?;
        object.serialize_entry("value_type", value_type_to_json(privilege.value_type()))?;
        object.serialize_entry("value", &PrivilegeValueJson(privilege.value.as_ref()))?;
        object.serialize_entry("plan_value", &PrivilegeValueJson(privilege.plan_value.as_ref()))?;
        object.serialize_entry("override_value", &PrivilegeValueJson(privilege.override_value.as_ref()))?;
        object.serialize_entry(
            "config",
            &privilege_config_to_json(privilege.value_type(), privilege.config.as_ref()),
        )?;
        object.end()
    }
}

/// `{privilege code: override}` for each privilege that has an override, in privilege order.
struct OverridesJson<'a>(&'a [pb::SubscriptionEntitlementPrivilege]);

impl Serialize for OverridesJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_map(None)?;
        for privilege in self.0 {
            if let Some(value) = &privilege.override_value {
                object.serialize_entry(&privilege.code, &PrivilegeValueJson(Some(value)))?;
            }
        }
        object.end()
    }
}

/// A typed value as [`privilege_value_to_json`] writes it.
struct PrivilegeValueJson<'a>(Option<&'a pb::PrivilegeValue>);

impl Serialize for PrivilegeValueJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use pb::privilege_value::Kind;
        match self.0.and_then(|value| value.kind.as_ref()) {
            None => serializer.serialize_none(),
            Some(Kind::IntegerValue(number)) => serializer.serialize_i64(*number),
            Some(Kind::BooleanValue(flag)) => serializer.serialize_bool(*flag),
            Some(Kind::StringValue(text) | Kind::SelectValue(text)) => serializer.serialize_str(text),
        }
    }
}
