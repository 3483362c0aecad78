//! `entitlements.v1.EntitlementService`: read the caller's organization (set by the authentication
//! layer), convert, let the domain decide and the store write in one transaction, convert back.

use entitlements::v1 as pb;
use entitlements::v1::entitlement_service_server::EntitlementService;
use entitlements_domain::{
    EntitlementsWrite, PlanEntitlement, SubscriptionEntitlement, SubscriptionSelector,
};
use entitlements_engine::EntitlementsView;
use entitlements_store::Store;
use tonic::{Request, Response, Status};

use crate::auth::organization_of;
use crate::entitlement_conversions::{
    entitlement_inputs_from_pb, plan_entitlement_to_pb, subscription_entitlement_to_pb,
};
use crate::error_status::status_from_error;
use crate::min_revision::{RequestedRevision, RevisionWait};
use crate::subscription_conversions::status_from_pb;

/// The EntitlementService implementation: writes go to the store; a subscription's effective
/// entitlements are read from the in-memory view.
#[derive(Debug, Clone)]
pub struct EntitlementApi {
    store: Store,
    view: EntitlementsView,
    revision_wait: RevisionWait,
}

impl EntitlementApi {
    pub fn new(view: EntitlementsView, revision_wait: RevisionWait) -> Self {
        Self { store: view.store().clone(), view, revision_wait }
    }

    async fn write_plan_entitlements(
        &self,
        organization_id: entitlements_domain::OrganizationId,
        plan_code: &str,
        inputs: Vec<pb::EntitlementInput>,
        write: EntitlementsWrite,
    ) -> Result<Vec<pb::PlanEntitlement>, Status> {
        let inputs = entitlement_inputs_from_pb(inputs);
        let entitlements = self
            .store
            .write_plan_entitlements(organization_id, plan_code, inputs, write)
            .await
            .map_err(status_from_error)?;
        Ok(plan_entitlements_to_pb(entitlements))
    }
}

fn plan_entitlements_to_pb(entitlements: Vec<PlanEntitlement>) -> Vec<pb::PlanEntitlement> {
    entitlements.into_iter().map(plan_entitlement_to_pb).collect()
}

fn subscription_entitlements_to_pb(
    entitlements: Vec<SubscriptionEntitlement>,
) -> Vec<pb::SubscriptionEntitlement> {
    entitlements.into_iter().map(subscription_entitlement_to_pb).collect()
}

#[tonic::async_trait]
impl EntitlementService for EntitlementApi {
    async fn replace_plan_entitlements(
        &self,
        request: Request<pb::ReplacePlanEntitlementsRequest>,
    ) -> Result<Response<pb::ReplacePlanEntitlementsResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::ReplacePlanEntitlementsRequest { plan_code, entitlements } = request.into_inner();
        let entitlements = self
            .write_plan_entitlements(organization_id, &plan_code, entitlements, EntitlementsWrite::Replace)
            .await?;
        Ok(Response::new(pb::ReplacePlanEntitlementsResponse { entitlements }))
    }

    async fn update_plan_entitlements(
        &self,
        request: Request<pb::UpdatePlanEntitlementsRequest>,
    ) -> Result<Response<pb::UpdatePlanEntitlementsResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::UpdatePlanEntitlementsRequest { plan_code, entitlements } = request.into_inner();
        let entitlements = self
            .write_plan_entitlements(organization_id, &plan_code, entitlements, EntitlementsWrite::Merge)
            .await?;
        Ok(Response::new(pb::UpdatePlanEntitlementsResponse { entitlements }))
    }

    async fn list_plan_entitlements(
        &self,
        request: Request<pb::ListPlanEntitlementsRequest>,
    ) -> Result<Response<pb::ListPlanEntitlementsResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::ListPlanEntitlementsRequest { plan_code } = request.into_inner();
        let entitlements =
            self.store.plan_entitlements(organization_id, &plan_code).await.map_err(status_from_error)?;
        Ok(Response::new(pb::ListPlanEntitlementsResponse {
            entitlements: plan_entitlements_to_pb(entitlements),
        }))
    }

    async fn get_plan_entitlement(
        &self,
        request: Request<pb::GetPlanEntitlementRequest>,
    ) -> Result<Response<pb::GetPlanEntitlementResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::GetPlanEntitlementRequest { plan_code, feature_code } = request.into_inner();
        let entitlement = self
            .store
            .plan_entitlement(organization_id, &plan_code, &feature_code)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::GetPlanEntitlementResponse {
            entitlement: Some(plan_entitlement_to_pb(entitlement)),
        }))
    }

    async fn delete_plan_entitlement(
        &self,
        request: Request<pb::DeletePlanEntitlementRequest>,
    ) -> Result<Response<pb::DeletePlanEntitlementResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::DeletePlanEntitlementRequest { plan_code, feature_code } = request.into_inner();
        let entitlement = self
            .store
            .delete_plan_entitlement(organization_id, &plan_code, &feature_code)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::DeletePlanEntitlementResponse {
            entitlement: Some(plan_entitlement_to_pb(entitlement)),
        }))
    }

    async fn delete_plan_entitlement_privilege(
        &self,
        request: Request<pb::DeletePlanEntitlementPrivilegeRequest>,
    ) -> Result<Response<pb::DeletePlanEntitlementPrivilegeResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::DeletePlanEntitlementPrivilegeRequest { plan_code, feature_code, privilege_code } =
            request.into_inner();
        let entitlement = self
            .store
            .delete_plan_entitlement_privilege(organization_id, &plan_code, &feature_code, &privilege_code)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::DeletePlanEntitlementPrivilegeResponse {
            entitlement: Some(plan_entitlement_to_pb(entitlement)),
        }))
    }

    async fn list_subscription_entitlements(
        &self,
        request: Request<pb::ListSubscriptionEntitlementsRequest>,
    ) -> Result<Response<pb::ListSubscriptionEntitlementsResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let requested = RequestedRevision::of(&request);
        let pb::ListSubscriptionEntitlementsRequest { subscription_external_id, subscription_status } =
            request.into_inner();
        let selector =
            SubscriptionSelector::new(subscription_external_id, status_from_pb(subscription_status));
        let entitlements = self
            .view
            .subscription_entitlements(organization_id, &selector, requested.read_at(0, self.revision_wait))
            .await
            .map_err(|error| self.revision_wait.status(error))?;
        Ok(Response::new(pb::ListSubscriptionEntitlementsResponse {
            entitlements: subscription_entitlements_to_pb(entitlements),
        }))
    }

    async fn update_subscription_entitlements(
        &self,
        request: Request<pb::UpdateSubscriptionEntitlementsRequest>,
    ) -> Result<Response<pb::UpdateSubscriptionEntitlementsResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::UpdateSubscriptionEntitlementsRequest {
            subscription_external_id,
            subscription_status,
            entitlements,
        } = request.into_inner();
        let inputs = entitlement_inputs_from_pb(entitlements);
        let entitlements = self
            .store
            .update_subscription_entitlements(
                organization_id,
                &SubscriptionSelector::new(subscription_external_id, status_from_pb(subscription_status)),
                inputs,
            )
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::UpdateSubscriptionEntitlementsResponse {
            entitlements: subscription_entitlements_to_pb(entitlements),
        }))
    }

    async fn remove_subscription_feature(
        &self,
        request: Request<pb::RemoveSubscriptionFeatureRequest>,
    ) -> Result<Response<pb::RemoveSubscriptionFeatureResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::RemoveSubscriptionFeatureRequest {
            subscription_external_id,
            subscription_status,
            feature_code,
        } = request.into_inner();
        let entitlements = self
            .store
            .remove_subscription_feature(
                organization_id,
                &SubscriptionSelector::new(subscription_external_id, status_from_pb(subscription_status)),
                &feature_code,
            )
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::RemoveSubscriptionFeatureResponse {
            entitlements: subscription_entitlements_to_pb(entitlements),
        }))
    }

    async fn remove_subscription_privilege(
        &self,
        request: Request<pb::RemoveSubscriptionPrivilegeRequest>,
    ) -> Result<Response<pb::RemoveSubscriptionPrivilegeResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::RemoveSubscriptionPrivilegeRequest {
            subscription_external_id,
            subscription_status,
            feature_code,
            privilege_code,
        } = request.into_inner();
        let entitlements = self
            .store
            .remove_subscription_privilege(
                organization_id,
                &SubscriptionSelector::new(subscription_external_id, status_from_pb(subscription_status)),
                &feature_code,
                &privilege_code,
            )
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::RemoveSubscriptionPrivilegeResponse {
            entitlements: subscription_entitlements_to_pb(entitlements),
        }))
    }
}
