//! Validation errors in Lago's shape: an ordered map from field to error codes, such as
//! `{"code": ["value_already_exist"]}`. Order matters because clients compare bodies exactly.

use std::fmt;

/// Lago's validation error codes (`config/locales/en.yml` and the entitlement services).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    ValueIsMandatory,
    ValueIsTooLong,
    ValueIsInvalid,
    InvalidFormat,
    ValueAlreadyExist,
    ValueIsDuplicated,
    ValueNotInSelectOptions,
    /// A code specific to one validator, such as `invalid_graduated_ranges` or
    /// `invalid_aggregation_type_or_charge_model`.
    Named(&'static str),
    /// A sentence Lago puts in place of a code, built from the input, such as
    /// `contains invalid types: ["wrong.type"]`.
    Message(String),
}

impl ErrorCode {
    /// The code as Lago spells it on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::ValueIsMandatory => "value_is_mandatory",
            Self::ValueIsTooLong => "value_is_too_long",
            Self::ValueIsInvalid => "value_is_invalid",
            Self::InvalidFormat => "invalid_format",
            Self::ValueAlreadyExist => "value_already_exist",
            Self::ValueIsDuplicated => "value_is_duplicated",
            Self::ValueNotInSelectOptions => "value_not_in_select_options",
            Self::Named(code) => code,
            Self::Message(message) => message,
        }
    }

    /// Parses a code as spelled on the wire.
    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::ValueIsMandatory,
            Self::ValueIsTooLong,
            Self::ValueIsInvalid,
            Self::InvalidFormat,
            Self::ValueAlreadyExist,
            Self::ValueIsDuplicated,
            Self::ValueNotInSelectOptions,
        ]
        .into_iter()
        .find(|candidate| candidate.as_str() == code)
    }
}

/// Field -> codes, in the order the errors were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    fields: Vec<(String, Vec<ErrorCode>)>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// One field with one code.
    pub fn single(field: impl Into<String>, code: ErrorCode) -> Self {
        let mut errors = Self::new();
        errors.add(field, code);
        errors
    }

    /// Adds a code to a field, keeping the field's first position.
    pub fn add(&mut self, field: impl Into<String>, code: ErrorCode) {
        let field = field.into();
        match self.fields.iter_mut().find(|(name, _)| *name == field) {
            Some((_, codes)) => codes.push(code),
            None => self.fields.push((field, vec![code])),
        }
    }

    /// Adds several codes to a field.
    pub fn add_all(&mut self, field: &str, codes: &[ErrorCode]) {
        for code in codes {
            self.add(field, code.clone());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields and their codes, in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &[ErrorCode])> {
        self.fields.iter().map(|(field, codes)| (field.as_str(), codes.as_slice()))
    }

    /// The same errors with every field prefixed, e.g. `code` -> `privilege.code`.
    pub fn prefixed(self, prefix: &str) -> Self {
        Self {
            fields: self
                .fields
                .into_iter()
                .map(|(field, codes)| (format!("{prefix}{field}"), codes))
                .collect(),
        }
    }

    /// The same errors with every field renamed by `rename`.
    pub fn map_fields(self, rename: impl Fn(&str) -> String) -> Self {
        Self { fields: self.fields.into_iter().map(|(field, codes)| (rename(&field), codes)).collect() }
    }

    /// `Ok(())` when empty, the errors otherwise.
    ///
    /// # Errors
    /// Returns `self` when it holds at least one error.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (field, codes)) in self.fields.iter().enumerate() {
            if index > 0 {
                formatter.write_str(", ")?;
            }
            let codes: Vec<&str> = codes.iter().map(|code| code.as_str()).collect();
            write!(formatter, "{field}: {}", codes.join("|"))?;
        }
        Ok(())
    }
}

/// Rails' `blank?`: missing, empty or only whitespace.
pub(crate) fn is_blank(value: Option<&str>) -> bool {
    value.is_none_or(|text| text.chars().all(char::is_whitespace))
}

/// Checks a string's length in characters (as Rails counts), adding `value_is_too_long`.
pub(crate) fn check_length(errors: &mut ValidationErrors, field: &str, value: Option<&str>, max: usize) {
    if value.is_some_and(|value| value.chars().count() > max) {
        errors.add(field, ErrorCode::ValueIsTooLong);
    }
}
