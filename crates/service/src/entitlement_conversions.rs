//! Conversions between the entitlement messages and domain entitlements: typed privilege values
//! on the wire, validated against their privilege by the domain.

use entitlements::v1 as pb;
use entitlements_domain::{
    EntitlementInput, PlanEntitlement, Privilege, PrivilegeValue, PrivilegeValueInput,
    SubscriptionEntitlement,
};

use crate::feature_conversions::value_type_to_pb;

/// The inputs of a request, in order.
pub(crate) fn entitlement_inputs_from_pb(entitlements: Vec<pb::EntitlementInput>) -> Vec<EntitlementInput> {
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
            .map(|granted| {
                let (value_type, config) = type_and_config(&granted.privilege);
                pb::PlanEntitlementPrivilege {
                    code: granted.privilege.code.as_str().to_owned(),
                    name: granted.privilege.name,
                    value_type,
                    value: Some(privilege_value_to_pb(granted.value)),
                    config: Some(config),
                }
            })
            .collect(),
    }
}

pub(crate) fn subscription_entitlement_to_pb(
    entitlement: SubscriptionEntitlement,
) -> pb::SubscriptionEntitlement {
    let SubscriptionEntitlement { feature_code, feature_name, feature_description, privileges } = entitlement;
    pb::SubscriptionEntitlement {
        code: feature_code.as_str().to_owned(),
        name: feature_name,
        description: feature_description,
        privileges: privileges
            .into_iter()
            .map(|effective| {
                let (value_type, config) = type_and_config(&effective.privilege);
                pb::SubscriptionEntitlementPrivilege {
                    code: effective.privilege.code.as_str().to_owned(),
                    name: effective.privilege.name,
                    value_type,
                    value: Some(privilege_value_to_pb(effective.value)),
                    plan_value: effective.plan_value.map(privilege_value_to_pb),
                    override_value: effective.override_value.map(privilege_value_to_pb),
                    config: Some(config),
                }
            })
            .collect(),
    }
}

/// A privilege's type and configuration as the entitlement messages carry them.
fn type_and_config(privilege: &Privilege) -> (i32, pb::PrivilegeConfig) {
    (
        value_type_to_pb(privilege.privilege_type.value_type()).into(),
        pb::PrivilegeConfig { select_options: privilege.privilege_type.select_options().to_vec() },
    )
}
