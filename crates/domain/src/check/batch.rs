//! A batch of checks: its size bounds, and its subscriptions, each read once however many items
//! name it.

use std::collections::HashMap;

use crate::subscription::selection::SubscriptionSelector;
use crate::validation::{ErrorCode, ValidationErrors};

/// The most checks one batch may carry.
pub const MAX_CHECK_BATCH: usize = 1000;

/// Checks that a batch has 1 to [`MAX_CHECK_BATCH`] items.
///
/// # Errors
/// `items: value_is_mandatory` when empty, `items: value_is_out_of_range` above the maximum.
pub fn validate_batch_size(items: usize) -> Result<(), ValidationErrors> {
    if items == 0 {
        return Err(ValidationErrors::single("items", ErrorCode::ValueIsMandatory));
    }
    if items > MAX_CHECK_BATCH {
        return Err(ValidationErrors::single("items", ErrorCode::Named("value_is_out_of_range")));
    }
    Ok(())
}

/// The distinct subscriptions among `selectors` (`None` for an item that names none, such as an
/// invalid one), in order of first appearance, and for each item the position of its
/// subscription in that list.
pub fn distinct_subscriptions<'a>(
    selectors: impl IntoIterator<Item = Option<&'a SubscriptionSelector>>,
) -> (Vec<SubscriptionSelector>, Vec<Option<usize>>) {
    let mut distinct: Vec<SubscriptionSelector> = Vec::new();
    // By external id first: a batch names few statuses per external id.
    let mut by_external_id: HashMap<&'a str, Vec<usize>> = HashMap::new();
    let positions = selectors
        .into_iter()
        .map(|selector| {
            let selector = selector?;
            let same_external_id = by_external_id.entry(selector.external_id.as_str()).or_default();
            let known = same_external_id.iter().copied().find(|&position| {
                distinct.get(position).is_some_and(|known| known.status == selector.status)
            });
            Some(known.unwrap_or_else(|| {
                distinct.push(selector.clone());
                same_external_id.push(distinct.len() - 1);
                distinct.len() - 1
            }))
        })
        .collect();
    (distinct, positions)
}
