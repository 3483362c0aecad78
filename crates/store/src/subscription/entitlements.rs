//! Subscription entitlements: the effective view of one subscription, overrides written by a
//! partial update, and removals of plan features and privileges. Each write locks the
//! subscription row first, so concurrent writes to one subscription apply one after the other
//! and none is lost, and records `subscription.updated`.

use entitlements_domain::{
    EntitlementInput, Error, Feature, OrganizationId, Resource, SubscriptionEntitlement,
    SubscriptionEntitlementChanges, SubscriptionSelector, feature_removal_changes, override_changes,
    privilege_of, privilege_removal_changes,
};
use sea_orm::DatabaseTransaction;

use crate::Store;
use crate::change_log::ChangeEventType;
use crate::change_log::subscription_events::subscription_change;
use crate::db::error::StoreError;
use crate::entitlement::subscription_rows::{SubscriptionRows, apply_subscription_changes};
use crate::feature::features_by_codes_for_share;
use crate::subscription::lookup::{SubscriptionTarget, find_subscription_for_entitlements};

impl Store {
    /// What the subscription is entitled to.
    ///
    /// # Errors
    /// NOT_FOUND `subscription_not_found`.
    pub async fn subscription_entitlements(
        &self,
        organization_id: OrganizationId,
        subscription: &SubscriptionSelector,
    ) -> Result<Vec<SubscriptionEntitlement>, StoreError> {
        let target = find_subscription_for_entitlements(
            self.connection(),
            organization_id,
            subscription,
            self.now(),
            false,
        )
        .await?;
        Ok(SubscriptionRows::load(self.connection(), organization_id, target.id, target.plan_id)
            .await?
            .effective())
    }

    /// Sets overrides (Lago's PATCH): values equal to the plan's are not stored, and naming a
    /// removed feature or privilege restores it. Answers the subscription's entitlements.
    ///
    /// # Errors
    /// NOT_FOUND `subscription_not_found`, then `feature_not_found` for any unknown feature, then
    /// for the first failing value in order, NOT_FOUND `privilege_not_found` or its validation
    /// errors. Nothing is changed on error.
    pub async fn update_subscription_entitlements(
        &self,
        organization_id: OrganizationId,
        subscription: &SubscriptionSelector,
        inputs: Vec<EntitlementInput>,
    ) -> Result<Vec<SubscriptionEntitlement>, StoreError> {
        let (transaction, target, rows) = self.locked_rows(organization_id, subscription).await?;
        let codes: Vec<String> = inputs.iter().map(|input| input.feature_code.clone()).collect();
        let features = features_by_codes_for_share(&transaction, organization_id, &codes).await?;
        let changes = override_changes(rows.layers(), &inputs, &features)?;
        self.finish_write(transaction, organization_id, &target, rows, features, &changes).await
    }

    /// Removes a feature from the subscription: its overrides go, and a plan feature is hidden
    /// until a later update names it again. Answers the subscription's entitlements.
    ///
    /// # Errors
    /// NOT_FOUND `subscription_not_found`, then `feature_not_found`.
    pub async fn remove_subscription_feature(
        &self,
        organization_id: OrganizationId,
        subscription: &SubscriptionSelector,
        feature_code: &str,
    ) -> Result<Vec<SubscriptionEntitlement>, StoreError> {
        let (transaction, target, rows) = self.locked_rows(organization_id, subscription).await?;
        let feature = feature_named(&transaction, organization_id, feature_code).await?;
        let changes = feature_removal_changes(rows.layers(), &feature);
        self.finish_write(transaction, organization_id, &target, rows, vec![feature], &changes).await
    }

    /// Removes one privilege from the subscription: its override goes, and a plan value is
    /// hidden until a later update names it again. Answers the subscription's entitlements.
    ///
    /// # Errors
    /// NOT_FOUND `subscription_not_found`, then `feature_not_found`, then `privilege_not_found`.
    pub async fn remove_subscription_privilege(
        &self,
        organization_id: OrganizationId,
        subscription: &SubscriptionSelector,
        feature_code: &str,
        privilege_code: &str,
    ) -> Result<Vec<SubscriptionEntitlement>, StoreError> {
        let (transaction, target, rows) = self.locked_rows(organization_id, subscription).await?;
        let feature = feature_named(&transaction, organization_id, feature_code).await?;
        let privilege = privilege_of(&feature, privilege_code)?;
        let changes = privilege_removal_changes(rows.layers(), &feature, privilege);
        self.finish_write(transaction, organization_id, &target, rows, vec![feature], &changes).await
    }

    /// Opens the write: the subscription, locked, and its entitlement rows.
    async fn locked_rows(
        &self,
        organization_id: OrganizationId,
        subscription: &SubscriptionSelector,
    ) -> Result<(DatabaseTransaction, SubscriptionTarget, SubscriptionRows), StoreError> {
        let transaction = self.begin_write().await?;
        let target =
            find_subscription_for_entitlements(&transaction, organization_id, subscription, self.now(), true)
                .await?;
        let rows = SubscriptionRows::load(&transaction, organization_id, target.id, target.plan_id).await?;
        Ok((transaction, target, rows))
    }

    /// Applies the changes, reads the result back (the changed rows; the features `named` and
    /// those of `before` are not read again) and commits with `subscription.updated` (Lago sends
    /// it for every successful write, even one that changes nothing).
    async fn finish_write(
        &self,
        transaction: DatabaseTransaction,
        organization_id: OrganizationId,
        target: &SubscriptionTarget,
        before: SubscriptionRows,
        named: Vec<Feature>,
        changes: &SubscriptionEntitlementChanges,
    ) -> Result<Vec<SubscriptionEntitlement>, StoreError> {
        apply_subscription_changes(&transaction, organization_id, target.id, changes, self.now()).await?;
        let removals_changed = !changes.deleted_removals.is_empty() || !changes.new_removals.is_empty();
        let after = before.reload(&transaction, organization_id, named, removals_changed).await?;
        let change =
            subscription_change(ChangeEventType::SubscriptionUpdated, target.id.0, &target.external_id);
        self.commit_with_changes(transaction, organization_id, vec![change]).await?;
        Ok(after.effective())
    }
}

/// The organization's feature with exactly this code, locked against deletion.
async fn feature_named(
    transaction: &DatabaseTransaction,
    organization_id: OrganizationId,
    code: &str,
) -> Result<Feature, StoreError> {
    features_by_codes_for_share(transaction, organization_id, &[code.to_owned()])
        .await?
        .pop()
        .ok_or_else(|| Error::not_found(Resource::Feature, code).into())
}
