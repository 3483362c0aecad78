//! The answer for one subscription. `SubscriptionGrants` holds the subscription's effective
//! entitlements, computed by the same merge as ListSubscriptionEntitlements, plus what the merge
//! drops on purpose (the features and privileges the subscription removed), so that a check can
//! tell "removed" from "never granted". A subscription that was not found, or is not active when
//! the active one was asked for, answers so for every check.

use std::collections::HashMap;

use crate::check::requirement::RequirementOutcome;
use crate::check::{CheckAnswer, CheckReason, CheckTarget, CheckedValue};
use crate::entitlement::StoredEntitlement;
use crate::feature::Feature;
use crate::ids::FeatureId;
use crate::subscription::SubscriptionStatus;
use crate::subscription::entitlements::{
    EntitlementLayers, RemovalTarget, SubscriptionEntitlement, effective_entitlements,
};
use crate::subscription::selection::WantedStatus;

/// What a check reads of one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckedSubscription {
    NotFound,
    /// The active subscription was asked for, and the external id has only others.
    NotActive,
    Found(SubscriptionGrants),
}

impl CheckedSubscription {
    /// The subscription a lookup found, or why none: a lookup of the active subscription (the
    /// default) that finds none while the external id has subscriptions in other statuses is
    /// "not active"; any other lookup that finds nothing is "not found".
    pub fn from_lookup(
        wanted: WantedStatus,
        found: Option<SubscriptionGrants>,
        external_id_has_subscriptions: bool,
    ) -> Self {
        match found {
            Some(grants) => Self::Found(grants),
            None if external_id_has_subscriptions
                && wanted == WantedStatus::Status(SubscriptionStatus::Active) =>
            {
                Self::NotActive
            }
            None => Self::NotFound,
        }
    }

    /// Answers a check of this subscription.
    pub fn check(&self, target: &CheckTarget) -> CheckAnswer {
        match self {
            Self::NotFound => CheckAnswer::without_value(CheckReason::SubscriptionNotFound),
            Self::NotActive => CheckAnswer::without_value(CheckReason::SubscriptionNotActive),
            Self::Found(grants) => grants.check(target),
        }
    }
}

/// A subscription's effective entitlements, with what its removals hide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionGrants {
    /// Each effective entitlement, and whether the plan grants its feature (else only the
    /// subscription does).
    entitlements: Vec<(SubscriptionEntitlement, bool)>,
    /// Codes of plan features the subscription removed.
    removed_features: Vec<String>,
    /// `(feature code, privilege code)` of privileges the subscription removed from a feature its
    /// plan grants.
    removed_privileges: Vec<(String, String)>,
}

impl SubscriptionGrants {
    /// The grants of a subscription whose layers are `layers`; `features` holds the features
    /// (not deleted) the layers refer to, as for `effective_entitlements`.
    pub fn new(layers: EntitlementLayers<'_>, features: &HashMap<FeatureId, Feature>) -> Self {
        let plan_grants = |feature_id: FeatureId| {
            layers.plan.iter().any(|entitlement| entitlement.feature_id == feature_id)
        };
        let entitlements = effective_entitlements(layers, features)
            .into_iter()
            .map(|entitlement| {
                let from_plan = features
                    .values()
                    .find(|feature| feature.code == entitlement.feature_code)
                    .is_some_and(|feature| plan_grants(feature.id));
                (entitlement, from_plan)
            })
            .collect();
        let mut removed_features = Vec::new();
        let mut removed_privileges = Vec::new();
        for removal in layers.removals {
            match removal.target {
                RemovalTarget::Feature(feature_id) => {
                    if let Some(feature) = features.get(&feature_id).filter(|_| plan_grants(feature_id)) {
                        removed_features.push(feature.code.as_str().to_owned());
                    }
                }
                RemovalTarget::Privilege(privilege_id) => {
                    let owner = features.values().find_map(|feature| {
                        let privilege =
                            feature.privileges.iter().find(|privilege| privilege.id == privilege_id)?;
                        Some((feature, privilege))
                    });
                    if let Some((feature, privilege)) = owner.filter(|(feature, _)| plan_grants(feature.id)) {
                        removed_privileges
                            .push((feature.code.as_str().to_owned(), privilege.code.as_str().to_owned()));
                    }
                }
            }
        }
        Self { entitlements, removed_features, removed_privileges }
    }

    /// The grants of the features `feature_ids` only, as [`Self::new`] computes them, without the
    /// work for the subscription's other features: a check reads one feature, and a subscription
    /// may have many. Checks of other features answer as if they were not granted.
    pub fn of_features(
        layers: EntitlementLayers<'_>,
        features: &HashMap<FeatureId, Feature>,
        feature_ids: &[FeatureId],
    ) -> Self {
        // Each feature's merge reads only its own entitlements and removals, so dropping the other
        // features' entitlements changes nothing for these.
        let asked = |entitlement: &&StoredEntitlement| feature_ids.contains(&entitlement.feature_id);
        let plan: Vec<StoredEntitlement> = layers.plan.iter().filter(asked).cloned().collect();
        let subscription: Vec<StoredEntitlement> =
            layers.subscription.iter().filter(asked).cloned().collect();
        Self::new(
            EntitlementLayers { plan: &plan, subscription: &subscription, removals: layers.removals },
            features,
        )
    }

    /// Answers a check: the feature first (granted, removed, or not granted), then the privilege
    /// (a value in force, removed, or none), then the requirement on the value.
    pub fn check(&self, target: &CheckTarget) -> CheckAnswer {
        let feature_code = target.feature_code();
        let Some((entitlement, from_plan)) = self
            .entitlements
            .iter()
            .find(|(entitlement, _)| entitlement.feature_code.as_str() == feature_code)
        else {
            let reason = if self.removed_features.iter().any(|removed| removed == feature_code) {
                CheckReason::FeatureRemoved
            } else {
                CheckReason::FeatureNotGranted
            };
            return CheckAnswer::without_value(reason);
        };
        let CheckTarget::Privilege { privilege_code, requirement, .. } = target else {
            let reason = if *from_plan { CheckReason::GrantedByPlan } else { CheckReason::GrantedByOverride };
            return CheckAnswer::without_value(reason);
        };
        let Some(effective) = entitlement
            .privileges
            .iter()
            .find(|effective| effective.privilege.code.as_str() == privilege_code)
        else {
            let removed = self
                .removed_privileges
                .iter()
                .any(|(feature, privilege)| feature == feature_code && privilege == privilege_code);
            let reason =
                if removed { CheckReason::PrivilegeRemoved } else { CheckReason::PrivilegeNotGranted };
            return CheckAnswer::without_value(reason);
        };
        let granted = if effective.override_value.is_some() {
            CheckReason::GrantedByOverride
        } else {
            CheckReason::GrantedByPlan
        };
        let reason = match requirement.as_ref().map(|requirement| requirement.evaluate(&effective.value)) {
            None | Some(RequirementOutcome::Met) => granted,
            Some(RequirementOutcome::NotMet) => CheckReason::RequirementNotMet,
            Some(RequirementOutcome::TypeMismatch) => CheckReason::RequirementTypeMismatch,
        };
        let value = CheckedValue {
            value: effective.value.clone(),
            plan_value: effective.plan_value.clone(),
            override_value: effective.override_value.clone(),
        };
        CheckAnswer { reason, value: Some(value) }
    }
}
