//! `entitlements.v1.PlanService`: read the caller's organization (set by the authentication layer),
//! convert, let the store validate and write in one transaction, convert back.

use entitlements::v1 as pb;
use entitlements::v1::plan_service_server::PlanService;
use entitlements_store::Store;
use tonic::{Request, Response, Status};

use crate::auth::organization_of;
use crate::error_status::{status_from_error, status_in, within_input};

/// The request field that holds a plan to write.
const PLAN: &str = "plan";
use crate::found_before_invalid::found_before_invalid;
use crate::pagination::{page_request, pagination_meta};
use crate::plan_conversions::{plan_input_from_pb, plan_to_pb};

/// The PlanService implementation.
#[derive(Debug, Clone)]
pub struct PlanApi {
    store: Store,
}

impl PlanApi {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[tonic::async_trait]
impl PlanService for PlanApi {
    async fn create_plan(
        &self,
        request: Request<pb::CreatePlanRequest>,
    ) -> Result<Response<pb::CreatePlanResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::CreatePlanRequest { plan } = request.into_inner();
        let input = plan_input_from_pb(plan, None).map_err(status_in(PLAN))?;
        let plan = self.store.create_plan(organization_id, input).await.map_err(status_in(PLAN))?;
        Ok(Response::new(pb::CreatePlanResponse { plan: Some(plan_to_pb(plan)) }))
    }

    async fn get_plan(
        &self,
        request: Request<pb::GetPlanRequest>,
    ) -> Result<Response<pb::GetPlanResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::GetPlanRequest { code } = request.into_inner();
        let plan = self.store.plan(organization_id, &code).await.map_err(status_from_error)?;
        Ok(Response::new(pb::GetPlanResponse { plan: Some(plan_to_pb(plan)) }))
    }

    async fn list_plans(
        &self,
        request: Request<pb::ListPlansRequest>,
    ) -> Result<Response<pb::ListPlansResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::ListPlansRequest { page, per_page } = request.into_inner();
        let page_request = page_request(page, per_page)?;
        let page = self.store.list_plans(organization_id, page_request).await.map_err(status_from_error)?;
        Ok(Response::new(pb::ListPlansResponse {
            meta: Some(pagination_meta(page_request, page.total_count)),
            plans: page.items.into_iter().map(plan_to_pb).collect(),
        }))
    }

    async fn update_plan(
        &self,
        request: Request<pb::UpdatePlanRequest>,
    ) -> Result<Response<pb::UpdatePlanResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::UpdatePlanRequest { code, plan, update_mask } = request.into_inner();
        let input = found_before_invalid(
            plan_input_from_pb(plan, update_mask).map_err(|error| within_input(error, PLAN)),
            self.store.plan(organization_id, &code),
        )
        .await?;
        let plan = self.store.update_plan(organization_id, &code, input).await.map_err(status_in(PLAN))?;
        Ok(Response::new(pb::UpdatePlanResponse { plan: Some(plan_to_pb(plan)) }))
    }

    async fn delete_plan(
        &self,
        request: Request<pb::DeletePlanRequest>,
    ) -> Result<Response<pb::DeletePlanResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::DeletePlanRequest { code } = request.into_inner();
        let plan = self.store.delete_plan(organization_id, &code).await.map_err(status_from_error)?;
        Ok(Response::new(pb::DeletePlanResponse { plan: Some(plan_to_pb(plan)) }))
    }
}
