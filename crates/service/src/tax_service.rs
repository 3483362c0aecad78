//! `entitlements.v1.TaxService`: read the caller's organization (set by the authentication layer),
//! convert, call the store (which validates inside its transaction, where code uniqueness is
//! decided), convert back.

use entitlements::v1 as pb;
use entitlements::v1::tax_service_server::TaxService;
use entitlements_store::Store;
use tonic::{Request, Response, Status};

use crate::auth::organization_of;
use crate::error_status::{status_from_error, status_in};

/// The request field that holds a tax to write.
const TAX: &str = "tax";
use crate::pagination::{page_request, pagination_meta};
use crate::tax_conversions::{create_input, tax_to_pb, update_input};

/// The TaxService implementation.
#[derive(Debug, Clone)]
pub struct TaxApi {
    store: Store,
}

impl TaxApi {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[tonic::async_trait]
impl TaxService for TaxApi {
    async fn create_tax(
        &self,
        request: Request<pb::CreateTaxRequest>,
    ) -> Result<Response<pb::CreateTaxResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let input = create_input(request.into_inner()).map_err(status_in(TAX))?;
        let tax = self.store.create_tax(organization_id, input).await.map_err(status_in(TAX))?;
        Ok(Response::new(pb::CreateTaxResponse { tax: Some(tax_to_pb(&tax)) }))
    }

    async fn get_tax(
        &self,
        request: Request<pb::GetTaxRequest>,
    ) -> Result<Response<pb::GetTaxResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::GetTaxRequest { code } = request.into_inner();
        let tax = self.store.tax(organization_id, &code).await.map_err(status_from_error)?;
        Ok(Response::new(pb::GetTaxResponse { tax: Some(tax_to_pb(&tax)) }))
    }

    async fn list_taxes(
        &self,
        request: Request<pb::ListTaxesRequest>,
    ) -> Result<Response<pb::ListTaxesResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::ListTaxesRequest { page, per_page } = request.into_inner();
        let page_request = page_request(page, per_page)?;
        let page = self.store.list_taxes(organization_id, page_request).await.map_err(status_from_error)?;
        Ok(Response::new(pb::ListTaxesResponse {
            meta: Some(pagination_meta(page_request, page.total_count)),
            taxes: page.items.iter().map(tax_to_pb).collect(),
        }))
    }

    async fn update_tax(
        &self,
        request: Request<pb::UpdateTaxRequest>,
    ) -> Result<Response<pb::UpdateTaxResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::UpdateTaxRequest { code, tax, update_mask } = request.into_inner();
        // Lago reads the body before it reports an unknown tax: a missing body is a 400 first.
        let update = update_input(tax, update_mask).map_err(status_in(TAX))?;
        let tax = self.store.update_tax(organization_id, &code, update).await.map_err(status_in(TAX))?;
        Ok(Response::new(pb::UpdateTaxResponse { tax: Some(tax_to_pb(&tax)) }))
    }

    async fn delete_tax(
        &self,
        request: Request<pb::DeleteTaxRequest>,
    ) -> Result<Response<pb::DeleteTaxResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::DeleteTaxRequest { code } = request.into_inner();
        let tax = self.store.delete_tax(organization_id, &code).await.map_err(status_from_error)?;
        Ok(Response::new(pb::DeleteTaxResponse { tax: Some(tax_to_pb(&tax)) }))
    }
}
