//! `entitlements.v1.SubscriptionService`: read the caller's organization (set by the authentication
//! layer), convert, let the domain and the store decide and write in one transaction, convert back.

use entitlements::v1 as pb;
use entitlements::v1::subscription_service_server::SubscriptionService;
use entitlements_domain::{Error, SubscriptionSelector};
use entitlements_store::{Store, WriteMode};
use tonic::{Request, Response, Status};

use crate::auth::organization_of;
use crate::error_status::{status_from_error, status_in, within_input};

/// The request field that holds a subscription to write.
const SUBSCRIPTION: &str = "subscription";
use crate::found_before_invalid::found_before_invalid;
use crate::pagination::{page_request, pagination_meta};
use crate::subscription_conversions::{
    create_input_from_pb, list_filters_from_pb, status_from_pb, subscription_to_pb,
    termination_input_from_pb, update_input_from_pb,
};

/// The SubscriptionService implementation.
#[derive(Debug, Clone)]
pub struct SubscriptionApi {
    store: Store,
}

impl SubscriptionApi {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[tonic::async_trait]
impl SubscriptionService for SubscriptionApi {
    async fn create_subscription(
        &self,
        request: Request<pb::CreateSubscriptionRequest>,
    ) -> Result<Response<pb::CreateSubscriptionResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::CreateSubscriptionRequest { subscription, update_mask, validate_only } = request.into_inner();
        let input = create_input_from_pb(subscription, update_mask).map_err(status_in(SUBSCRIPTION))?;
        let subscription = self
            .store
            .create_subscription(organization_id, input, write_mode(validate_only))
            .await
            .map_err(status_in(SUBSCRIPTION))?;
        Ok(Response::new(pb::CreateSubscriptionResponse {
            subscription: Some(subscription_to_pb(subscription)),
        }))
    }

    async fn get_subscription(
        &self,
        request: Request<pb::GetSubscriptionRequest>,
    ) -> Result<Response<pb::GetSubscriptionResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::GetSubscriptionRequest { external_id, status } = request.into_inner();
        let subscription = self
            .store
            .subscription(organization_id, &SubscriptionSelector::new(external_id, status_from_pb(status)))
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::GetSubscriptionResponse {
            subscription: Some(subscription_to_pb(subscription)),
        }))
    }

    async fn list_subscriptions(
        &self,
        request: Request<pb::ListSubscriptionsRequest>,
    ) -> Result<Response<pb::ListSubscriptionsResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let request = request.into_inner();
        let page_request = page_request(request.page, request.per_page)?;
        let filters = list_filters_from_pb(request).validate().map_err(status_from_error)?;
        let page = self
            .store
            .list_subscriptions(organization_id, &filters, page_request)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::ListSubscriptionsResponse {
            meta: Some(pagination_meta(page_request, page.total_count)),
            subscriptions: page.items.into_iter().map(subscription_to_pb).collect(),
        }))
    }

    async fn update_subscription(
        &self,
        request: Request<pb::UpdateSubscriptionRequest>,
    ) -> Result<Response<pb::UpdateSubscriptionResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::UpdateSubscriptionRequest { external_id, status, subscription, update_mask, validate_only } =
            request.into_inner();
        let selector = SubscriptionSelector::new(external_id, status_from_pb(status));
        let input = found_before_invalid(
            update_input_from_pb(subscription, update_mask)
                .map_err(|error| within_input(error, SUBSCRIPTION)),
            self.store.find_subscription_to_update(organization_id, &selector),
        )
        .await?;
        let subscription = self
            .store
            .update_subscription(organization_id, &selector, input, write_mode(validate_only))
            .await
            .map_err(status_in(SUBSCRIPTION))?;
        Ok(Response::new(pb::UpdateSubscriptionResponse {
            subscription: Some(subscription_to_pb(subscription)),
        }))
    }

    async fn terminate_subscription(
        &self,
        request: Request<pb::TerminateSubscriptionRequest>,
    ) -> Result<Response<pb::TerminateSubscriptionResponse>, Status> {
        let organization_id = organization_of(&request)?;
        let pb::TerminateSubscriptionRequest {
            external_id,
            status,
            on_termination_credit_note,
            on_termination_invoice,
        } = request.into_inner();
        let selector = SubscriptionSelector::for_termination(external_id, status_from_pb(status))
            .map_err(|errors| status_from_error(Error::from(errors)))?;
        let input = termination_input_from_pb(on_termination_credit_note, on_termination_invoice);
        let subscription = self
            .store
            .terminate_subscription(organization_id, &selector, input)
            .await
            .map_err(status_from_error)?;
        Ok(Response::new(pb::TerminateSubscriptionResponse {
            subscription: Some(subscription_to_pb(subscription)),
        }))
    }
}

/// A request's `validate_only` as the store's write mode.
fn write_mode(validate_only: bool) -> WriteMode {
    if validate_only { WriteMode::ValidateOnly } else { WriteMode::Commit }
}
