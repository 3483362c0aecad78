//! The rows behind a subscription's entitlements: its plan's and its own entitlements (one
//! query for both), their values and features, and its removals: five indexed queries, whatever
//! the number of features, once the subscription is found.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitlements_domain::{
    EntitlementLayers, Error, Feature, FeatureId, OrganizationId, PlanId, PrivilegeId, RemovalId,
    RemovalTarget, StoredRemoval, SubscriptionEntitlement, SubscriptionEntitlementChanges, SubscriptionId,
    effective_entitlements,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::db::error::StoreError;
use crate::db::{IN_LIST_CHUNK, in_chunks};
use crate::entitlement::rows::{
    EntitlementOwner, LoadedEntitlements, apply_changes, load_owner_entitlements, load_subscription_layers,
    reload_subscription_layers,
};
use crate::entity::entitlement_removal;

/// Everything the merge and the override decisions read for one subscription.
#[derive(Debug)]
pub(crate) struct SubscriptionRows {
    subscription_id: SubscriptionId,
    plan_id: PlanId,
    entitlements: LoadedEntitlements,
    removals: Vec<StoredRemoval>,
}

impl SubscriptionRows {
    /// Loads the rows of a subscription on `plan_id`.
    pub(crate) async fn load(
        connection: &impl ConnectionTrait,
        organization_id: OrganizationId,
        subscription_id: SubscriptionId,
        plan_id: PlanId,
    ) -> Result<Self, StoreError> {
        let entitlements =
            load_subscription_layers(connection, organization_id, subscription_id.0, plan_id.0).await?;
        let removals = load_removals(connection, subscription_id).await?;
        Ok(Self { subscription_id, plan_id, entitlements, removals })
    }

    /// The rows again after a write to them, in the write's transaction. The features are the
    /// ones read before the write and the ones it `named` (locked, so current); a feature the
    /// plan gained meanwhile is read. Only the rows the write may have changed are read again:
    /// entitlements and values, and the removals if `removals_changed` (nobody else writes them
    /// while the subscription is locked).
    pub(crate) async fn reload(
        self,
        connection: &impl ConnectionTrait,
        organization_id: OrganizationId,
        named: Vec<Feature>,
        removals_changed: bool,
    ) -> Result<Self, StoreError> {
        let mut known = self.entitlements.into_features();
        known.extend(named.into_iter().map(|feature| (feature.id, feature)));
        let entitlements = reload_subscription_layers(
            connection,
            organization_id,
            self.subscription_id.0,
            self.plan_id.0,
            known,
        )
        .await?;
        let removals = if removals_changed {
            load_removals(connection, self.subscription_id).await?
        } else {
            self.removals
        };
        Ok(Self { entitlements, removals, ..self })
    }

    pub(crate) fn layers(&self) -> EntitlementLayers<'_> {
        EntitlementLayers {
            plan: self.entitlements.stored(self.plan_id.0),
            subscription: self.entitlements.stored(self.subscription_id.0),
            removals: &self.removals,
        }
    }

    /// The effective entitlements: the plan's, merged with the overrides, minus the removals.
    pub(crate) fn effective(&self) -> Vec<SubscriptionEntitlement> {
        effective_entitlements(self.layers(), self.entitlements.features())
    }
}

/// The effective entitlements of many subscriptions, by subscription id, from
/// `(subscription id, plan id)` pairs: six queries per thousand subscriptions and plans, whatever
/// their number.
///
/// # Errors
/// `Unavailable` or `Internal` when the database fails.
pub(crate) async fn load_many_subscription_entitlements(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    subscriptions: &[(uuid::Uuid, uuid::Uuid)],
) -> Result<HashMap<uuid::Uuid, Vec<SubscriptionEntitlement>>, StoreError> {
    let mut subscription_ids: Vec<uuid::Uuid> = subscriptions.iter().map(|(id, _)| *id).collect();
    subscription_ids.sort_unstable();
    subscription_ids.dedup();
    let mut plan_ids: Vec<uuid::Uuid> = subscriptions.iter().map(|(_, plan_id)| *plan_id).collect();
    plan_ids.sort_unstable();
    plan_ids.dedup();
    let loaded = load_owner_entitlements(connection, organization_id, &plan_ids, &subscription_ids).await?;
    let removals = load_removals_of(connection, &subscription_ids).await?;
    Ok(subscriptions
        .iter()
        .map(|(subscription_id, plan_id)| {
            let layers = EntitlementLayers {
                plan: loaded.stored(*plan_id),
                subscription: loaded.stored(*subscription_id),
                removals: removals.get(subscription_id).map(Vec::as_slice).unwrap_or_default(),
            };
            (*subscription_id, effective_entitlements(layers, loaded.features()))
        })
        .collect())
}

async fn load_removals(
    connection: &impl ConnectionTrait,
    subscription_id: SubscriptionId,
) -> Result<Vec<StoredRemoval>, StoreError> {
    let rows = entitlement_removal::Entity::find()
        .filter(entitlement_removal::Column::SubscriptionId.eq(subscription_id.0))
        .all(connection)
        .await?;
    rows.into_iter().map(stored_removal).collect()
}

/// The removals of these subscriptions, by subscription id: one query per thousand.
pub(crate) async fn load_removals_of(
    connection: &impl ConnectionTrait,
    subscription_ids: &[uuid::Uuid],
) -> Result<HashMap<uuid::Uuid, Vec<StoredRemoval>>, StoreError> {
    let rows = in_chunks(subscription_ids, |chunk| {
        entitlement_removal::Entity::find()
            .filter(entitlement_removal::Column::SubscriptionId.is_in(chunk.iter().copied()))
            .all(connection)
    })
    .await?;
    by_subscription(rows)
}

/// Every removal of the organization's subscriptions, by subscription id, in one query.
pub(crate) async fn load_organization_removals(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<HashMap<uuid::Uuid, Vec<StoredRemoval>>, StoreError> {
    let rows = entitlement_removal::Entity::find()
        .filter(entitlement_removal::Column::OrganizationId.eq(organization_id.0))
        .all(connection)
        .await?;
    by_subscription(rows)
}

fn by_subscription(
    rows: Vec<entitlement_removal::Model>,
) -> Result<HashMap<uuid::Uuid, Vec<StoredRemoval>>, StoreError> {
    let mut removals: HashMap<uuid::Uuid, Vec<StoredRemoval>> = HashMap::new();
    for row in rows {
        let subscription_id = row.subscription_id;
        removals.entry(subscription_id).or_default().push(stored_removal(row)?);
    }
    Ok(removals)
}

fn stored_removal(row: entitlement_removal::Model) -> Result<StoredRemoval, StoreError> {
    let target = match (row.entitlement_feature_id, row.entitlement_privilege_id) {
        (Some(feature_id), None) => RemovalTarget::Feature(FeatureId(feature_id)),
        (None, Some(privilege_id)) => RemovalTarget::Privilege(PrivilegeId(privilege_id)),
        _ => return Err(Error::Internal(format!("removal {} names no single target", row.id)).into()),
    };
    Ok(StoredRemoval { id: RemovalId(row.id), target })
}

/// Writes a subscription's entitlement changes: overrides, then removals.
pub(crate) async fn apply_subscription_changes(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    subscription_id: SubscriptionId,
    changes: &SubscriptionEntitlementChanges,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let owner = EntitlementOwner::Subscription(subscription_id.0);
    apply_changes(connection, organization_id, owner, &changes.entitlements, now).await?;
    let deleted: Vec<uuid::Uuid> = changes.deleted_removals.iter().map(|id| id.0).collect();
    for chunk in deleted.chunks(IN_LIST_CHUNK) {
        entitlement_removal::Entity::delete_many()
            .filter(entitlement_removal::Column::Id.is_in(chunk.iter().copied()))
            .exec(connection)
            .await?;
    }
    if !changes.new_removals.is_empty() {
        let rows = changes.new_removals.iter().map(|target| {
            let (feature_id, privilege_id) = match target {
                RemovalTarget::Feature(feature_id) => (Some(feature_id.0), None),
                RemovalTarget::Privilege(privilege_id) => (None, Some(privilege_id.0)),
            };
            entitlement_removal::ActiveModel {
                id: Set(RemovalId::generate().0),
                organization_id: Set(organization_id.0),
                subscription_id: Set(subscription_id.0),
                entitlement_feature_id: Set(feature_id),
                entitlement_privilege_id: Set(privilege_id),
                created_at: Set(now),
            }
        });
        entitlement_removal::Entity::insert_many(rows).exec(connection).await?;
    }
    Ok(())
}
