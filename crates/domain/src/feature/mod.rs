//! Features: organization-scoped capabilities identified by a code, with typed privileges.

pub(crate) mod input;
pub(crate) mod privilege;
pub(crate) mod privilege_value;

use chrono::{DateTime, Utc};

use crate::feature::privilege::{Privilege, parse_code};
use crate::ids::FeatureId;
use crate::validation::ErrorCode;

/// Longest feature code and name, in characters.
pub(crate) const FEATURE_CODE_MAX_LENGTH: usize = 255;
pub(crate) const FEATURE_NAME_MAX_LENGTH: usize = 255;
pub(crate) const FEATURE_DESCRIPTION_MAX_LENGTH: usize = 600;

/// A feature code: stripped of surrounding whitespace, not blank, at most 255 characters, any
/// other characters allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeatureCode(String);

impl FeatureCode {
    /// Validates a code as Lago does on creation (strip, then presence and length).
    ///
    /// # Errors
    /// The codes for the `code` field: `value_is_mandatory` or `value_is_too_long`.
    pub fn parse(raw: &str) -> Result<Self, Vec<ErrorCode>> {
        parse_code(raw, FEATURE_CODE_MAX_LENGTH).map(Self)
    }

    /// A code read back from storage, where it was validated on the way in.
    pub fn from_stored(code: String) -> Self {
        Self(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name of a feature (at most 255 characters; empty allowed).
pub type FeatureName = Option<String>;
/// A description of a feature (at most 600 characters; empty allowed).
pub type FeatureDescription = Option<String>;

/// A feature as stored, with its privileges that are not deleted, in creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub id: FeatureId,
    pub code: FeatureCode,
    pub name: FeatureName,
    pub description: FeatureDescription,
    pub privileges: Vec<Privilege>,
    pub created_at: DateTime<Utc>,
}

impl Feature {
    /// The privilege with exactly this code.
    pub fn privilege(&self, code: &str) -> Option<&Privilege> {
        self.privileges.iter().find(|privilege| privilege.code.as_str() == code)
    }
}
