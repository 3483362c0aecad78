//! Update masks built from the JSON keys Lago received, so that REST keeps Lago's semantics over
//! the services' mask convention: a key the gateway forwards becomes a path (its JSON null an
//! unset field, which the service clears), a key it does not forward (absent, or a null Lago
//! ignores) stays out of the mask and its value is kept.

use prost_types::FieldMask;

/// The paths of one mask, in the order they were given.
#[derive(Debug, Default)]
pub(crate) struct MaskPaths {
    paths: Vec<String>,
}

impl MaskPaths {
    /// Adds `path`.
    pub(crate) fn add(&mut self, path: &str) {
        self.paths.push(path.to_owned());
    }

    /// A field read from JSON as absent (`None`), null (`Some(None)`) or a value: adds `path`
    /// unless absent, and answers the value to set.
    pub(crate) fn field<T>(&mut self, path: &str, value: Option<Option<T>>) -> Option<T> {
        if value.is_some() {
            self.add(path);
        }
        value.flatten()
    }

    /// A list read from JSON as absent (`None`) or given: adds `path` when given, and answers
    /// the items to set.
    pub(crate) fn list<T>(&mut self, path: &str, values: Option<Vec<T>>) -> Vec<T> {
        if values.is_some() {
            self.add(path);
        }
        values.unwrap_or_default()
    }

    pub(crate) fn into_field_mask(self) -> FieldMask {
        FieldMask { paths: self.paths }
    }
}
