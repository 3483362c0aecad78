//! The `update_mask` of Update and Upsert requests (AIP-134), read once where a request enters:
//! exactly the listed paths are written, a listed field that is unset clearing it; an empty mask
//! stands for every populated field, so a client that only sets values needs no mask. A path
//! names a field of the request's input message, or a part of one of its sub-messages
//! (`shipping_address.city`); listing a sub-message writes all of its parts.

use entitlements_domain::{Error, ErrorCode, ValidationErrors};
use prost_types::FieldMask;

/// The violation of a path that names no field.
const UNKNOWN_FIELD: ErrorCode = ErrorCode::Named("unknown_field");

/// The paths a request writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpdateMask {
    paths: Vec<String>,
}

impl UpdateMask {
    /// The request's mask, every path one of `known`; an absent or empty one stands for
    /// `populated`, the paths of the fields the request sets.
    ///
    /// # Errors
    /// `Validation` with `update_mask: unknown_field` when a path is not one of `known`.
    pub(crate) fn read(
        mask: Option<FieldMask>,
        known: &[&str],
        populated: impl FnOnce() -> Vec<&'static str>,
    ) -> Result<Self, Error> {
        let paths = mask.map(|FieldMask { paths }| paths).unwrap_or_default();
        if paths.is_empty() {
            return Ok(Self { paths: populated().into_iter().map(str::to_owned).collect() });
        }
        if paths.iter().any(|path| !known.contains(&path.as_str())) {
            return Err(ValidationErrors::single("update_mask", UNKNOWN_FIELD).into());
        }
        Ok(Self { paths })
    }

    /// Whether the request writes `path`: listed itself, or a sub-message holding it is.
    pub(crate) fn writes(&self, path: &str) -> bool {
        self.paths.iter().any(|listed| {
            path.strip_prefix(listed.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }

    /// The change the request makes to a field that may be none: `None` keeps it, `Some(value)`
    /// writes `value` (`Some(None)` clears it).
    pub(crate) fn change<T>(&self, path: &str, value: Option<T>) -> Option<Option<T>> {
        self.writes(path).then_some(value)
    }
}

/// `path` when `is_set`: for building the implied mask of the fields a request sets.
pub(crate) fn populated_path(path: &'static str, is_set: bool) -> Option<&'static str> {
    is_set.then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["name", "address", "address.city", "tags"];

    fn mask(paths: &[&str]) -> Option<FieldMask> {
        Some(FieldMask { paths: paths.iter().map(|&path| path.to_owned()).collect() })
    }

    #[test]
    fn an_empty_mask_stands_for_the_populated_fields() {
        let implied = UpdateMask::read(None, KNOWN, || vec!["address.city"]).expect("valid");
        assert!(implied.writes("address.city") && !implied.writes("name") && !implied.writes("address"));
        let empty = UpdateMask::read(mask(&[]), KNOWN, || vec!["name"]).expect("valid");
        assert_eq!(empty.change("name", Some(1)), Some(Some(1)));
    }

    #[test]
    fn a_listed_sub_message_writes_its_parts_and_unknown_paths_are_refused() {
        let listed = UpdateMask::read(mask(&["address", "tags"]), KNOWN, Vec::new).expect("valid");
        assert!(listed.writes("address.city") && listed.writes("tags"));
        assert_eq!(listed.change::<i32>("name", None), None);
        assert_eq!(listed.change::<i32>("tags", None), Some(None));
        let prefix_only = UpdateMask::read(mask(&["name"]), KNOWN, Vec::new).expect("valid");
        assert!(!prefix_only.writes("names"));
        let unknown = UpdateMask::read(mask(&["name", "nope"]), KNOWN, Vec::new);
        assert!(
            matches!(unknown, Err(Error::Validation(errors)) if errors.to_string() == "update_mask: unknown_field")
        );
    }
}
