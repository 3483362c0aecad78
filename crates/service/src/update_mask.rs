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
}
