//! Tax create and update commands: the raw input a client sends, validated in the order of Lago's
//! `Tax` model (`name`, `rate`, then `code`), so that the same request gets the same errors.
//!
//! Two deliberate differences from Lago: a rate that is not a decimal is `value_is_invalid`
//! (Ruby's `to_f` would store 0.0), and a code of a deleted tax can be reused, like every other
//! code (Lago keeps it taken).

use crate::decimal_text::parse_decimal;
use crate::error::Error;
use crate::tax::Tax;
use crate::validation::{ErrorCode, ValidationErrors, is_blank};

/// A tax as a client sent it to be created. Empty strings are missing values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaxCreateInput {
    pub code: String,
    pub name: String,
    /// The rate as decimal text (`"20.0"`, or a JSON number's text).
    pub rate: String,
    pub description: Option<String>,
    /// `None`: not given, which means false.
    pub applied_to_organization: Option<bool>,
}

/// A partial tax update: the outer `None` keeps a field, `Some(None)` sets it to null.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaxUpdateInput {
    pub code: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub rate: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub applied_to_organization: Option<bool>,
}

/// A validated tax to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTax {
    pub code: String,
    pub name: String,
    pub rate: f64,
    pub description: Option<String>,
    pub applied_to_organization: bool,
}

impl NewTax {
    /// Validates a create request. `code_taken` says whether a tax that is not deleted already
    /// has the code; the store answers it, and its unique index settles races.
    ///
    /// # Errors
    /// `Validation`: `name | rate: value_is_mandatory`, `rate: value_is_invalid`,
    /// `code: value_is_mandatory | value_already_exist`.
    pub fn parse(input: TaxCreateInput, code_taken: bool) -> Result<Self, Error> {
        let TaxCreateInput { code, name, rate, description, applied_to_organization } = input;
        let mut errors = ValidationErrors::new();
        check_presence(&mut errors, "name", Some(&name));
        let rate = parse_rate(&mut errors, Some(&rate));
        check_code(&mut errors, Some(&code), code_taken);
        match (rate, errors.is_empty()) {
            (Some(rate), true) => Ok(Self {
                code,
                name,
                rate,
                description,
                applied_to_organization: applied_to_organization.unwrap_or(false),
            }),
            _ => Err(errors.into()),
        }
    }
}

impl TaxUpdateInput {
    /// The code the update would give the tax, when it changes it: the one whose uniqueness the
    /// store must check.
    pub fn new_code<'a>(&'a self, current: &Tax) -> Option<&'a str> {
        self.code.as_ref().and_then(Option::as_deref).filter(|code| *code != current.code)
    }

    /// The tax after this update, validated like a new tax. `code_taken` says whether another tax
    /// that is not deleted has the new code.
    ///
    /// # Errors
    /// `Validation` with the codes of `NewTax::parse`.
    pub fn apply(self, current: &Tax, code_taken: bool) -> Result<Tax, Error> {
        let TaxUpdateInput { code, name, rate, description, applied_to_organization } = self;
        let mut errors = ValidationErrors::new();
        let name = name.unwrap_or_else(|| Some(current.name.clone()));
        check_presence(&mut errors, "name", name.as_deref());
        let rate = match rate {
            None => Some(current.rate),
            Some(text) => parse_rate(&mut errors, text.as_deref()),
        };
        let code = code.unwrap_or_else(|| Some(current.code.clone()));
        check_code(&mut errors, code.as_deref(), code_taken);
        match (name, rate, code, errors.is_empty()) {
            (Some(name), Some(rate), Some(code), true) => Ok(Tax {
                id: current.id,
                code,
                name,
                rate,
                description: description.unwrap_or_else(|| current.description.clone()),
                applied_to_organization: applied_to_organization.unwrap_or(current.applied_to_organization),
                created_at: current.created_at,
            }),
            _ => Err(errors.into()),
        }
    }
}

fn check_presence(errors: &mut ValidationErrors, field: &str, value: Option<&str>) {
    if is_blank(value) {
        errors.add(field, ErrorCode::ValueIsMandatory);
    }
}

fn check_code(errors: &mut ValidationErrors, code: Option<&str>, code_taken: bool) {
    if is_blank(code) {
        errors.add("code", ErrorCode::ValueIsMandatory);
    } else if code_taken {
        errors.add("code", ErrorCode::ValueAlreadyExist);
    }
}

/// A rate is any finite decimal, negative or above 100 included (Lago has no range check).
fn parse_rate(errors: &mut ValidationErrors, text: Option<&str>) -> Option<f64> {
    if is_blank(text) {
        errors.add("rate", ErrorCode::ValueIsMandatory);
        return None;
    }
    let rate = text
        .and_then(parse_decimal)
        .and_then(|decimal| decimal.to_string().parse::<f64>().ok())
        .filter(|rate| rate.is_finite());
    if rate.is_none() {
        errors.add("rate", ErrorCode::ValueIsInvalid);
    }
    rate
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::ids::TaxId;

    use super::*;

    fn create(code: &str, name: &str, rate: &str) -> TaxCreateInput {
        TaxCreateInput {
            code: code.to_owned(),
            name: name.to_owned(),
            rate: rate.to_owned(),
            ..TaxCreateInput::default()
        }
    }

    fn errors_of<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
        match result {
            Err(Error::Validation(errors)) => errors.to_string(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn stored_tax() -> Tax {
        Tax {
            id: TaxId::generate(),
            code: "vat".to_owned(),
            name: "VAT".to_owned(),
            rate: 20.0,
            description: Some("French VAT".to_owned()),
            applied_to_organization: true,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn rates_are_decimals_of_any_sign_and_size() {
        for (text, rate) in [("20.0", 20.0), ("-5", -5.0), ("150", 150.0), (" 5.5 ", 5.5), ("1e2", 100.0)] {
            let tax = NewTax::parse(create("vat", "VAT", text), false).expect("a valid tax");
            assert_eq!(tax.rate, rate, "{text:?}");
            assert!(!tax.applied_to_organization);
        }
        for text in ["abc", "Infinity", "NaN", "1,5", "5."] {
            assert_eq!(errors_of(NewTax::parse(create("vat", "VAT", text), false)), "rate: value_is_invalid");
        }
    }

    #[test]
    fn errors_follow_the_model_order() {
        assert_eq!(
            errors_of(NewTax::parse(create(" ", "", ""), false)),
            "name: value_is_mandatory, rate: value_is_mandatory, code: value_is_mandatory"
        );
        assert_eq!(
            errors_of(NewTax::parse(create("vat", "", "x"), true)),
            "name: value_is_mandatory, rate: value_is_invalid, code: value_already_exist"
        );
    }

    #[test]
    fn updates_are_partial() {
        let current = stored_tax();
        let update = TaxUpdateInput { rate: Some(Some("15.0".to_owned())), ..TaxUpdateInput::default() };
        assert_eq!(update.new_code(&current), None);
        let updated = update.apply(&current, false).expect("a valid update");
        assert_eq!(updated, Tax { rate: 15.0, ..current.clone() });

        let rename = TaxUpdateInput {
            code: Some(Some("vat_15".to_owned())),
            description: Some(None),
            applied_to_organization: Some(false),
            ..TaxUpdateInput::default()
        };
        assert_eq!(rename.new_code(&current), Some("vat_15"));
        let renamed = rename.apply(&current, false).expect("a valid rename");
        assert_eq!(
            (renamed.code.as_str(), renamed.description, renamed.applied_to_organization),
            ("vat_15", None, false)
        );
    }

    #[test]
    fn updates_to_null_are_missing_values() {
        let update = TaxUpdateInput {
            name: Some(None),
            rate: Some(None),
            code: Some(None),
            ..TaxUpdateInput::default()
        };
        assert_eq!(
            errors_of(update.apply(&stored_tax(), false)),
            "name: value_is_mandatory, rate: value_is_mandatory, code: value_is_mandatory"
        );
    }
}
