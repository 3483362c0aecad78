//! Plan entitlements: the features a plan grants, with privilege values. Each write locks the
//! plan row first, so concurrent writes to one plan apply one after the other (none is lost, and
//! a replace racing a merge ends as one of the two serial outcomes), and records `plan.updated`.

use entitlements_domain::{
    EntitlementChanges, EntitlementInput, EntitlementsWrite, Error, OrganizationId, PlanEntitlement,
    Resource, StoredEntitlement, plan_entitlement_changes,
};
use sea_orm::ConnectionTrait;

use crate::Store;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::db::error::StoreError;
use crate::entitlement::rows::{
    EntitlementOwner, LoadedEntitlements, apply_changes, delete_entitlements, load_plan_entitlements,
};
use crate::entity::plan;
use crate::feature::features_by_codes_for_share;
use crate::plan::find_plan_row;

impl Store {
    /// The plan's entitlements, in creation order.
    ///
    /// # Errors
    /// NOT_FOUND `plan_not_found`.
    pub async fn plan_entitlements(
        &self,
        organization_id: OrganizationId,
        plan_code: &str,
    ) -> Result<Vec<PlanEntitlement>, StoreError> {
        let plan = find_plan_row(self.connection(), organization_id, plan_code, false).await?;
        Ok(load_plan_entitlements(self.connection(), organization_id, &[plan.id]).await?.plan_views(plan.id))
    }

    /// The plan's entitlement of one feature.
    ///
    /// # Errors
    /// NOT_FOUND `plan_not_found`, then `entitlement_not_found` when the plan does not attach the
    /// feature (or the feature does not exist).
    pub async fn plan_entitlement(
        &self,
        organization_id: OrganizationId,
        plan_code: &str,
        feature_code: &str,
    ) -> Result<PlanEntitlement, StoreError> {
        self.plan_entitlements(organization_id, plan_code)
            .await?
            .into_iter()
            .find(|entitlement| entitlement.feature_code.as_str() == feature_code)
            .ok_or_else(|| Error::not_found(Resource::Entitlement, feature_code).into())
    }

    /// Replaces (POST) or merges into (PATCH) the plan's entitlements; answers them all.
    ///
    /// # Errors
    /// NOT_FOUND `plan_not_found`; then, for the first failing input in order, NOT_FOUND
    /// `feature_not_found` or `privilege_not_found`, or the value's validation errors.
    pub async fn write_plan_entitlements(
        &self,
        organization_id: OrganizationId,
        plan_code: &str,
        inputs: Vec<EntitlementInput>,
        write: EntitlementsWrite,
    ) -> Result<Vec<PlanEntitlement>, StoreError> {
        let transaction = self.begin_write().await?;
        let plan = find_plan_row(&transaction, organization_id, plan_code, true).await?;
        let current = load_plan_entitlements(&transaction, organization_id, &[plan.id]).await?;
        let codes: Vec<String> = inputs.iter().map(|input| input.feature_code.clone()).collect();
        let features = features_by_codes_for_share(&transaction, organization_id, &codes).await?;
        let changes = plan_entitlement_changes(current.stored(plan.id), &inputs, &features, write)?;
        apply_changes(&transaction, organization_id, EntitlementOwner::Plan(plan.id), &changes, self.now())
            .await?;
        let written = load_plan_entitlements(&transaction, organization_id, &[plan.id]).await?;
        self.commit_with_changes(transaction, organization_id, vec![plan_updated(&plan)]).await?;
        Ok(written.plan_views(plan.id))
    }

    /// Removes a feature from the plan; answers the entitlement as it was.
    ///
    /// # Errors
    /// NOT_FOUND `plan_not_found`, then `entitlement_not_found`.
    pub async fn delete_plan_entitlement(
        &self,
        organization_id: OrganizationId,
        plan_code: &str,
        feature_code: &str,
    ) -> Result<PlanEntitlement, StoreError> {
        let transaction = self.begin_write().await?;
        let (plan, current) = locked_plan_entitlements(&transaction, organization_id, plan_code).await?;
        let (stored, view) = entitlement_of(&current, plan.id, feature_code)?;
        delete_entitlements(&transaction, &[stored.id.0]).await?;
        self.commit_with_changes(transaction, organization_id, vec![plan_updated(&plan)]).await?;
        Ok(view)
    }

    /// Removes one privilege's value from a plan entitlement (the entitlement stays, even with no
    /// value left); answers the entitlement without it.
    ///
    /// # Errors
    /// NOT_FOUND `plan_not_found`, then `entitlement_not_found`, then `privilege_not_found` when
    /// the plan gives the privilege no value.
    pub async fn delete_plan_entitlement_privilege(
        &self,
        organization_id: OrganizationId,
        plan_code: &str,
        feature_code: &str,
        privilege_code: &str,
    ) -> Result<PlanEntitlement, StoreError> {
        let transaction = self.begin_write().await?;
        let (plan, current) = locked_plan_entitlements(&transaction, organization_id, plan_code).await?;
        let (stored, mut view) = entitlement_of(&current, plan.id, feature_code)?;
        let position = view
            .privileges
            .iter()
            .position(|granted| granted.privilege.code.as_str() == privilege_code)
            .ok_or(Error::not_found(Resource::Privilege, privilege_code))?;
        let removed = view.privileges.remove(position);
        let value_id = stored
            .values
            .iter()
            .find(|value| value.privilege_id == removed.privilege.id)
            .map(|value| value.id)
            .ok_or_else(|| Error::Internal("a listed value has no row".to_owned()))?;
        let changes = EntitlementChanges { removed_values: vec![value_id], ..Default::default() };
        apply_changes(&transaction, organization_id, EntitlementOwner::Plan(plan.id), &changes, self.now())
            .await?;
        self.commit_with_changes(transaction, organization_id, vec![plan_updated(&plan)]).await?;
        Ok(view)
    }
}

/// The plan (locked for the write) and its entitlements.
async fn locked_plan_entitlements(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    plan_code: &str,
) -> Result<(plan::Model, LoadedEntitlements), StoreError> {
    let plan = find_plan_row(connection, organization_id, plan_code, true).await?;
    let entitlements = load_plan_entitlements(connection, organization_id, &[plan.id]).await?;
    Ok((plan, entitlements))
}

/// The plan's stored entitlement of the feature with this code, and its view.
fn entitlement_of(
    loaded: &LoadedEntitlements,
    plan_id: uuid::Uuid,
    feature_code: &str,
) -> Result<(StoredEntitlement, PlanEntitlement), StoreError> {
    loaded
        .stored(plan_id)
        .iter()
        .find_map(|stored| {
            let feature = loaded.features().get(&stored.feature_id)?;
            (feature.code.as_str() == feature_code)
                .then(|| (stored.clone(), PlanEntitlement::new(stored, feature)))
        })
        .ok_or_else(|| Error::not_found(Resource::Entitlement, feature_code).into())
}

fn plan_updated(plan: &plan::Model) -> PendingChange {
    PendingChange {
        event_type: ChangeEventType::PlanUpdated,
        object_id: plan.id,
        object_code: plan.code.clone(),
    }
}
