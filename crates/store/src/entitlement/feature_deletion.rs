//! Deleting a feature or one of its privileges, with what goes with it: the feature's
//! entitlements on every plan and subscription, the privilege's values, and overrides left with
//! no value on a plan feature. Here rather than in `feature`, because entitlements depend on
//! features and not the other way round.

use std::collections::{HashMap, HashSet};

use entitlements_domain::{
    Error, Feature, FeatureId, OrganizationId, PrivilegeId, Resource, override_is_kept,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Store;
use crate::change_log::ChangeEventType;
use crate::change_log::touched::{plans_updated, subscriptions_updated};
use crate::db::IN_LIST_CHUNK;
use crate::db::error::StoreError;
use crate::db::soft_delete::soft_delete;
use crate::entitlement::rows::{EntitlementOwners, delete_entitlements, entitlement_rows};
use crate::entity::entitlement;
use crate::entity::entitlement_value;
use crate::entity::feature;
use crate::entity::privilege;
use crate::entity::subscription;
use crate::feature::{feature_change, load_feature, plans_with_feature};

impl Store {
    /// Soft-deletes the feature and its privileges, freeing the code, and removes it from every
    /// plan and subscription. Returns the feature as it was, privileges included.
    ///
    /// # Errors
    /// `NotFound(Feature)`.
    pub async fn delete_feature(
        &self,
        organization_id: OrganizationId,
        code: &str,
    ) -> Result<Feature, StoreError> {
        let transaction = self.begin_write().await?;
        let deleted = load_feature(&transaction, organization_id, code, true).await?;
        let now = self.now();
        // Lago's order: `plan.updated` for each plan that had the feature, then `feature.deleted`;
        // then `subscription.updated` for each subscription whose overrides went with it.
        let owners = delete_feature_entitlements(&transaction, deleted.id).await?;
        let mut changes = plans_updated(&transaction, owners.plans).await?;
        changes.push(feature_change(ChangeEventType::FeatureDeleted, &deleted));
        changes.extend(subscriptions_updated(&transaction, owners.subscriptions).await?);
        privilege::Entity::update_many()
            .col_expr(privilege::Column::DeletedAt, Expr::value(now))
            .filter(privilege::Column::EntitlementFeatureId.eq(deleted.id.0))
            .filter(privilege::Column::DeletedAt.is_null())
            .exec(&transaction)
            .await?;
        soft_delete::<feature::Entity>(&transaction, deleted.id.0, now).await?;
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(deleted)
    }

    /// Soft-deletes one privilege of a feature and every value granted for it. Returns the
    /// feature without it.
    ///
    /// # Errors
    /// `NotFound(Feature)`, then `NotFound(Privilege)`.
    pub async fn delete_feature_privilege(
        &self,
        organization_id: OrganizationId,
        feature_code: &str,
        privilege_code: &str,
    ) -> Result<Feature, StoreError> {
        let transaction = self.begin_write().await?;
        let mut current = load_feature(&transaction, organization_id, feature_code, true).await?;
        let position = current
            .privileges
            .iter()
            .position(|privilege| privilege.code.as_str() == privilege_code)
            .ok_or(Error::not_found(Resource::Privilege, privilege_code))?;
        let removed = current.privileges.remove(position);
        let now = self.now();
        soft_delete::<privilege::Entity>(&transaction, removed.id.0, now).await?;
        let overridden = delete_privilege_values(&transaction, current.id, removed.id).await?;
        // Lago's order: `plan.updated` for each plan granting the feature, then `feature.updated`.
        let mut changes =
            plans_updated(&transaction, plans_with_feature(&transaction, current.id).await?).await?;
        changes.push(feature_change(ChangeEventType::FeatureUpdated, &current));
        changes.extend(subscriptions_updated(&transaction, overridden).await?);
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(current)
    }
}

/// Deletes every entitlement of a feature (on plans and subscriptions); answers their owners.
pub(crate) async fn delete_feature_entitlements(
    connection: &impl ConnectionTrait,
    feature_id: FeatureId,
) -> Result<EntitlementOwners, StoreError> {
    let rows =
        entitlement_rows(connection, entitlement::Column::EntitlementFeatureId.eq(feature_id.0)).await?;
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    delete_entitlements(connection, &ids).await?;
    Ok(EntitlementOwners::of(&rows))
}

/// Deletes every value of a privilege; answers the subscriptions that had one (an override). An
/// override of a plan feature left with no value means nothing, so it goes too: an empty override
/// row would otherwise keep the feature for the subscription once the plan drops it.
pub(crate) async fn delete_privilege_values(
    connection: &impl ConnectionTrait,
    feature_id: FeatureId,
    privilege_id: PrivilegeId,
) -> Result<Vec<Uuid>, StoreError> {
    let values = entitlement_value::Entity::find()
        .filter(entitlement_value::Column::EntitlementPrivilegeId.eq(privilege_id.0))
        .all(connection)
        .await?;
    let entitlement_ids: Vec<Uuid> = values.iter().map(|value| value.entitlement_entitlement_id).collect();
    let mut overrides = Vec::new();
    for chunk in entitlement_ids.chunks(IN_LIST_CHUNK) {
        let condition = entitlement::Column::Id
            .is_in(chunk.iter().copied())
            .and(entitlement::Column::SubscriptionId.is_not_null());
        overrides.extend(entitlement_rows(connection, condition).await?);
    }
    entitlement_value::Entity::delete_many()
        .filter(entitlement_value::Column::EntitlementPrivilegeId.eq(privilege_id.0))
        .exec(connection)
        .await?;
    delete_emptied_overrides(connection, feature_id, &overrides).await?;
    Ok(EntitlementOwners::of(&overrides).subscriptions)
}

/// Deletes those of `overrides` (entitlements of subscriptions, on `feature_id`) that have no
/// value left and whose subscription's plan grants the feature.
async fn delete_emptied_overrides(
    connection: &impl ConnectionTrait,
    feature_id: FeatureId,
    overrides: &[entitlement::Model],
) -> Result<(), StoreError> {
    let mut emptied = Vec::new();
    for chunk in overrides.chunks(IN_LIST_CHUNK) {
        let ids = chunk.iter().map(|row| row.id);
        let kept: HashSet<Uuid> = entitlement_value::Entity::find()
            .filter(entitlement_value::Column::EntitlementEntitlementId.is_in(ids))
            .all(connection)
            .await?
            .into_iter()
            .map(|value| value.entitlement_entitlement_id)
            .collect();
        emptied.extend(chunk.iter().filter(|row| !kept.contains(&row.id)));
    }
    let subscription_ids: Vec<Uuid> = emptied.iter().filter_map(|row| row.subscription_id).collect();
    let mut plan_of: HashMap<Uuid, Uuid> = HashMap::new();
    for chunk in subscription_ids.chunks(IN_LIST_CHUNK) {
        let rows = subscription::Entity::find()
            .filter(subscription::Column::Id.is_in(chunk.iter().copied()))
            .all(connection)
            .await?;
        plan_of.extend(rows.into_iter().map(|row| (row.id, row.plan_id)));
    }
    let plan_ids: Vec<Uuid> = plan_of.values().copied().collect();
    let mut granting = HashSet::new();
    for chunk in plan_ids.chunks(IN_LIST_CHUNK) {
        let condition = entitlement::Column::EntitlementFeatureId
            .eq(feature_id.0)
            .and(entitlement::Column::PlanId.is_in(chunk.iter().copied()));
        granting
            .extend(entitlement_rows(connection, condition).await?.into_iter().filter_map(|row| row.plan_id));
    }
    let meaningless: Vec<Uuid> = emptied
        .iter()
        .filter(|row| {
            let plan_grants_feature = row
                .subscription_id
                .and_then(|id| plan_of.get(&id))
                .is_some_and(|plan_id| granting.contains(plan_id));
            !override_is_kept(false, plan_grants_feature)
        })
        .map(|row| row.id)
        .collect();
    delete_entitlements(connection, &meaningless).await
}
