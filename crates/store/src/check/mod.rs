//! What checks read: for a batch of subscriptions, everything their effective entitlements need
//! (the subscriptions with their effective statuses, their plans' and their own entitlements, the
//! features those attach, their removals) and the organization's revision, all from one
//! consistent snapshot. A fixed number of queries per thousand distinct subscriptions, never one
//! per item. Checks read the in-memory view (`entitlements-engine`); this is its database path: the
//! fallback when the view is behind, and the oracle the view is tested against.

use std::collections::HashSet;

use entitlements_domain::{
    CheckSnapshot, CheckedSubscription, EntitlementLayers, OrganizationId, SubscriptionGrants,
    SubscriptionSelector,
};
use uuid::Uuid;

use crate::Store;
use crate::db::error::StoreError;
use crate::entitlement::rows::load_owner_entitlements;
use crate::entitlement::subscription_rows::load_removals_of;
use crate::revision::revision_in;
use crate::subscription_lifecycle::chain::SubscriptionSet;

impl Store {
    /// The subscriptions `selectors` name (each found as ListSubscriptionEntitlements finds it,
    /// time-driven transitions applied at the store's clock, not written), in the same order,
    /// and the organization's revision, read in one snapshot.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn check_snapshot(
        &self,
        organization_id: OrganizationId,
        selectors: &[SubscriptionSelector],
    ) -> Result<CheckSnapshot, StoreError> {
        let transaction = self.begin_snapshot().await?;
        let revision = revision_in(&transaction, organization_id).await?;
        if selectors.is_empty() {
            transaction.commit().await?;
            return Ok(CheckSnapshot { revision, subscriptions: Vec::new() });
        }
        let mut external_ids: Vec<String> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for selector in selectors {
            if seen.insert(selector.external_id.as_str()) {
                external_ids.push(selector.external_id.clone());
            }
        }
        let mut subscriptions =
            SubscriptionSet::load(&transaction, organization_id, &external_ids, false).await?;
        // The effective statuses, as the entitlement lookups compute them (reads stay reads).
        subscriptions.advance(self.now());
        let lookups: Vec<(&str, _)> =
            selectors.iter().map(|selector| (selector.external_id.as_str(), selector.status)).collect();
        let found = subscriptions.find_each(&lookups);
        let owners: Vec<(Uuid, Uuid)> =
            found.iter().filter_map(|found| found.ok().map(|row| (row.id, row.plan_id))).collect();
        let subscription_ids = distinct(owners.iter().map(|(subscription_id, _)| *subscription_id));
        let plan_ids = distinct(owners.iter().map(|(_, plan_id)| *plan_id));
        let entitlements =
            load_owner_entitlements(&transaction, organization_id, &plan_ids, &subscription_ids).await?;
        let removals = load_removals_of(&transaction, &subscription_ids).await?;
        transaction.commit().await?;
        let subscriptions = selectors
            .iter()
            .zip(found)
            .map(|(selector, found)| {
                let (grants, external_id_has_subscriptions) = match found {
                    Ok(row) => {
                        let layers = EntitlementLayers {
                            plan: entitlements.stored(row.plan_id),
                            subscription: entitlements.stored(row.id),
                            removals: removals.get(&row.id).map(Vec::as_slice).unwrap_or_default(),
                        };
                        (Some(SubscriptionGrants::new(layers, entitlements.features())), true)
                    }
                    Err(external_id_has_subscriptions) => (None, external_id_has_subscriptions),
                };
                CheckedSubscription::from_lookup(selector.status, grants, external_id_has_subscriptions)
            })
            .collect();
        Ok(CheckSnapshot { revision, subscriptions })
    }
}

/// Each id once, in order of first appearance.
fn distinct(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut seen = HashSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}
