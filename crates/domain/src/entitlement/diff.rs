//! The one diff of entitlements, for plans and for subscription overrides alike: each request
//! leaves a list of wanted entitlements (kept or not, with their values in creation order), and
//! the diff with what is stored is the smallest set of writes, so that a value that did not
//! change keeps its id and its creation time.

use crate::entitlement::{EntitlementChanges, StoredEntitlement, ValueWrite};
use crate::feature::privilege_value::PrivilegeValue;
use crate::ids::{EntitlementId, FeatureId, PrivilegeId};

/// An entitlement as a request leaves it, before it is compared with what is stored.
#[derive(Debug)]
pub(crate) struct WantedEntitlement<'a> {
    pub(crate) feature_id: FeatureId,
    pub(crate) stored: Option<&'a StoredEntitlement>,
    /// Whether the entitlement exists once the request is done.
    pub(crate) kept: bool,
    /// In creation order: stored values first, then new ones in request order.
    pub(crate) values: Vec<(PrivilegeId, PrivilegeValue)>,
}

impl<'a> WantedEntitlement<'a> {
    /// The entitlement of `feature_id` as stored (kept, with its values), or a new one (not kept
    /// until the request says so).
    pub(crate) fn from_stored(feature_id: FeatureId, stored: Option<&'a StoredEntitlement>) -> Self {
        let values = stored
            .map(|entitlement| {
                entitlement.values.iter().map(|value| (value.privilege_id, value.value.clone())).collect()
            })
            .unwrap_or_default();
        Self { feature_id, stored, kept: stored.is_some(), values }
    }

    /// Sets the value of a privilege: in place when it has one, else after the others.
    pub(crate) fn set_value(&mut self, privilege_id: PrivilegeId, value: PrivilegeValue) {
        set_value(&mut self.values, privilege_id, value);
    }
}

/// Sets the value of `privilege_id` in `values`: in place when it has one, else at the end.
pub(crate) fn set_value(
    values: &mut Vec<(PrivilegeId, PrivilegeValue)>,
    privilege_id: PrivilegeId,
    value: PrivilegeValue,
) {
    match values.iter_mut().find(|(id, _)| *id == privilege_id) {
        Some(slot) => slot.1 = value,
        None => values.push((privilege_id, value)),
    }
}

/// The writes that turn what is stored into `wanted`: entitlements not kept go (with their
/// values), new ones are created, values no longer wanted go, and new or changed values are
/// written in the order of `values`.
pub(crate) fn entitlement_changes(wanted: Vec<WantedEntitlement<'_>>) -> EntitlementChanges {
    let mut changes = EntitlementChanges::default();
    for WantedEntitlement { feature_id, stored, kept, values } in wanted {
        let entitlement_id = match (stored, kept) {
            (Some(stored), false) => {
                changes.removed_entitlements.push(stored.id);
                continue;
            }
            (None, false) => continue,
            (Some(stored), true) => stored.id,
            (None, true) => {
                let id = EntitlementId::generate();
                changes.new_entitlements.push((id, feature_id));
                id
            }
        };
        let stored_values = stored.map(|stored| stored.values.as_slice()).unwrap_or_default();
        changes.removed_values.extend(
            stored_values
                .iter()
                .filter(|stored| values.iter().all(|(privilege_id, _)| *privilege_id != stored.privilege_id))
                .map(|stored| stored.id),
        );
        for (privilege_id, value) in values {
            let unchanged = stored_values
                .iter()
                .any(|stored| stored.privilege_id == privilege_id && stored.value == value);
            if !unchanged {
                changes.written_values.push(ValueWrite { entitlement_id, privilege_id, value });
            }
        }
    }
    changes
}
