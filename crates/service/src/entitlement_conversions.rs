//! Conversions between the entitlement messages and domain entitlements: typed privilege values
//! on the wire, validated against their privilege by the domain.

use entitlements::v1 as pb;
use entitlements_domain::{EntitlementInput, PlanEntitlement, PrivilegeValue, PrivilegeValueInput};
use prost_types::value::Kind;

use crate::feature_conversions::value_type_to_pb;

/// The inputs of a request, in order.
pub(crate) fn entitlement_inputs_from_pb(inputs: pb::EntitlementInputs) -> Vec<EntitlementInput> {
    let pb::EntitlementInputs { entitlements } = inputs;
    entitlements
        .into_iter()
        .map(|pb::EntitlementInput { feature_code, privileges }| EntitlementInput {
            feature_code,
            privileges: privileges
                .into_iter()
                .map(|pb::PrivilegeValueEntry { privilege_code, value }| {
                    (privilege_code, value_input_from_pb(value))
                })
                .collect(),
        })
        .collect()
}

fn value_input_from_pb(value: Option<pb::PrivilegeValueInput>) -> PrivilegeValueInput {
    use pb::privilege_value_input::Kind as Input;
    match value.and_then(|pb::PrivilegeValueInput { kind }| kind) {
        None => PrivilegeValueInput::Null,
        Some(Input::IntegerValue(number)) => PrivilegeValueInput::Integer(number),
        Some(Input::BooleanValue(flag)) => PrivilegeValueInput::Boolean(flag),
        Some(Input::StringValue(text)) => PrivilegeValueInput::String(text),
        Some(Input::JsonValue(prost_types::Value { kind: None | Some(Kind::NullValue(_)) })) => {
            PrivilegeValueInput::Null
        }
        Some(Input::JsonValue(_)) => PrivilegeValueInput::Other,
    }
}

pub(crate) fn privilege_value_to_pb(value: PrivilegeValue) -> pb::PrivilegeValue {
    use pb::privilege_value::Kind as Output;
    let kind = match value {
        PrivilegeValue::Integer(number) => Output::IntegerValue(number),
        PrivilegeValue::Boolean(flag) => Output::BooleanValue(flag),
        PrivilegeValue::String(text) => Output::StringValue(text),
        PrivilegeValue::Select(option) => Output::SelectValue(option),
    };
    pb::PrivilegeValue { kind: Some(kind) }
}

pub(crate) fn plan_entitlement_to_pb(entitlement: PlanEntitlement) -> pb::PlanEntitlement {
    let PlanEntitlement { feature_code, feature_name, feature_description, privileges } = entitlement;
    pb::PlanEntitlement {
        code: feature_code.as_str().to_owned(),
        name: feature_name,
        description: feature_description,
        privileges: privileges
            .into_iter()
            .map(|granted| pb::PlanEntitlementPrivilege {
                value_type: value_type_to_pb(granted.privilege.privilege_type.value_type()).into(),
                config: Some(pb::PrivilegeConfig {
                    select_options: granted.privilege.privilege_type.select_options().to_vec(),
                }),
                code: granted.privilege.code.as_str().to_owned(),
                name: granted.privilege.name,
                value: Some(privilege_value_to_pb(granted.value)),
            })
            .collect(),
    }
}
