//! Privileges: the typed settings of a feature. A privilege's type is fixed at creation, and a
//! select privilege always carries its non-empty options, so an invalid configuration cannot be
//! represented.

use chrono::{DateTime, Utc};

use crate::ids::PrivilegeId;
use crate::validation::ErrorCode;

/// Longest privilege code and name, in characters.
pub(crate) const PRIVILEGE_TEXT_MAX_LENGTH: usize = 255;

/// The type of a privilege's values, without configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    String,
    Integer,
    Boolean,
    Select,
}

impl ValueType {
    /// The type as Lago spells it (`integer`, `string`, `boolean`, `select`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::Select => "select",
        }
    }

    /// Parses Lago's spelling; anything else is `None`.
    pub fn parse(value_type: &str) -> Option<Self> {
        match value_type {
            "string" => Some(Self::String),
            "integer" => Some(Self::Integer),
            "boolean" => Some(Self::Boolean),
            "select" => Some(Self::Select),
            _ => None,
        }
    }
}

/// The non-empty, ordered options of a select privilege.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectOptions(Vec<String>);

impl SelectOptions {
    /// `None` when there are no options: a select privilege needs at least one.
    pub fn new(options: Vec<String>) -> Option<Self> {
        if options.is_empty() { None } else { Some(Self(options)) }
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Lago's append, Ruby's `stored | additional`: every option once, in order of first appearance
    /// (so duplicates already stored collapse too).
    pub fn union(&self, additional: &[String]) -> Self {
        let mut options: Vec<String> = Vec::with_capacity(self.0.len() + additional.len());
        for option in self.0.iter().chain(additional) {
            if !options.contains(option) {
                options.push(option.clone());
            }
        }
        Self(options)
    }

    pub fn contains(&self, value: &str) -> bool {
        self.0.iter().any(|option| option == value)
    }
}

/// A privilege's type together with the configuration that type needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivilegeType {
    String,
    Integer,
    Boolean,
    Select(SelectOptions),
}

impl PrivilegeType {
    pub fn value_type(&self) -> ValueType {
        match self {
            Self::String => ValueType::String,
            Self::Integer => ValueType::Integer,
            Self::Boolean => ValueType::Boolean,
            Self::Select(_) => ValueType::Select,
        }
    }

    /// The select options, empty for the other types.
    pub fn select_options(&self) -> &[String] {
        match self {
            Self::Select(options) => options.as_slice(),
            _ => &[],
        }
    }

    /// Rebuilds a stored type; a select type without options is `None` (a corrupt row).
    pub fn from_parts(value_type: ValueType, select_options: Vec<String>) -> Option<Self> {
        match value_type {
            ValueType::String => Some(Self::String),
            ValueType::Integer => Some(Self::Integer),
            ValueType::Boolean => Some(Self::Boolean),
            ValueType::Select => SelectOptions::new(select_options).map(Self::Select),
        }
    }
}

/// A privilege code: stripped of surrounding whitespace, not blank, at most 255 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrivilegeCode(String);

impl PrivilegeCode {
    /// Validates a code as Lago does on creation (strip, then presence and length).
    ///
    /// # Errors
    /// The codes for the `code` field: `value_is_mandatory` or `value_is_too_long`.
    pub fn parse(raw: &str) -> Result<Self, Vec<ErrorCode>> {
        parse_code(raw, PRIVILEGE_TEXT_MAX_LENGTH).map(Self)
    }

    /// A code read back from storage, where it was validated on the way in.
    pub fn from_stored(code: String) -> Self {
        Self(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A privilege as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privilege {
    pub id: PrivilegeId,
    pub code: PrivilegeCode,
    pub name: Option<String>,
    pub privilege_type: PrivilegeType,
    pub created_at: DateTime<Utc>,
}

/// Ruby's `String#strip`: ASCII whitespace and NUL at both ends.
pub(crate) fn strip(raw: &str) -> &str {
    raw.trim_matches(|character: char| {
        character.is_ascii_whitespace() || character == '\0' || character == '\x0b'
    })
}

/// Strip, then Rails' `presence` (blank means only whitespace) and `length` validations.
pub(crate) fn parse_code(raw: &str, max_length: usize) -> Result<String, Vec<ErrorCode>> {
    let stripped = strip(raw);
    if stripped.chars().all(char::is_whitespace) {
        return Err(vec![ErrorCode::ValueIsMandatory]);
    }
    if stripped.chars().count() > max_length {
        return Err(vec![ErrorCode::ValueIsTooLong]);
    }
    Ok(stripped.to_owned())
}
