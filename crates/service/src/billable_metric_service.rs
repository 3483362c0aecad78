//! `entitlements.v1.BillableMetricService`: read the caller's organization (set by the
//! authentication layer), convert, call the store (which validates inside its transaction, where
//! code uniqueness is decided), convert back.

use entitlements::v1 as pb;
use entitlements::v1::billable_metric_service_server::BillableMetricService;
use entitlements_store::Store;
use tonic::{Request, Response, Status};

use crate::auth::organization_of;
use crate::billable_metric_conversions::{billable_metric_to_pb, create_input, update_input};
use crate::error_status::{status_from_error, status_in};

/// The request field that holds a billable metric to write.
const BILLABLE_METRIC: &str = "billable_metric";
use crate::pagination::{page_request, pagination_meta};

/// The BillableMetricService implementation.
#[derive(Debug, Clone)]
pub struct BillableMetricApi {
    store: Store,
}

impl BillableMetricApi {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[tonic::async_trait]
impl BillableMetricService for BillableMetricApi {
    async fn create_billable_metric(
        &self,
        request: Request<pb::CreateBillableMetricRequest>,
    ) -> Result<Response<pb::CreateBillableMetricResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let input = create_input(request.into_inner()).map_err(status_in(BILLABLE_METRIC))?;
        let metric = self
            .store
            .create_billable_metric(organization_id, input)
            .await
            .map_err(status_in(BILLABLE_METRIC))?;
        Ok(Response::new(pb::CreateBillableMetricResponse {
            billable_metric: Some(billable_metric_to_pb(&metric)),
        }))
    }

    async fn get_billable_metric(
        &self,
        request: Request<pb::GetBillableMetricRequest>,
    ) -> Result<Response<pb::GetBillableMetricResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::GetBillableMetricRequest { code } = request.into_inner();
        let metric = self.store.billable_metric(organization_id, &code).await.map_err(status_from_error)?;
        Ok(Response::new(pb::GetBillableMetricResponse {
            billable_metric: Some(billable_metric_to_pb(&metric)),
        }))
    }

    async fn list_billable_metrics(
        &self,
        request: Request<pb::ListBillableMetricsRequest>,
    ) -> Result<Response<pb::ListBillableMetricsResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::ListBillableMetricsRequest { page, per_page } = request.into_inner();
        let page_request = page_request(page, per_page)?;
        let page = self
            .store
            .list_billable_metrics(organization_id, page_request)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::ListBillableMetricsResponse {
            meta: Some(pagination_meta(page_request, page.total_count)),
            billable_metrics: page.items.iter().map(billable_metric_to_pb).collect(),
        }))
    }

    async fn update_billable_metric(
        &self,
        request: Request<pb::UpdateBillableMetricRequest>,
    ) -> Result<Response<pb::UpdateBillableMetricResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::UpdateBillableMetricRequest { code, billable_metric, update_mask } = request.into_inner();
        // Lago reads the body before it reports an unknown metric: a missing body is a 400 first.
        let update = update_input(billable_metric, update_mask).map_err(status_in(BILLABLE_METRIC))?;
        let metric = self
            .store
            .update_billable_metric(organization_id, &code, update)
            .await
            .map_err(status_in(BILLABLE_METRIC))?;
        Ok(Response::new(pb::UpdateBillableMetricResponse {
            billable_metric: Some(billable_metric_to_pb(&metric)),
        }))
    }

    async fn delete_billable_metric(
        &self,
        request: Request<pb::DeleteBillableMetricRequest>,
    ) -> Result<Response<pb::DeleteBillableMetricResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::DeleteBillableMetricRequest { code } = request.into_inner();
        let metric =
            self.store.delete_billable_metric(organization_id, &code).await.map_err(status_from_error)?;
        Ok(Response::new(pb::DeleteBillableMetricResponse {
            billable_metric: Some(billable_metric_to_pb(&metric)),
        }))
    }
}
