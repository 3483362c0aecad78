//! The JSON of check answers: a CheckResponse as an object with its reason as a snake_case word
//! (`granted_by_plan`) and its values typed as Lago types privilege values, and the REST keys of
//! a check's field violations.

use entitlements::v1 as pb;
use serde_json::{Value, json};

use crate::entitlement_json::privilege_value_to_json;

/// `{"allowed", "reason", "value", "plan_value", "override_value", "revision"}`; values unset are
/// null.
pub(crate) fn check_to_json(response: &pb::CheckResponse) -> Value {
    let pb::CheckResponse { allowed, reason, value, plan_value, override_value, revision } = response;
    json!({
        "allowed": allowed,
        "reason": reason_word(*reason),
        "value": privilege_value_to_json(value.as_ref()),
        "plan_value": privilege_value_to_json(plan_value.as_ref()),
        "override_value": privilege_value_to_json(override_value.as_ref()),
        "revision": revision,
    })
}

/// The reason's enum name without its prefix, in lowercase (`CHECK_REASON_GRANTED_BY_PLAN` is
/// `granted_by_plan`), so that a reason added to the contract is spelled here at once.
fn reason_word(number: i32) -> String {
    let name = pb::CheckReason::try_from(number).unwrap_or(pb::CheckReason::Unspecified).as_str_name();
    name.strip_prefix("CHECK_REASON_").unwrap_or(name).to_ascii_lowercase()
}

/// The REST key of a check's field violation at the proto path `path`: the parameter's name
/// (`requirement.select_one_of.values` is `select_one_of`), without the item's position, since a
/// failed item's error sits at its place in the results.
pub(crate) fn rest_key(path: &str) -> String {
    let in_item = match path.strip_prefix("items[") {
        Some(rest) => rest.split_once("].").map_or(path, |(_, field)| field),
        None => path,
    };
    let parameter = in_item.strip_prefix("requirement.").unwrap_or(in_item);
    parameter.strip_suffix(".values").unwrap_or(parameter).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_snake_case_words() {
        assert_eq!(reason_word(pb::CheckReason::GrantedByPlan.into()), "granted_by_plan");
        assert_eq!(reason_word(pb::CheckReason::RequirementTypeMismatch.into()), "requirement_type_mismatch");
        assert_eq!(reason_word(999), "unspecified");
    }

    #[test]
    fn violations_are_keyed_by_parameter() {
        assert_eq!(rest_key("feature_code"), "feature_code");
        assert_eq!(rest_key("items[12].subscription_external_id"), "subscription_external_id");
        assert_eq!(rest_key("items[0].requirement.select_one_of.values"), "select_one_of");
        assert_eq!(rest_key("items"), "items");
    }
}
