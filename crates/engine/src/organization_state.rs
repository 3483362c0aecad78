//! One organization as the view holds it, and its reads. Its data is exactly what the database
//! path loads (`OrganizationImage`), kept up to date by applying `OrganizationChanges`; its reads
//! call the same domain functions as the database path (`SubscriptionChain::find`,
//! `effective_entitlements`, `SubscriptionGrants`), so the two cannot disagree on a rule.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitlements_domain::{
    ChainMember, CheckSnapshot, CheckedSubscription, EntitlementLayers, Error, Feature, FeatureId, PlanId,
    Resource, StoredEntitlement, StoredRemoval, SubscriptionChain, SubscriptionEntitlement,
    SubscriptionGrants, SubscriptionId, SubscriptionSelector, effective_entitlements,
};
use entitlements_store::{ApiKeyHash, OrganizationChanges, OrganizationImage};

/// An organization at one revision.
#[derive(Debug)]
pub(crate) struct OrganizationState {
    pub(crate) revision: u64,
    features: HashMap<FeatureId, Feature>,
    /// The features' ids by code, for checks, which name features by code.
    feature_ids: HashMap<String, FeatureId>,
    plan_entitlements: HashMap<PlanId, Vec<StoredEntitlement>>,
    chains: HashMap<Box<str>, SubscriptionChain>,
    subscription_entitlements: HashMap<SubscriptionId, Vec<StoredEntitlement>>,
    removals: HashMap<SubscriptionId, Vec<StoredRemoval>>,
}

impl OrganizationState {
    /// The state of an image, and its API keys (kept by the view, across organizations).
    pub(crate) fn from_image(image: OrganizationImage) -> (Self, Vec<ApiKeyHash>) {
        let OrganizationImage {
            revision,
            features,
            plan_entitlements,
            chains,
            subscription_entitlements,
            removals,
            api_keys,
        } = image;
        let feature_ids = index_by_code(&features);
        let state = Self {
            revision,
            features,
            feature_ids,
            plan_entitlements,
            chains,
            subscription_entitlements,
            removals,
        };
        (state, api_keys)
    }

    /// Applies changes read after this state's revision; answers the organization's API keys
    /// when they changed.
    pub(crate) fn apply(&mut self, changes: OrganizationChanges) -> Option<Vec<ApiKeyHash>> {
        let OrganizationChanges {
            revision,
            features,
            plan_entitlements,
            chains,
            subscription_entitlements,
            removals,
            api_keys,
        } = changes;
        if !features.is_empty() {
            for (id, feature) in features {
                match feature {
                    Some(feature) => self.features.insert(id, feature),
                    None => self.features.remove(&id),
                };
            }
            self.feature_ids = index_by_code(&self.features);
        }
        for (plan_id, entitlements) in plan_entitlements {
            replace(&mut self.plan_entitlements, plan_id, entitlements);
        }
        for (external_id, chain) in chains {
            if chain.is_empty() {
                self.chains.remove(external_id.as_str());
            } else {
                self.chains.insert(external_id.into_boxed_str(), chain);
            }
        }
        for (subscription_id, entitlements) in subscription_entitlements {
            replace(&mut self.subscription_entitlements, subscription_id, entitlements);
        }
        for (subscription_id, subscription_removals) in removals {
            replace(&mut self.removals, subscription_id, subscription_removals);
        }
        self.revision = revision;
        api_keys
    }

    /// The subscription's effective entitlements at `now`, as ListSubscriptionEntitlements
    /// answers them.
    ///
    /// # Errors
    /// NOT_FOUND `subscription_not_found`.
    pub(crate) fn subscription_entitlements(
        &self,
        selector: &SubscriptionSelector,
        now: DateTime<Utc>,
    ) -> Result<Vec<SubscriptionEntitlement>, Error> {
        let member = self
            .chains
            .get(selector.external_id.as_str())
            .and_then(|chain| chain.find(selector.status, now))
            .ok_or_else(|| Error::not_found(Resource::Subscription, selector.external_id.as_str()))?;
        Ok(effective_entitlements(self.layers(member), &self.features))
    }

    /// What checks of `selectors` read, in their order, at `now` and this state's revision: for
    /// each, the grants of the features `feature_codes` names for it (what its checks ask about).
    pub(crate) fn check_snapshot(
        &self,
        selectors: &[SubscriptionSelector],
        feature_codes: &[Vec<&str>],
        now: DateTime<Utc>,
    ) -> CheckSnapshot {
        let none = Vec::new();
        let subscriptions = selectors
            .iter()
            .enumerate()
            .map(|(position, selector)| {
                let codes = feature_codes.get(position).unwrap_or(&none);
                let chain = self.chains.get(selector.external_id.as_str());
                let grants = chain.and_then(|chain| chain.find(selector.status, now)).map(|member| {
                    let ids: Vec<FeatureId> =
                        codes.iter().filter_map(|code| self.feature_ids.get(*code).copied()).collect();
                    SubscriptionGrants::of_features(self.layers(member), &self.features, &ids)
                });
                CheckedSubscription::from_lookup(selector.status, grants, chain.is_some())
            })
            .collect();
        CheckSnapshot { revision: self.revision, subscriptions }
    }

    fn layers(&self, member: ChainMember) -> EntitlementLayers<'_> {
        EntitlementLayers {
            plan: slice(&self.plan_entitlements, &member.plan_id),
            subscription: slice(&self.subscription_entitlements, &member.id),
            removals: slice(&self.removals, &member.id),
        }
    }
}

fn index_by_code(features: &HashMap<FeatureId, Feature>) -> HashMap<String, FeatureId> {
    features.values().map(|feature| (feature.code.as_str().to_owned(), feature.id)).collect()
}

/// Sets `key`'s list, dropping the entry when the list is empty (most subscriptions have no
/// entitlements or removals of their own, and hold no entry).
fn replace<Key: std::hash::Hash + Eq, Item>(map: &mut HashMap<Key, Vec<Item>>, key: Key, items: Vec<Item>) {
    if items.is_empty() {
        map.remove(&key);
    } else {
        map.insert(key, items);
    }
}

fn slice<'a, Key: std::hash::Hash + Eq, Item>(map: &'a HashMap<Key, Vec<Item>>, key: &Key) -> &'a [Item] {
    map.get(key).map(Vec::as_slice).unwrap_or_default()
}
