//! A check as a client sends it, and its validation: every problem is reported at once, each on
//! the field of the request that carries it (the caller prefixes the item's position in a batch).

use crate::check::requirement::ValueRequirement;
use crate::check::{Check, CheckTarget};
use crate::enum_input::EnumInput;
use crate::subscription::SubscriptionStatus;
use crate::subscription::selection::SubscriptionSelector;
use crate::validation::{ErrorCode, ValidationErrors};

/// A check as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInput {
    pub subscription_external_id: String,
    pub subscription_status: EnumInput<SubscriptionStatus>,
    pub feature_code: String,
    /// `Some("")` is a privilege named empty, which is not the same as none.
    pub privilege_code: Option<String>,
    pub requirement: RequirementInput,
}

/// The requirement as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequirementInput {
    None,
    /// A requirement whose kind is not set.
    KindUnset,
    Given(ValueRequirement),
}

/// Validates a check.
///
/// # Errors
/// In this order, all that apply: `subscription_external_id: value_is_mandatory`,
/// `feature_code: value_is_mandatory`, `privilege_code: value_is_invalid` (given empty),
/// `privilege_code: value_is_mandatory` (a requirement without a privilege),
/// `requirement: value_is_mandatory` (no kind set),
/// `requirement.select_one_of.values: value_is_mandatory` (an empty set).
pub fn parse_check(input: CheckInput) -> Result<Check, ValidationErrors> {
    let CheckInput {
        subscription_external_id,
        subscription_status,
        feature_code,
        privilege_code,
        requirement,
    } = input;
    let mut errors = ValidationErrors::new();
    if subscription_external_id.is_empty() {
        errors.add("subscription_external_id", ErrorCode::ValueIsMandatory);
    }
    if feature_code.is_empty() {
        errors.add("feature_code", ErrorCode::ValueIsMandatory);
    }
    if privilege_code.as_deref() == Some("") {
        errors.add("privilege_code", ErrorCode::ValueIsInvalid);
    }
    if privilege_code.is_none() && requirement != RequirementInput::None {
        errors.add("privilege_code", ErrorCode::ValueIsMandatory);
    }
    let requirement = match requirement {
        RequirementInput::None => None,
        RequirementInput::KindUnset => {
            errors.add("requirement", ErrorCode::ValueIsMandatory);
            None
        }
        RequirementInput::Given(ValueRequirement::SelectOneOf(options)) if options.is_empty() => {
            errors.add("requirement.select_one_of.values", ErrorCode::ValueIsMandatory);
            None
        }
        RequirementInput::Given(requirement) => Some(requirement),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let target = match privilege_code {
        Some(privilege_code) => CheckTarget::Privilege { feature_code, privilege_code, requirement },
        None => CheckTarget::Feature { feature_code },
    };
    Ok(Check {
        subscription: SubscriptionSelector::new(subscription_external_id, subscription_status),
        target,
    })
}
