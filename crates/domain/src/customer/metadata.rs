//! Customer metadata: up to five key-value pairs per customer. An upsert that carries `metadata`
//! reconciles it with the stored items as Lago's `Customers::Metadata::UpdateService` does: an
//! item whose `id` is one of the customer's items updates it, any other item is created, and
//! stored items the request does not name are deleted. Items are checked one by one, in order,
//! against the keys the customer has at that moment (`Metadata::CustomerMetadata`'s validations),
//! so the first invalid item decides the error.

use std::collections::HashSet;

use uuid::Uuid;

use crate::customer::CustomerMetadataItem;
use crate::validation::{ErrorCode, ValidationErrors, check_length, is_blank};

/// Most items one request may carry (`COUNT_PER_CUSTOMER`).
pub const METADATA_PER_CUSTOMER: usize = 5;
const KEY_MAX_LENGTH: usize = 20;
const VALUE_MAX_LENGTH: usize = 100;

/// A metadata item as a client sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerMetadataInput {
    /// The id of a stored item to update; any other value creates a new item.
    pub id: Option<String>,
    /// Required for a new item; absent keeps an updated item's key.
    pub key: Option<String>,
    /// Required for a new item; absent keeps an updated item's value.
    pub value: Option<String>,
    /// Absent or null means false.
    pub display_in_invoice: Option<bool>,
}

/// A metadata item to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomerMetadata {
    pub key: String,
    pub value: String,
    pub display_in_invoice: bool,
}

/// What reconciling a request's metadata with the stored items writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataChanges {
    /// Stored items with their new key, value and flag.
    pub updated: Vec<CustomerMetadataItem>,
    pub created: Vec<NewCustomerMetadata>,
    /// Stored items the request did not name.
    pub deleted: Vec<Uuid>,
}

/// Reconciles `input` with the customer's `stored` items (none for a new customer).
///
/// # Errors
/// The first invalid item's violations, under `metadata[<index>].`: `key: value_is_mandatory |
/// value_already_exist | value_is_too_long`, `value: value_is_mandatory | value_is_too_long`.
pub fn reconcile_metadata(
    stored: &[CustomerMetadataItem],
    input: &[CustomerMetadataInput],
) -> Result<MetadataChanges, ValidationErrors> {
    // The customer's items as they stand while the request is applied: (stored id, key).
    let mut current: Vec<(Option<Uuid>, String)> =
        stored.iter().map(|item| (Some(item.id), item.key.clone())).collect();
    let mut changes = MetadataChanges::default();
    let mut named = HashSet::new();
    for (index, item) in input.iter().enumerate() {
        let in_item = |errors: ValidationErrors| errors.prefixed(&format!("metadata[{index}]."));
        let display_in_invoice = item.display_in_invoice.unwrap_or(false);
        let existing = item
            .id
            .as_deref()
            .and_then(|id| Uuid::parse_str(id).ok())
            .and_then(|id| stored.iter().find(|stored_item| stored_item.id == id));
        match existing {
            Some(existing) => {
                let key = item.key.clone().unwrap_or_else(|| existing.key.clone());
                let value = item.value.clone().unwrap_or_else(|| existing.value.clone());
                check_item(&current, Some(existing.id), &key, &value).map_err(in_item)?;
                if let Some(entry) = current.iter_mut().find(|(id, _)| *id == Some(existing.id)) {
                    entry.1.clone_from(&key);
                }
                named.insert(existing.id);
                changes.updated.retain(|updated| updated.id != existing.id);
                changes.updated.push(CustomerMetadataItem {
                    key,
                    value,
                    display_in_invoice,
                    ..existing.clone()
                });
            }
            None => {
                let key = item.key.clone().unwrap_or_default();
                let value = item.value.clone().unwrap_or_default();
                check_item(&current, None, &key, &value).map_err(in_item)?;
                current.push((None, key.clone()));
                changes.created.push(NewCustomerMetadata { key, value, display_in_invoice });
            }
        }
    }
    changes.deleted = stored.iter().map(|item| item.id).filter(|id| !named.contains(id)).collect();
    Ok(changes)
}

/// One item's validations, in the model's order; `own_id` is the stored item being updated.
fn check_item(
    current: &[(Option<Uuid>, String)],
    own_id: Option<Uuid>,
    key: &str,
    value: &str,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if is_blank(Some(key)) {
        errors.add("key", ErrorCode::ValueIsMandatory);
    }
    let taken = current.iter().any(|(id, other_key)| other_key == key && (own_id.is_none() || *id != own_id));
    if taken {
        errors.add("key", ErrorCode::ValueAlreadyExist);
    }
    check_length(&mut errors, "key", Some(key), KEY_MAX_LENGTH);
    if is_blank(Some(value)) {
        errors.add("value", ErrorCode::ValueIsMandatory);
    }
    check_length(&mut errors, "value", Some(value), VALUE_MAX_LENGTH);
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn input(id: Option<Uuid>, key: &str, value: &str) -> CustomerMetadataInput {
        CustomerMetadataInput {
            id: id.map(|id| id.to_string()),
            key: Some(key.to_owned()),
            value: Some(value.to_owned()),
            display_in_invoice: None,
        }
    }

    fn stored(key: &str) -> CustomerMetadataItem {
        CustomerMetadataItem {
            id: Uuid::now_v7(),
            key: key.to_owned(),
            value: "v".to_owned(),
            display_in_invoice: true,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn named_items_update_others_are_created_the_rest_deleted() {
        let (kept, dropped) = (stored("kept"), stored("dropped"));
        let changes = reconcile_metadata(
            &[kept.clone(), dropped.clone()],
            &[input(Some(kept.id), "renamed", "new"), input(Some(Uuid::now_v7()), "fresh", "x")],
        )
        .expect("valid");
        assert_eq!(
            changes.updated,
            [CustomerMetadataItem {
                key: "renamed".to_owned(),
                value: "new".to_owned(),
                display_in_invoice: false,
                ..kept
            }]
        );
        assert_eq!(
            changes.created,
            [NewCustomerMetadata {
                key: "fresh".to_owned(),
                value: "x".to_owned(),
                display_in_invoice: false
            }]
        );
        assert_eq!(changes.deleted, [dropped.id]);
    }

    #[test]
    fn a_new_item_may_not_take_a_key_still_stored() {
        // Lago deletes the items the request does not name only after creating the new ones.
        let errors = reconcile_metadata(&[stored("plan")], &[input(None, "plan", "pro")]).expect_err("taken");
        assert_eq!(errors.to_string(), "metadata[0].key: value_already_exist");
        let duplicates = reconcile_metadata(&[], &[input(None, "a", "1"), input(None, "a", "2")]);
        assert_eq!(duplicates.expect_err("taken").to_string(), "metadata[1].key: value_already_exist");
    }

    #[test]
    fn item_checks_in_the_models_order() {
        let blank = reconcile_metadata(&[], &[CustomerMetadataInput::default()]).expect_err("blank");
        assert_eq!(
            blank.to_string(),
            "metadata[0].key: value_is_mandatory, metadata[0].value: value_is_mandatory"
        );
        let long =
            reconcile_metadata(&[], &[input(None, &"k".repeat(21), &"v".repeat(101))]).expect_err("long");
        assert_eq!(
            long.to_string(),
            "metadata[0].key: value_is_too_long, metadata[0].value: value_is_too_long"
        );
    }
}
