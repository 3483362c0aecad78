//! Subscription entitlements: what one subscription is entitled to. The plan's entitlements are
//! merged with the subscription's own (overrides, and features only it has), minus its removals
//! of plan features and privileges (Lago's `SubscriptionEntitlementQuery`). Writes are decided
//! here as diffs: a PATCH of overrides (`SubscriptionEntitlementCoreUpdateService`, except that
//! values are always validated and compared by their typed meaning, never by Lago's lossy casts,
//! and an override that ends with no value on a plan feature is not stored), and the removal of a
//! feature or a privilege.

use std::collections::HashMap;

use crate::entitlement::diff::{WantedEntitlement, entitlement_changes, set_value};
use crate::entitlement::{EntitlementChanges, EntitlementInput, StoredEntitlement, privilege_of, value_path};
use crate::error::{Error, Resource};
use crate::feature::privilege::Privilege;
use crate::feature::privilege_value::PrivilegeValue;
use crate::feature::{Feature, FeatureCode};
use crate::ids::{FeatureId, PrivilegeId, RemovalId};

/// What a removal hides: a plan feature, or one plan privilege's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemovalTarget {
    Feature(FeatureId),
    Privilege(PrivilegeId),
}

/// A removal as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredRemoval {
    pub id: RemovalId,
    pub target: RemovalTarget,
}

/// Everything the merge reads: the plan's entitlements, the subscription's own, and its
/// removals. Entitlements and values are in creation order.
#[derive(Debug, Clone, Copy)]
pub struct EntitlementLayers<'a> {
    pub plan: &'a [StoredEntitlement],
    pub subscription: &'a [StoredEntitlement],
    pub removals: &'a [StoredRemoval],
}

impl EntitlementLayers<'_> {
    fn plan_entitlement(&self, feature_id: FeatureId) -> Option<&StoredEntitlement> {
        self.plan.iter().find(|entitlement| entitlement.feature_id == feature_id)
    }

    fn override_of(&self, feature_id: FeatureId) -> Option<&StoredEntitlement> {
        self.subscription.iter().find(|entitlement| entitlement.feature_id == feature_id)
    }

    fn removal(&self, target: RemovalTarget) -> Option<&StoredRemoval> {
        self.removals.iter().find(|removal| removal.target == target)
    }
}

/// A privilege of an effective entitlement: the value in force, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectivePrivilege {
    pub privilege: Privilege,
    /// The override if there is one, else the plan's value.
    pub value: PrivilegeValue,
    pub plan_value: Option<PrivilegeValue>,
    pub override_value: Option<PrivilegeValue>,
}

/// A feature a subscription is entitled to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionEntitlement {
    pub feature_code: FeatureCode,
    pub feature_name: Option<String>,
    pub feature_description: Option<String>,
    pub privileges: Vec<EffectivePrivilege>,
}

/// The merge of plan, overrides and removals, as Lago's `SubscriptionEntitlementQuery`.
/// `features` holds the features (not deleted) the layers refer to; an entitlement of any other
/// feature, and a value of a privilege no longer on its feature, is left out. A plan feature or
/// privilege the subscription removed is left out even if it has an override. Features are
/// ordered by the plan's entitlement's creation (the subscription's when the plan has none),
/// privileges likewise by their values' creation; ties by id.
pub fn effective_entitlements(
    layers: EntitlementLayers<'_>,
    features: &HashMap<FeatureId, Feature>,
) -> Vec<SubscriptionEntitlement> {
    let mut merged: Vec<(&StoredEntitlement, Option<&StoredEntitlement>)> = layers
        .plan
        .iter()
        .filter(|plan| layers.removal(RemovalTarget::Feature(plan.feature_id)).is_none())
        .map(|plan| (plan, layers.override_of(plan.feature_id)))
        .collect();
    merged.extend(
        layers
            .subscription
            .iter()
            .filter(|own| layers.plan_entitlement(own.feature_id).is_none())
            .map(|own| (own, None)),
    );
    // The first of each pair is the plan's entitlement when there is one: it sets the order.
    merged.sort_by_key(|(first, _)| (first.created_at, first.id));
    merged
        .into_iter()
        .filter_map(|(first, second)| {
            let feature = features.get(&first.feature_id)?;
            let (plan, own) = match layers.plan_entitlement(first.feature_id) {
                Some(_) => (Some(first), second),
                None => (None, Some(first)),
            };
            Some(effective_entitlement(feature, plan, own, layers))
        })
        .collect()
}

fn effective_entitlement(
    feature: &Feature,
    plan: Option<&StoredEntitlement>,
    own: Option<&StoredEntitlement>,
    layers: EntitlementLayers<'_>,
) -> SubscriptionEntitlement {
    let plan_values = plan.map(|plan| plan.values.as_slice()).unwrap_or_default();
    let own_values = own.map(|own| own.values.as_slice()).unwrap_or_default();
    let mut ordered: Vec<_> = plan_values
        .iter()
        .filter(|value| layers.removal(RemovalTarget::Privilege(value.privilege_id)).is_none())
        .map(|value| (value, own_values.iter().find(|own| own.privilege_id == value.privilege_id)))
        .map(|(plan, own)| (plan.created_at, plan.id.0, plan.privilege_id, Some(plan), own))
        .collect();
    ordered.extend(
        own_values
            .iter()
            .filter(|own| plan_values.iter().all(|plan| plan.privilege_id != own.privilege_id))
            .map(|own| (own.created_at, own.id.0, own.privilege_id, None, Some(own))),
    );
    ordered.sort_by_key(|(created_at, id, ..)| (*created_at, *id));
    SubscriptionEntitlement {
        feature_code: feature.code.clone(),
        feature_name: feature.name.clone(),
        feature_description: feature.description.clone(),
        privileges: ordered
            .into_iter()
            .filter_map(|(_, _, privilege_id, plan, own)| {
                let privilege = feature.privileges.iter().find(|privilege| privilege.id == privilege_id)?;
                let plan_value = plan.map(|plan| plan.value.clone());
                let override_value = own.map(|own| own.value.clone());
                Some(EffectivePrivilege {
                    privilege: privilege.clone(),
                    value: override_value.clone().or_else(|| plan_value.clone())?,
                    plan_value,
                    override_value,
                })
            })
            .collect(),
    }
}

/// The writes of a subscription entitlements request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionEntitlementChanges {
    /// Overrides: new entitlements belong to the subscription.
    pub entitlements: EntitlementChanges,
    pub new_removals: Vec<RemovalTarget>,
    pub deleted_removals: Vec<RemovalId>,
}

/// What a PATCH of a subscription's entitlements changes. Every named feature must exist
/// (checked first, as Lago does); then each feature in order: a plan feature given exactly the
/// plan's values goes back to the plan (its override and removals go); otherwise each value equal
/// to the plan's drops its override, and any other becomes one. Naming a removed feature or
/// privilege restores it.
///
/// # Errors
/// NOT_FOUND `feature_not_found` (before anything else), then for the first failing value in
/// order, NOT_FOUND `privilege_not_found` or its validation errors.
pub fn override_changes(
    layers: EntitlementLayers<'_>,
    inputs: &[EntitlementInput],
    features: &[Feature],
) -> Result<SubscriptionEntitlementChanges, Error> {
    let resolved: Vec<&Feature> = inputs
        .iter()
        .map(|input| {
            features
                .iter()
                .find(|feature| feature.code.as_str() == input.feature_code)
                .ok_or_else(|| Error::not_found(Resource::Feature, input.feature_code.as_str()))
        })
        .collect::<Result<_, _>>()?;
    let mut overrides: Vec<WantedEntitlement<'_>> = Vec::new();
    let mut removals: Vec<RemovalTarget> = layers.removals.iter().map(|removal| removal.target).collect();
    for (input_index, (input, feature)) in inputs.iter().zip(resolved).enumerate() {
        let mut given: Vec<(PrivilegeId, PrivilegeValue)> = Vec::new();
        for (privilege_index, (privilege_code, value_input)) in input.privileges.iter().enumerate() {
            let privilege = privilege_of(feature, privilege_code)?;
            let value = PrivilegeValue::parse(value_input, privilege)
                .map_err(|errors| errors.prefixed(&value_path(input_index, privilege_index)))?;
            set_value(&mut given, privilege.id, value);
        }
        let position = match overrides.iter().position(|working| working.feature_id == feature.id) {
            Some(position) => position,
            None => {
                overrides.push(WantedEntitlement::from_stored(feature.id, layers.override_of(feature.id)));
                overrides.len() - 1
            }
        };
        let working = &mut overrides[position];
        removals.retain(|target| *target != RemovalTarget::Feature(feature.id));
        let Some(plan) = layers.plan_entitlement(feature.id) else {
            // A feature only the subscription has means something even with no value: stored.
            working.kept = override_is_kept(!working.values.is_empty(), false);
            for (privilege_id, value) in given {
                set_value(&mut working.values, privilege_id, value);
            }
            continue;
        };
        let plan_value = |privilege_id: PrivilegeId| {
            plan.values.iter().find(|value| value.privilege_id == privilege_id).map(|value| &value.value)
        };
        let back_to_plan = given.len() == plan.values.len()
            && given.iter().all(|(privilege_id, value)| plan_value(*privilege_id) == Some(value));
        if back_to_plan {
            working.values.clear();
            removals.retain(|target| match target {
                RemovalTarget::Privilege(privilege_id) => {
                    feature.privileges.iter().all(|privilege| privilege.id != *privilege_id)
                }
                RemovalTarget::Feature(_) => true,
            });
        } else {
            for (privilege_id, value) in given {
                removals.retain(|target| *target != RemovalTarget::Privilege(privilege_id));
                if plan_value(privilege_id) == Some(&value) {
                    working.values.retain(|(id, _)| *id != privilege_id);
                } else {
                    set_value(&mut working.values, privilege_id, value);
                }
            }
        }
        working.kept = override_is_kept(!working.values.is_empty(), true);
    }
    Ok(SubscriptionEntitlementChanges {
        entitlements: entitlement_changes(overrides),
        new_removals: removals.iter().filter(|target| layers.removal(**target).is_none()).copied().collect(),
        deleted_removals: layers
            .removals
            .iter()
            .filter(|removal| !removals.contains(&removal.target))
            .map(|removal| removal.id)
            .collect(),
    })
}

/// Whether an override row stays. An override of a feature the plan grants means something only
/// through its values: one with none left goes, or it would keep the feature for the
/// subscription once the plan drops it. An override of a feature only the subscription has is
/// the grant itself, and stays even without values.
pub fn override_is_kept(has_values: bool, plan_grants_feature: bool) -> bool {
    has_values || !plan_grants_feature
}

/// What removing a feature from a subscription changes: its override goes, with the
/// removals of its privileges, and a plan feature gets a feature removal (once).
pub fn feature_removal_changes(
    layers: EntitlementLayers<'_>,
    feature: &Feature,
) -> SubscriptionEntitlementChanges {
    let mut changes = SubscriptionEntitlementChanges::default();
    if let Some(own) = layers.override_of(feature.id) {
        changes.entitlements.removed_entitlements.push(own.id);
    }
    changes.deleted_removals = layers
        .removals
        .iter()
        .filter(|removal| match removal.target {
            RemovalTarget::Privilege(privilege_id) => {
                feature.privileges.iter().any(|privilege| privilege.id == privilege_id)
            }
            RemovalTarget::Feature(_) => false,
        })
        .map(|removal| removal.id)
        .collect();
    let target = RemovalTarget::Feature(feature.id);
    if layers.plan_entitlement(feature.id).is_some() && layers.removal(target).is_none() {
        changes.new_removals.push(target);
    }
    changes
}

/// What removing one privilege from a subscription changes: its override value goes (the whole
/// override when it was the last value of a plan feature: an empty one is not stored), and when
/// the plan grants the feature, a privilege removal is added (once; Lago checks the feature, not
/// the value).
pub fn privilege_removal_changes(
    layers: EntitlementLayers<'_>,
    feature: &Feature,
    privilege: &Privilege,
) -> SubscriptionEntitlementChanges {
    let mut changes = SubscriptionEntitlementChanges::default();
    let on_plan = layers.plan_entitlement(feature.id).is_some();
    if let Some(own) = layers.override_of(feature.id) {
        let (removed, kept): (Vec<_>, Vec<_>) =
            own.values.iter().partition(|value| value.privilege_id == privilege.id);
        if on_plan && kept.is_empty() {
            changes.entitlements.removed_entitlements.push(own.id);
        } else {
            changes.entitlements.removed_values.extend(removed.iter().map(|value| value.id));
        }
    }
    let target = RemovalTarget::Privilege(privilege.id);
    if on_plan && layers.removal(target).is_none() {
        changes.new_removals.push(target);
    }
    changes
}

#[cfg(test)]
mod tests;
