//! `entitlements.v1.CustomerService`: read the caller's organization (set by the authentication
//! layer), convert, let the domain and the store validate and write in one transaction, convert
//! back.

use entitlements::v1 as pb;
use entitlements::v1::customer_service_server::CustomerService;
use entitlements_store::Store;
use tonic::{Request, Response, Status};

use crate::auth::organization_of;
use crate::customer_conversions::{customer_input_from_pb, customer_to_pb, list_filters_from_pb};
use crate::error_status::{status_from_error, status_in};

/// The request field that holds a customer to write.
const CUSTOMER: &str = "customer";
use crate::pagination::{page_request, pagination_meta};

/// The CustomerService implementation.
#[derive(Debug, Clone)]
pub struct CustomerApi {
    store: Store,
}

impl CustomerApi {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[tonic::async_trait]
impl CustomerService for CustomerApi {
    async fn upsert_customer(
        &self,
        request: Request<pb::UpsertCustomerRequest>,
    ) -> Result<Response<pb::UpsertCustomerResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::UpsertCustomerRequest { customer, update_mask } = request.into_inner();
        let input = customer_input_from_pb(customer, update_mask).map_err(status_in(CUSTOMER))?;
        let customer =
            self.store.upsert_customer(organization_id, input).await.map_err(status_in(CUSTOMER))?;
        Ok(Response::new(pb::UpsertCustomerResponse { customer: Some(customer_to_pb(customer)) }))
    }

    async fn get_customer(
        &self,
        request: Request<pb::GetCustomerRequest>,
    ) -> Result<Response<pb::GetCustomerResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::GetCustomerRequest { external_id } = request.into_inner();
        let customer = self.store.customer(organization_id, &external_id).await.map_err(status_from_error)?;
        Ok(Response::new(pb::GetCustomerResponse { customer: Some(customer_to_pb(customer)) }))
    }

    async fn list_customers(
        &self,
        request: Request<pb::ListCustomersRequest>,
    ) -> Result<Response<pb::ListCustomersResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let request = request.into_inner();
        let page_request = page_request(request.page, request.per_page)?;
        let filters = list_filters_from_pb(request).validate().map_err(status_from_error)?;
        let page = self
            .store
            .list_customers(organization_id, &filters, page_request)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::ListCustomersResponse {
            meta: Some(pagination_meta(page_request, page.total_count)),
            customers: page.items.into_iter().map(customer_to_pb).collect(),
        }))
    }

    async fn delete_customer(
        &self,
        request: Request<pb::DeleteCustomerRequest>,
    ) -> Result<Response<pb::DeleteCustomerResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::DeleteCustomerRequest { external_id } = request.into_inner();
        let customer =
            self.store.delete_customer(organization_id, &external_id).await.map_err(status_from_error)?;
        Ok(Response::new(pb::DeleteCustomerResponse { customer: Some(customer_to_pb(customer)) }))
    }
}
