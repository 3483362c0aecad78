//! Privilege values: what a plan or a subscription grants for one privilege. A value is parsed
//! against its privilege's type (Lago's `validate_value`, with the raw forms Lago accepts, such
//! as `"10"` for an integer), so a `PrivilegeValue` of the wrong type cannot exist, and two
//! values compare by their typed meaning (`10` and `"10"` are the same integer).

use crate::feature::privilege::{Privilege, PrivilegeType};
use crate::validation::{ErrorCode, ValidationErrors, is_blank};

/// A privilege value as a client sent it, by JSON kind.
#[derive(Debug, Clone, PartialEq)]
pub enum PrivilegeValueInput {
    /// Null, or no value at all.
    Null,
    /// A JSON integer within 64 bits.
    Integer(i64),
    Boolean(bool),
    String(String),
    /// Any other JSON value (a fractional or out-of-range number, an array, an object): no
    /// privilege type takes it.
    Other,
}

/// A value valid for its privilege's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivilegeValue {
    Integer(i64),
    Boolean(bool),
    String(String),
    /// One of the privilege's select options.
    Select(String),
}

impl PrivilegeValue {
    /// Validates a value for `privilege`, in Lago's order: the type check, then presence. Both
    /// are reported on the field `value` (the caller adds where the value sits); the REST gateway
    /// tells them apart by code to rebuild Lago's keys (`<privilege code>_privilege_value` and
    /// `privilege.value`).
    ///
    /// # Errors
    /// `value: value_is_invalid` (wrong kind or form; integers beyond 64 bits),
    /// `value: value_not_in_select_options`, or `value: value_is_mandatory` for null and blank
    /// text.
    pub fn parse(input: &PrivilegeValueInput, privilege: &Privilege) -> Result<Self, ValidationErrors> {
        if *input == PrivilegeValueInput::Null {
            return Err(ValidationErrors::single("value", ErrorCode::ValueIsMandatory));
        }
        let invalid = |code: ErrorCode| ValidationErrors::single("value", code);
        let value = match (&privilege.privilege_type, input) {
            (PrivilegeType::Select(options), PrivilegeValueInput::String(text)) if options.contains(text) => {
                Self::Select(text.clone())
            }
            (PrivilegeType::Select(_), _) => return Err(invalid(ErrorCode::ValueNotInSelectOptions)),
            (PrivilegeType::Boolean, PrivilegeValueInput::Boolean(flag)) => Self::Boolean(*flag),
            (PrivilegeType::Boolean, PrivilegeValueInput::String(text)) => match text.as_str() {
                "true" => Self::Boolean(true),
                "false" => Self::Boolean(false),
                _ => return Err(invalid(ErrorCode::ValueIsInvalid)),
            },
            (PrivilegeType::Integer, PrivilegeValueInput::Integer(number)) => Self::Integer(*number),
            (PrivilegeType::Integer, PrivilegeValueInput::String(text)) => canonical_integer(text)
                .map(Self::Integer)
                .ok_or_else(|| invalid(ErrorCode::ValueIsInvalid))?,
            (PrivilegeType::String, PrivilegeValueInput::String(text)) => Self::String(text.clone()),
            _ => return Err(invalid(ErrorCode::ValueIsInvalid)),
        };
        if value.is_blank() {
            return Err(ValidationErrors::single("value", ErrorCode::ValueIsMandatory));
        }
        Ok(value)
    }

    /// The text stored for this value: decimal digits, `true`/`false`, or the text itself.
    pub fn to_stored(&self) -> String {
        match self {
            Self::Integer(number) => number.to_string(),
            Self::Boolean(flag) => flag.to_string(),
            Self::String(text) | Self::Select(text) => text.clone(),
        }
    }

    /// Reads a stored value back for a privilege of `privilege_type`; `None` when the text does
    /// not fit the type (a corrupt row: values are validated on the way in, a privilege's type
    /// never changes and select options are only ever added).
    pub fn from_stored(text: &str, privilege_type: &PrivilegeType) -> Option<Self> {
        match privilege_type {
            PrivilegeType::Integer => text.parse().ok().map(Self::Integer),
            PrivilegeType::Boolean => match text {
                "true" => Some(Self::Boolean(true)),
                "false" => Some(Self::Boolean(false)),
                _ => None,
            },
            PrivilegeType::String => Some(Self::String(text.to_owned())),
            PrivilegeType::Select(options) => options.contains(text).then(|| Self::Select(text.to_owned())),
        }
    }

    fn is_blank(&self) -> bool {
        match self {
            Self::Integer(_) | Self::Boolean(_) => false,
            Self::String(text) | Self::Select(text) => is_blank(Some(text)),
        }
    }
}

/// Lago's integer text: exactly the canonical decimal form of a number (`s.to_i.to_s == s`), so
/// `"010"`, `"+5"`, `" 5"` and `"-0"` are refused; beyond 64 bits too (Lago keeps Ruby bignums;
/// our integers are i64, so a larger one is `value_is_invalid`).
fn canonical_integer(text: &str) -> Option<i64> {
    let number: i64 = text.parse().ok()?;
    (number.to_string() == text).then_some(number)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::feature::privilege::{PrivilegeCode, SelectOptions};
    use crate::ids::PrivilegeId;

    fn privilege(privilege_type: PrivilegeType) -> Privilege {
        Privilege {
            id: PrivilegeId::generate(),
            code: PrivilegeCode::from_stored("max".to_owned()),
            name: None,
            privilege_type,
            created_at: Utc::now(),
        }
    }

    fn select() -> PrivilegeType {
        PrivilegeType::Select(SelectOptions::new(vec!["okta".into(), "google".into()]).expect("options"))
    }

    fn text(value: &str) -> PrivilegeValueInput {
        PrivilegeValueInput::String(value.to_owned())
    }

    fn error_of(input: &PrivilegeValueInput, privilege_type: PrivilegeType) -> String {
        PrivilegeValue::parse(input, &privilege(privilege_type)).expect_err("refused").to_string()
    }

    #[test]
    fn integers_take_json_integers_and_canonical_text() {
        let integer = privilege(PrivilegeType::Integer);
        for (input, expected) in [
            (PrivilegeValueInput::Integer(-5), -5),
            (text("10"), 10),
            (text("-5"), -5),
            (text("0"), 0),
            (text("9223372036854775807"), i64::MAX),
        ] {
            assert_eq!(PrivilegeValue::parse(&input, &integer), Ok(PrivilegeValue::Integer(expected)));
        }
        for input in [
            text("010"),
            text("+5"),
            text(" 5"),
            text("-0"),
            text("1.5"),
            text("one thousand!!"),
            text("9223372036854775808"),
            PrivilegeValueInput::Boolean(true),
            PrivilegeValueInput::Other,
        ] {
            assert_eq!(error_of(&input, PrivilegeType::Integer), "value: value_is_invalid");
        }
    }

    #[test]
    fn booleans_take_json_booleans_and_their_exact_text() {
        let boolean = privilege(PrivilegeType::Boolean);
        assert_eq!(PrivilegeValue::parse(&text("false"), &boolean), Ok(PrivilegeValue::Boolean(false)));
        assert_eq!(
            PrivilegeValue::parse(&PrivilegeValueInput::Boolean(true), &boolean),
            Ok(PrivilegeValue::Boolean(true))
        );
        for input in [text("TRUE"), text("1"), text("yes"), PrivilegeValueInput::Integer(1)] {
            assert_eq!(error_of(&input, PrivilegeType::Boolean), "value: value_is_invalid");
        }
    }

    #[test]
    fn selects_take_one_of_their_options_exactly() {
        assert_eq!(
            PrivilegeValue::parse(&text("okta"), &privilege(select())),
            Ok(PrivilegeValue::Select("okta".into()))
        );
        for input in
            [text("Okta"), text("azure"), PrivilegeValueInput::Integer(1), PrivilegeValueInput::Other]
        {
            assert_eq!(error_of(&input, select()), "value: value_not_in_select_options");
        }
    }

    #[test]
    fn strings_take_text_that_is_not_blank() {
        let string = privilege(PrivilegeType::String);
        assert_eq!(PrivilegeValue::parse(&text("x"), &string), Ok(PrivilegeValue::String("x".into())));
        assert_eq!(error_of(&text("  "), PrivilegeType::String), "value: value_is_mandatory");
        assert_eq!(
            error_of(&PrivilegeValueInput::Integer(1), PrivilegeType::String),
            "value: value_is_invalid"
        );
    }

    #[test]
    fn null_is_mandatory_for_every_type() {
        for privilege_type in
            [PrivilegeType::String, PrivilegeType::Integer, PrivilegeType::Boolean, select()]
        {
            assert_eq!(error_of(&PrivilegeValueInput::Null, privilege_type), "value: value_is_mandatory");
        }
    }

    #[test]
    fn stored_values_read_back() {
        for (value, privilege_type) in [
            (PrivilegeValue::Integer(-7), PrivilegeType::Integer),
            (PrivilegeValue::Boolean(false), PrivilegeType::Boolean),
            (PrivilegeValue::String("a b".into()), PrivilegeType::String),
            (PrivilegeValue::Select("google".into()), select()),
        ] {
            assert_eq!(PrivilegeValue::from_stored(&value.to_stored(), &privilege_type), Some(value));
        }
        assert_eq!(PrivilegeValue::from_stored("t", &PrivilegeType::Boolean), None);
    }
}
