//! Entitlement rows of plans and subscriptions: loaded for many owners in a fixed number of
//! queries (entitlements, their features and privileges, their values), and changed by applying
//! a domain `EntitlementChanges` in at most five statements.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitlements_domain::{
    EntitlementChanges, EntitlementId, EntitlementValueId, Error, Feature, FeatureId, OrganizationId,
    PlanEntitlement, PrivilegeId, PrivilegeValue, StoredEntitlement, StoredValue,
};
use sea_orm::sea_query::{ExprTrait, OnConflict, SimpleExpr};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::db::error::StoreError;
use crate::db::{IN_LIST_CHUNK, in_chunks};
use crate::entity::entitlement;
use crate::entity::entitlement_value;
use crate::feature::features_by_ids;

/// The object an entitlement belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EntitlementOwner {
    Plan(Uuid),
    Subscription(Uuid),
}

/// Entitlements of some owners, with the features they attach (not deleted).
#[derive(Debug, Default)]
pub(crate) struct LoadedEntitlements {
    by_owner: HashMap<Uuid, Vec<StoredEntitlement>>,
    features: HashMap<FeatureId, Feature>,
}

impl LoadedEntitlements {
    /// The owner's entitlements, in creation order.
    pub(crate) fn stored(&self, owner_id: Uuid) -> &[StoredEntitlement] {
        self.by_owner.get(&owner_id).map(Vec::as_slice).unwrap_or_default()
    }

    /// The features the entitlements attach, by id.
    pub(crate) fn features(&self) -> &HashMap<FeatureId, Feature> {
        &self.features
    }

    /// Every owner's entitlements, by owner id.
    pub(crate) fn into_by_owner(self) -> HashMap<Uuid, Vec<StoredEntitlement>> {
        self.by_owner
    }

    pub(crate) fn into_features(self) -> HashMap<FeatureId, Feature> {
        self.features
    }

    /// The owner's entitlements as Lago shows them on a plan.
    pub(crate) fn plan_views(&self, owner_id: Uuid) -> Vec<PlanEntitlement> {
        self.stored(owner_id)
            .iter()
            .filter_map(|stored| Some(PlanEntitlement::new(stored, self.features.get(&stored.feature_id)?)))
            .collect()
    }
}

/// The entitlements of these plans, with their values and features. Entitlements of deleted
/// features and values of deleted privileges are left out. Four queries per thousand plans.
pub(crate) async fn load_plan_entitlements(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    plan_ids: &[Uuid],
) -> Result<LoadedEntitlements, StoreError> {
    let rows = in_chunks(plan_ids, |chunk| {
        entitlement_rows(connection, entitlement::Column::PlanId.is_in(chunk.iter().copied()))
    })
    .await?;
    load(connection, organization_id, rows).await
}

/// The entitlements of a subscription and of its plan, in four queries: the two layers the merge
/// reads, keyed by the subscription's and the plan's ids.
pub(crate) async fn load_subscription_layers(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    subscription_id: Uuid,
    plan_id: Uuid,
) -> Result<LoadedEntitlements, StoreError> {
    let condition =
        entitlement::Column::PlanId.eq(plan_id).or(entitlement::Column::SubscriptionId.eq(subscription_id));
    let rows = entitlement_rows(connection, condition).await?;
    load(connection, organization_id, rows).await
}

/// [`load_subscription_layers`] again after a write to the subscription's entitlements: the
/// features in `known` (the ones loaded before the write, and the ones it named) are not read
/// again, only features the rows attach that are not among them. Two queries fewer per write.
pub(crate) async fn reload_subscription_layers(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    subscription_id: Uuid,
    plan_id: Uuid,
    known: HashMap<FeatureId, Feature>,
) -> Result<LoadedEntitlements, StoreError> {
    let condition =
        entitlement::Column::PlanId.eq(plan_id).or(entitlement::Column::SubscriptionId.eq(subscription_id));
    let rows = entitlement_rows(connection, condition).await?;
    load_knowing(connection, organization_id, rows, known).await
}

/// The entitlements of these plans and subscriptions: the layers of many subscriptions' merges,
/// in four queries per thousand plans and thousand subscriptions. Each id is given once.
pub(crate) async fn load_owner_entitlements(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    plan_ids: &[Uuid],
    subscription_ids: &[Uuid],
) -> Result<LoadedEntitlements, StoreError> {
    let mut plan_chunks = plan_ids.chunks(IN_LIST_CHUNK);
    let mut subscription_chunks = subscription_ids.chunks(IN_LIST_CHUNK);
    let mut rows = Vec::new();
    // Each owner's rows come from one query, in creation order, as the merge needs them.
    loop {
        let (plans, subscriptions) = match (plan_chunks.next(), subscription_chunks.next()) {
            (None, None) => break,
            (plans, subscriptions) => (plans.unwrap_or_default(), subscriptions.unwrap_or_default()),
        };
        let condition = entitlement::Column::PlanId
            .is_in(plans.iter().copied())
            .or(entitlement::Column::SubscriptionId.is_in(subscriptions.iter().copied()));
        rows.extend(entitlement_rows(connection, condition).await?);
    }
    load(connection, organization_id, rows).await
}

pub(crate) async fn entitlement_rows(
    connection: &impl ConnectionTrait,
    condition: SimpleExpr,
) -> Result<Vec<entitlement::Model>, StoreError> {
    Ok(entitlement::Entity::find()
        .filter(condition)
        .order_by_asc(entitlement::Column::CreatedAt)
        .order_by_asc(entitlement::Column::Id)
        .all(connection)
        .await?)
}

async fn load(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    rows: Vec<entitlement::Model>,
) -> Result<LoadedEntitlements, StoreError> {
    load_knowing(connection, organization_id, rows, HashMap::new()).await
}

/// [`load`], reading only the features that are not in `known`.
async fn load_knowing(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    rows: Vec<entitlement::Model>,
    known: HashMap<FeatureId, Feature>,
) -> Result<LoadedEntitlements, StoreError> {
    if rows.is_empty() {
        return Ok(LoadedEntitlements::default());
    }
    let mut feature_ids: Vec<Uuid> = rows
        .iter()
        .map(|row| row.entitlement_feature_id)
        .filter(|id| !known.contains_key(&FeatureId(*id)))
        .collect();
    feature_ids.sort_unstable();
    feature_ids.dedup();
    let mut features = known;
    if !feature_ids.is_empty() {
        features.extend(
            features_by_ids(connection, organization_id, &feature_ids)
                .await?
                .into_iter()
                .map(|feature| (feature.id, feature)),
        );
    }
    let entitlement_ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let values = in_chunks(&entitlement_ids, |chunk| {
        values_where(entitlement_value::Column::EntitlementEntitlementId.is_in(chunk.iter().copied()))
            .all(connection)
    })
    .await?;
    let by_owner = assemble(rows, values, &features)?;
    Ok(LoadedEntitlements { by_owner, features })
}

/// Every entitlement of the organization (its plans' and its subscriptions'), by owner, in two
/// queries whatever their number: what the in-memory view starts from. `features` holds the
/// organization's features (not deleted).
pub(crate) async fn load_organization_entitlements(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    features: &HashMap<FeatureId, Feature>,
) -> Result<HashMap<Uuid, Vec<StoredEntitlement>>, StoreError> {
    let rows =
        entitlement_rows(connection, entitlement::Column::OrganizationId.eq(organization_id.0)).await?;
    let values =
        values_where(entitlement_value::Column::OrganizationId.eq(organization_id.0)).all(connection).await?;
    assemble(rows, values, features)
}

/// Values in creation order, as the merge needs them.
fn values_where(condition: SimpleExpr) -> sea_orm::Select<entitlement_value::Entity> {
    entitlement_value::Entity::find()
        .filter(condition)
        .order_by_asc(entitlement_value::Column::CreatedAt)
        .order_by_asc(entitlement_value::Column::Id)
}

/// Entitlement rows (in creation order) with their values, by owner; entitlements of features
/// not in `features` and values of privileges no longer on their feature are left out.
fn assemble(
    rows: Vec<entitlement::Model>,
    values: Vec<entitlement_value::Model>,
    features: &HashMap<FeatureId, Feature>,
) -> Result<HashMap<Uuid, Vec<StoredEntitlement>>, StoreError> {
    let mut values_by_entitlement: HashMap<Uuid, Vec<entitlement_value::Model>> = HashMap::new();
    for value in values {
        values_by_entitlement.entry(value.entitlement_entitlement_id).or_default().push(value);
    }
    let mut by_owner: HashMap<Uuid, Vec<StoredEntitlement>> = HashMap::new();
    for row in rows {
        let (Some(owner_id), Some(feature)) =
            (row.plan_id.or(row.subscription_id), features.get(&FeatureId(row.entitlement_feature_id)))
        else {
            continue;
        };
        let values = values_by_entitlement
            .remove(&row.id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|value| stored_value(value, feature).transpose())
            .collect::<Result<_, _>>()?;
        by_owner.entry(owner_id).or_default().push(StoredEntitlement {
            id: EntitlementId(row.id),
            feature_id: feature.id,
            values,
            created_at: row.created_at,
        });
    }
    Ok(by_owner)
}

/// A value row of `feature`; `None` when its privilege is deleted.
fn stored_value(row: entitlement_value::Model, feature: &Feature) -> Result<Option<StoredValue>, StoreError> {
    let privilege_id = PrivilegeId(row.entitlement_privilege_id);
    let Some(privilege) = feature.privileges.iter().find(|privilege| privilege.id == privilege_id) else {
        return Ok(None);
    };
    let value = PrivilegeValue::from_stored(&row.value, &privilege.privilege_type)
        .ok_or_else(|| Error::Internal(format!("entitlement value {} does not fit its privilege", row.id)))?;
    Ok(Some(StoredValue { id: EntitlementValueId(row.id), privilege_id, value, created_at: row.created_at }))
}

/// Writes `changes` for `owner`: removals first, then new entitlements, then one upsert of every
/// value (keyed by entitlement and privilege, so an update keeps the value's row and creation
/// time).
pub(crate) async fn apply_changes(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    owner: EntitlementOwner,
    changes: &EntitlementChanges,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let removed_entitlements: Vec<Uuid> = changes.removed_entitlements.iter().map(|id| id.0).collect();
    delete_entitlements(connection, &removed_entitlements).await?;
    let removed_values: Vec<Uuid> = changes.removed_values.iter().map(|id| id.0).collect();
    for chunk in removed_values.chunks(IN_LIST_CHUNK) {
        entitlement_value::Entity::delete_many()
            .filter(entitlement_value::Column::Id.is_in(chunk.iter().copied()))
            .exec(connection)
            .await?;
    }
    if !changes.new_entitlements.is_empty() {
        let (plan_id, subscription_id) = match owner {
            EntitlementOwner::Plan(plan_id) => (Some(plan_id), None),
            EntitlementOwner::Subscription(subscription_id) => (None, Some(subscription_id)),
        };
        let rows = changes.new_entitlements.iter().map(|(id, feature_id)| entitlement::ActiveModel {
            id: Set(id.0),
            organization_id: Set(organization_id.0),
            entitlement_feature_id: Set(feature_id.0),
            plan_id: Set(plan_id),
            subscription_id: Set(subscription_id),
            created_at: Set(now),
            updated_at: Set(now),
        });
        entitlement::Entity::insert_many(rows).exec(connection).await?;
    }
    if !changes.written_values.is_empty() {
        let rows = changes.written_values.iter().map(|write| entitlement_value::ActiveModel {
            id: Set(EntitlementValueId::generate().0),
            organization_id: Set(organization_id.0),
            entitlement_entitlement_id: Set(write.entitlement_id.0),
            entitlement_privilege_id: Set(write.privilege_id.0),
            value: Set(write.value.to_stored()),
            created_at: Set(now),
            updated_at: Set(now),
        });
        entitlement_value::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    entitlement_value::Column::EntitlementEntitlementId,
                    entitlement_value::Column::EntitlementPrivilegeId,
                ])
                .update_columns([entitlement_value::Column::Value, entitlement_value::Column::UpdatedAt])
                .to_owned(),
            )
            .exec(connection)
            .await?;
    }
    Ok(())
}

/// Deletes entitlements with their values.
pub(crate) async fn delete_entitlements(
    connection: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<(), StoreError> {
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        entitlement_value::Entity::delete_many()
            .filter(entitlement_value::Column::EntitlementEntitlementId.is_in(chunk.iter().copied()))
            .exec(connection)
            .await?;
        entitlement::Entity::delete_many()
            .filter(entitlement::Column::Id.is_in(chunk.iter().copied()))
            .exec(connection)
            .await?;
    }
    Ok(())
}

/// Deletes every entitlement of an owner.
pub(crate) async fn delete_owner_entitlements(
    connection: &impl ConnectionTrait,
    owner: EntitlementOwner,
) -> Result<(), StoreError> {
    let rows = entitlement_rows(connection, owner_condition(owner)).await?;
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    delete_entitlements(connection, &ids).await
}

fn owner_condition(owner: EntitlementOwner) -> SimpleExpr {
    match owner {
        EntitlementOwner::Plan(plan_id) => entitlement::Column::PlanId.eq(plan_id),
        EntitlementOwner::Subscription(subscription_id) => {
            entitlement::Column::SubscriptionId.eq(subscription_id)
        }
    }
}

/// The owners of some entitlements.
#[derive(Debug, Default)]
pub(crate) struct EntitlementOwners {
    pub(crate) plans: Vec<Uuid>,
    pub(crate) subscriptions: Vec<Uuid>,
}

impl EntitlementOwners {
    pub(crate) fn of(rows: &[entitlement::Model]) -> Self {
        Self {
            plans: rows.iter().filter_map(|row| row.plan_id).collect(),
            subscriptions: rows.iter().filter_map(|row| row.subscription_id).collect(),
        }
    }
}
