//! `entitlements.v1.FeatureService`: read the caller's organization (set by the authentication
//! layer), convert, call the domain and the store, convert back. Each write is one store
//! transaction.

use entitlements::v1 as pb;
use entitlements::v1::feature_service_server::FeatureService;
use entitlements_domain::NewFeature;
use entitlements_store::Store;
use tonic::{Request, Response, Status};

use crate::auth::organization_of;
use crate::error_status::{status_from_error, status_in, within_input};

/// The request field that holds a feature to write.
const FEATURE: &str = "feature";
use crate::feature_conversions::{create_input, feature_to_pb, update_input};
use crate::found_before_invalid::found_before_invalid;
use crate::pagination::{page_request, pagination_meta};

/// The FeatureService implementation.
#[derive(Debug, Clone)]
pub struct FeatureApi {
    store: Store,
}

impl FeatureApi {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[tonic::async_trait]
impl FeatureService for FeatureApi {
    async fn create_feature(
        &self,
        request: Request<pb::CreateFeatureRequest>,
    ) -> Result<Response<pb::CreateFeatureResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let new_feature =
            create_input(request.into_inner()).and_then(NewFeature::parse).map_err(status_in(FEATURE))?;
        let feature =
            self.store.create_feature(organization_id, new_feature).await.map_err(status_in(FEATURE))?;
        Ok(Response::new(pb::CreateFeatureResponse { feature: Some(feature_to_pb(feature)) }))
    }

    async fn get_feature(
        &self,
        request: Request<pb::GetFeatureRequest>,
    ) -> Result<Response<pb::GetFeatureResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::GetFeatureRequest { code } = request.into_inner();
        let feature = self.store.feature(organization_id, &code).await.map_err(status_from_error)?;
        Ok(Response::new(pb::GetFeatureResponse { feature: Some(feature_to_pb(feature)) }))
    }

    async fn list_features(
        &self,
        request: Request<pb::ListFeaturesRequest>,
    ) -> Result<Response<pb::ListFeaturesResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::ListFeaturesRequest { page, per_page, search_term } = request.into_inner();
        let page_request = page_request(page, per_page)?;
        let search_term = Some(search_term.trim()).filter(|term| !term.is_empty());
        let page = self
            .store
            .list_features(organization_id, page_request, search_term)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::ListFeaturesResponse {
            meta: Some(pagination_meta(page_request, page.total_count)),
            features: page.items.into_iter().map(feature_to_pb).collect(),
        }))
    }

    async fn update_feature(
        &self,
        request: Request<pb::UpdateFeatureRequest>,
    ) -> Result<Response<pb::UpdateFeatureResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::UpdateFeatureRequest { code, feature, update_mask } = request.into_inner();
        let update = found_before_invalid(
            update_input(feature, update_mask).map_err(|error| within_input(error, FEATURE)),
            self.store.feature(organization_id, &code),
        )
        .await?;
        let feature =
            self.store.update_feature(organization_id, &code, update).await.map_err(status_in(FEATURE))?;
        Ok(Response::new(pb::UpdateFeatureResponse { feature: Some(feature_to_pb(feature)) }))
    }

    async fn delete_feature(
        &self,
        request: Request<pb::DeleteFeatureRequest>,
    ) -> Result<Response<pb::DeleteFeatureResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::DeleteFeatureRequest { code } = request.into_inner();
        let feature = self.store.delete_feature(organization_id, &code).await.map_err(status_from_error)?;
        Ok(Response::new(pb::DeleteFeatureResponse { feature: Some(feature_to_pb(feature)) }))
    }

    async fn delete_feature_privilege(
        &self,
        request: Request<pb::DeleteFeaturePrivilegeRequest>,
    ) -> Result<Response<pb::DeleteFeaturePrivilegeResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::DeleteFeaturePrivilegeRequest { feature_code, privilege_code } = request.into_inner();
        let feature = self
            .store
            .delete_feature_privilege(organization_id, &feature_code, &privilege_code)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::DeleteFeaturePrivilegeResponse { feature: Some(feature_to_pb(feature)) }))
    }
}
