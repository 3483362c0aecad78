//! The update-mask convention of every partial update (AIP-134): a request (or a list item that
//! is itself partial) carries a `google.protobuf.FieldMask` naming the fields to write. A listed
//! field that is unset is written as null (or cleared); an unlisted field is kept; an empty mask
//! means every field the client populated. Conversions read each field through the mask into the
//! domain's "absent or given (maybe null)" shape, `Option<Option<T>>`.

use entitlements_domain::{Error, ErrorCode, ValidationErrors};
use prost_types::FieldMask;

/// The validated paths of one mask.
#[derive(Debug, Clone)]
pub(crate) struct UpdateMask {
    paths: Vec<String>,
}

impl UpdateMask {
    /// Reads `mask` against `fields`: every path a client may name, each with whether the message
    /// populates it (a set optional field or message, a non-empty list). An empty mask is the
    /// implied one: the populated paths. A sub-path (`minimum_commitment.tax_codes`) is listed
    /// with `false`: the implied mask names its parent instead.
    ///
    /// # Errors
    /// `Validation` with `{mask_field}: unknown_field` for a path `fields` does not name, so that
    /// a typo cannot silently keep a value.
    pub(crate) fn resolve(
        mask: Option<FieldMask>,
        mask_field: &str,
        fields: &[(&str, bool)],
    ) -> Result<Self, Error> {
        let paths = mask.map(|FieldMask { paths }| paths).unwrap_or_default();
        if paths.is_empty() {
            let implied =
                fields.iter().filter(|(_, populated)| *populated).map(|(path, _)| (*path).to_owned());
            return Ok(Self { paths: implied.collect() });
        }
        if paths.iter().any(|path| !fields.iter().any(|(known, _)| known == path)) {
            return Err(ValidationErrors::single(mask_field, ErrorCode::Named("unknown_field")).into());
        }
        Ok(Self { paths })
    }

    /// Reads a request's `update_mask` against `known`, the paths a client may name; an empty mask
    /// is the implied one, `populated` (the paths of the fields the request sets). For inputs whose
    /// populated paths are easier to list than to pair with every known path.
    ///
    /// # Errors
    /// `Validation` with `update_mask: unknown_field` for a path not in `known`.
    pub(crate) fn read(
        mask: Option<FieldMask>,
        known: &[&str],
        populated: impl FnOnce() -> Vec<&'static str>,
    ) -> Result<Self, Error> {
        let paths = mask.map(|FieldMask { paths }| paths).unwrap_or_default();
        if paths.is_empty() {
            return Ok(Self { paths: populated().into_iter().map(str::to_owned).collect() });
        }
        let fields: Vec<(&str, bool)> = known.iter().map(|path| (*path, false)).collect();
        Self::resolve(Some(FieldMask { paths }), REQUEST_MASK_FIELD, &fields)
    }

    /// Whether `path` is written: listed itself, or inside a listed message.
    pub(crate) fn contains(&self, path: &str) -> bool {
        self.paths.iter().any(|listed| {
            path.strip_prefix(listed.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }

    /// An optional field: `None` when not written, `Some(value)` (`Some(None)`: null) when it is.
    pub(crate) fn field<T>(&self, path: &str, value: Option<T>) -> Option<Option<T>> {
        self.contains(path).then_some(value)
    }

    /// A list: `None` when not written, the new list (empty: cleared) when it is.
    pub(crate) fn list<T>(&self, path: &str, values: Vec<T>) -> Option<Vec<T>> {
        self.contains(path).then_some(values)
    }
}

/// `path` when `is_set`: for listing the implied mask of the fields a request sets.
pub(crate) fn populated_path(path: &'static str, is_set: bool) -> Option<&'static str> {
    is_set.then_some(path)
}

/// Where a request carries its own mask.
const REQUEST_MASK_FIELD: &str = "update_mask";

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[(&str, bool)] =
        &[("name", true), ("description", false), ("commitment", true), ("commitment.taxes", false)];

    fn mask(paths: &[&str]) -> Option<FieldMask> {
        Some(FieldMask { paths: paths.iter().map(|path| (*path).to_owned()).collect() })
    }

    #[test]
    fn an_empty_mask_names_the_populated_fields() {
        for empty in [None, mask(&[])] {
            let implied = UpdateMask::resolve(empty, "update_mask", FIELDS).expect("a valid mask");
            assert_eq!(implied.field("name", Some(1)), Some(Some(1)));
            assert_eq!(implied.field::<i32>("description", None), None);
            assert!(implied.contains("commitment.taxes"));
        }
    }

    #[test]
    fn a_mask_writes_exactly_its_paths() {
        let given = UpdateMask::resolve(mask(&["description", "commitment.taxes"]), "m", FIELDS)
            .expect("a valid mask");
        assert_eq!(given.field("name", Some(1)), None);
        assert_eq!(given.field::<i32>("description", None), Some(None));
        assert!(given.contains("commitment.taxes"));
        assert!(!given.contains("commitment"));
        assert_eq!(given.list("commitment.taxes", Vec::<i32>::new()), Some(Vec::new()));
    }

    #[test]
    fn unknown_paths_are_refused() {
        for paths in [&["nam"][..], &["name", "commitment.other"], &["name.first"]] {
            let error = UpdateMask::resolve(mask(paths), "items[2].update_mask", FIELDS)
                .expect_err("an unknown path");
            assert_eq!(
                error,
                Error::Validation(ValidationErrors::single(
                    "items[2].update_mask",
                    ErrorCode::Named("unknown_field")
                )),
                "{paths:?}"
            );
        }
    }

    const KNOWN: &[&str] = &["name", "address", "address.city", "tags"];

    #[test]
    fn read_stands_for_the_populated_fields_when_empty() {
        let implied = UpdateMask::read(None, KNOWN, || vec!["address.city"]).expect("valid");
        assert!(
            implied.contains("address.city") && !implied.contains("name") && !implied.contains("address")
        );
        let empty = UpdateMask::read(mask(&[]), KNOWN, || vec!["name"]).expect("valid");
        assert_eq!(empty.field("name", Some(1)), Some(Some(1)));
    }

    #[test]
    fn read_writes_listed_sub_messages_and_refuses_unknown_paths() {
        let listed = UpdateMask::read(mask(&["address", "tags"]), KNOWN, Vec::new).expect("valid");
        assert!(listed.contains("address.city") && listed.contains("tags"));
        assert_eq!(listed.field::<i32>("name", None), None);
        assert_eq!(listed.field::<i32>("tags", None), Some(None));
        let prefix_only = UpdateMask::read(mask(&["name"]), KNOWN, Vec::new).expect("valid");
        assert!(!prefix_only.contains("names"));
        let unknown = UpdateMask::read(mask(&["name", "nope"]), KNOWN, Vec::new);
        assert!(
            matches!(unknown, Err(Error::Validation(errors)) if errors.to_string() == "update_mask: unknown_field")
        );
    }
}
