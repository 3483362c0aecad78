//! `entitlements.v1.WebhookService`: the organization's webhook endpoints (validated by the store
//! inside its transaction, where URL uniqueness and the limit are decided; checked against private
//! networks here, where DNS is asked), the signing keys, and the delivery log with its retry.

use entitlements::v1 as pb;
use entitlements::v1::webhook_service_server::WebhookService;
use entitlements_store::Store;
use tonic::{Request, Response, Status};

use crate::auth::organization_of;
use crate::error_status::{status_from_error, status_in};
use crate::pagination::{page_request, pagination_meta};
use crate::webhook_conversions::{
    WEBHOOK_ENDPOINT, create_input, delivery_id, delivery_to_pb, endpoint_id, endpoint_to_pb, status_filter,
    update_input,
};
use crate::webhook_network::check_public_url;

/// The WebhookService implementation.
#[derive(Debug, Clone)]
pub struct WebhookApi {
    store: Store,
    /// Whether endpoint URLs may reach loopback, private, link-local or metadata addresses.
    allow_private_networks: bool,
}

impl WebhookApi {
    pub fn new(store: Store, allow_private_networks: bool) -> Self {
        Self { store, allow_private_networks }
    }
}

#[tonic::async_trait]
impl WebhookService for WebhookApi {
    async fn create_webhook_endpoint(
        &self,
        request: Request<pb::CreateWebhookEndpointRequest>,
    ) -> Result<Response<pb::CreateWebhookEndpointResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let input = create_input(request.into_inner()).map_err(status_in(WEBHOOK_ENDPOINT))?;
        if let Some(url) = input.webhook_url.as_deref() {
            check_public_url(url, self.allow_private_networks).await.map_err(status_in(WEBHOOK_ENDPOINT))?;
        }
        let endpoint = self
            .store
            .create_webhook_endpoint(organization_id, input)
            .await
            .map_err(status_in(WEBHOOK_ENDPOINT))?;
        Ok(Response::new(pb::CreateWebhookEndpointResponse {
            webhook_endpoint: Some(endpoint_to_pb(organization_id, &endpoint)),
        }))
    }

    async fn get_webhook_endpoint(
        &self,
        request: Request<pb::GetWebhookEndpointRequest>,
    ) -> Result<Response<pb::GetWebhookEndpointResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::GetWebhookEndpointRequest { id } = request.into_inner();
        let id = endpoint_id(&id).map_err(status_from_error)?;
        let endpoint = self.store.webhook_endpoint(organization_id, id).await.map_err(status_from_error)?;
        Ok(Response::new(pb::GetWebhookEndpointResponse {
            webhook_endpoint: Some(endpoint_to_pb(organization_id, &endpoint)),
        }))
    }

    async fn list_webhook_endpoints(
        &self,
        request: Request<pb::ListWebhookEndpointsRequest>,
    ) -> Result<Response<pb::ListWebhookEndpointsResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::ListWebhookEndpointsRequest { page, per_page } = request.into_inner();
        let page_request = page_request(page, per_page)?;
        let page = self
            .store
            .list_webhook_endpoints(organization_id, page_request)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::ListWebhookEndpointsResponse {
            meta: Some(pagination_meta(page_request, page.total_count)),
            webhook_endpoints: page
                .items
                .iter()
                .map(|endpoint| endpoint_to_pb(organization_id, endpoint))
                .collect(),
        }))
    }

    async fn update_webhook_endpoint(
        &self,
        request: Request<pb::UpdateWebhookEndpointRequest>,
    ) -> Result<Response<pb::UpdateWebhookEndpointResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::UpdateWebhookEndpointRequest { id, webhook_endpoint, update_mask } = request.into_inner();
        // Lago reads the body before it reports an unknown endpoint: a missing body is a 400 first.
        let update = update_input(webhook_endpoint, update_mask).map_err(status_in(WEBHOOK_ENDPOINT))?;
        let id = endpoint_id(&id).map_err(status_from_error)?;
        let current = self.store.webhook_endpoint(organization_id, id).await.map_err(status_from_error)?;
        if let Some(url) = update.new_url(&current) {
            check_public_url(url, self.allow_private_networks).await.map_err(status_in(WEBHOOK_ENDPOINT))?;
        }
        let endpoint = self
            .store
            .update_webhook_endpoint(organization_id, id, update)
            .await
            .map_err(status_in(WEBHOOK_ENDPOINT))?;
        Ok(Response::new(pb::UpdateWebhookEndpointResponse {
            webhook_endpoint: Some(endpoint_to_pb(organization_id, &endpoint)),
        }))
    }

    async fn delete_webhook_endpoint(
        &self,
        request: Request<pb::DeleteWebhookEndpointRequest>,
    ) -> Result<Response<pb::DeleteWebhookEndpointResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::DeleteWebhookEndpointRequest { id } = request.into_inner();
        let id = endpoint_id(&id).map_err(status_from_error)?;
        let endpoint =
            self.store.delete_webhook_endpoint(organization_id, id).await.map_err(status_from_error)?;
        Ok(Response::new(pb::DeleteWebhookEndpointResponse {
            webhook_endpoint: Some(endpoint_to_pb(organization_id, &endpoint)),
        }))
    }

    async fn get_webhook_public_key(
        &self,
        request: Request<pb::GetWebhookPublicKeyRequest>,
    ) -> Result<Response<pb::GetWebhookPublicKeyResponse>, Status> {
        organization_of(&request)?;
        let key = self.store.webhook_signing_key().await.map_err(status_from_error)?;
        Ok(Response::new(pb::GetWebhookPublicKeyResponse {
            public_key_pem: key.public_key_pem().to_owned(),
            public_key_base64: key.public_key_base64(),
        }))
    }

    async fn get_webhook_hmac_key(
        &self,
        request: Request<pb::GetWebhookHmacKeyRequest>,
    ) -> Result<Response<pb::GetWebhookHmacKeyResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let hmac_key = self.store.webhook_hmac_key(organization_id).await.map_err(status_from_error)?;
        Ok(Response::new(pb::GetWebhookHmacKeyResponse { hmac_key }))
    }

    async fn rotate_webhook_hmac_key(
        &self,
        request: Request<pb::RotateWebhookHmacKeyRequest>,
    ) -> Result<Response<pb::RotateWebhookHmacKeyResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let hmac_key =
            self.store.rotate_webhook_hmac_key(organization_id).await.map_err(status_from_error)?;
        Ok(Response::new(pb::RotateWebhookHmacKeyResponse { hmac_key }))
    }

    async fn list_webhook_deliveries(
        &self,
        request: Request<pb::ListWebhookDeliveriesRequest>,
    ) -> Result<Response<pb::ListWebhookDeliveriesResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::ListWebhookDeliveriesRequest { webhook_endpoint_id, status, page, per_page } =
            request.into_inner();
        let endpoint = endpoint_id(&webhook_endpoint_id).map_err(status_from_error)?;
        let status = status_filter(status).map_err(status_from_error)?;
        let page_request = page_request(page, per_page)?;
        let page = self
            .store
            .list_webhook_deliveries(organization_id, endpoint, status, page_request)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::ListWebhookDeliveriesResponse {
            meta: Some(pagination_meta(page_request, page.total_count)),
            webhook_deliveries: page.items.iter().map(delivery_to_pb).collect(),
        }))
    }

    async fn get_webhook_delivery(
        &self,
        request: Request<pb::GetWebhookDeliveryRequest>,
    ) -> Result<Response<pb::GetWebhookDeliveryResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::GetWebhookDeliveryRequest { id } = request.into_inner();
        let id = delivery_id(&id).map_err(status_from_error)?;
        let delivery = self.store.webhook_delivery(organization_id, id).await.map_err(status_from_error)?;
        Ok(Response::new(pb::GetWebhookDeliveryResponse {
            webhook_delivery: Some(delivery_to_pb(&delivery)),
        }))
    }

    async fn retry_webhook_delivery(
        &self,
        request: Request<pb::RetryWebhookDeliveryRequest>,
    ) -> Result<Response<pb::RetryWebhookDeliveryResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::RetryWebhookDeliveryRequest { id } = request.into_inner();
        let id = delivery_id(&id).map_err(status_from_error)?;
        let delivery =
            self.store.retry_webhook_delivery(organization_id, id).await.map_err(status_from_error)?;
        Ok(Response::new(pb::RetryWebhookDeliveryResponse {
            webhook_delivery: Some(delivery_to_pb(&delivery)),
        }))
    }
}
