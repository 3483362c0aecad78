//! A condition on a privilege's value in force (`integer_at_least`, `boolean_equals`, ...). Each
//! kind applies to one value type; a value of another type can never meet it, which is told
//! apart from a value that merely fails it.

use crate::feature::privilege_value::PrivilegeValue;

/// A condition on a value. `SelectOneOf` holds at least one option (see `parse_check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueRequirement {
    IntegerAtLeast(i64),
    IntegerAtMost(i64),
    BooleanEquals(bool),
    StringEquals(String),
    SelectOneOf(Vec<String>),
}

/// How a value fares against a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequirementOutcome {
    Met,
    NotMet,
    /// The value's type is not the one the requirement's kind applies to.
    TypeMismatch,
}

impl ValueRequirement {
    /// Evaluates the requirement on `value`, comparing typed values (never text with numbers).
    pub fn evaluate(&self, value: &PrivilegeValue) -> RequirementOutcome {
        let met = match (self, value) {
            (Self::IntegerAtLeast(minimum), PrivilegeValue::Integer(number)) => number >= minimum,
            (Self::IntegerAtMost(maximum), PrivilegeValue::Integer(number)) => number <= maximum,
            (Self::BooleanEquals(wanted), PrivilegeValue::Boolean(flag)) => flag == wanted,
            (Self::StringEquals(wanted), PrivilegeValue::String(text)) => text == wanted,
            (Self::SelectOneOf(options), PrivilegeValue::Select(option)) => options.contains(option),
            _ => return RequirementOutcome::TypeMismatch,
        };
        if met { RequirementOutcome::Met } else { RequirementOutcome::NotMet }
    }
}
