//! The gRPC clients the gateway calls through. The transport is boxed so that the same handlers
//! run against the in-process services (no socket, no extra hop) or a remote server.

use entitlements::v1::billable_metric_service_client::BillableMetricServiceClient;
use entitlements::v1::check_service_client::CheckServiceClient;
use entitlements::v1::customer_service_client::CustomerServiceClient;
use entitlements::v1::entitlement_service_client::EntitlementServiceClient;
use entitlements::v1::feature_service_client::FeatureServiceClient;
use entitlements::v1::plan_service_client::PlanServiceClient;
use entitlements::v1::subscription_service_client::SubscriptionServiceClient;
use entitlements::v1::tax_service_client::TaxServiceClient;
use entitlements::v1::webhook_service_client::WebhookServiceClient;
use tonic::body::Body;
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;
use tower::util::BoxCloneSyncService;
use tower::{BoxError, ServiceExt};

use crate::revision_header::record_answer;

/// Any service that carries gRPC requests: a tonic `Channel` or the server's own routes.
pub type GrpcTransport = BoxCloneSyncService<http::Request<Body>, http::Response<Body>, TransportError>;

/// A failure to carry a request (connection refused, upstream gone). A concrete type rather than
/// a bare `BoxError`, whose trait-object lifetime trips the `Send` checks of the handlers' futures.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct TransportError(#[from] BoxError);

/// The generated clients, one per service, over one transport.
#[derive(Clone)]
pub struct GrpcClients {
    transport: GrpcTransport,
}

impl std::fmt::Debug for GrpcClients {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("GrpcClients").finish_non_exhaustive()
    }
}

impl GrpcClients {
    pub fn new(transport: GrpcTransport) -> Self {
        // Every answer's revision reaches the REST response (see `revision_header`).
        let transport = BoxCloneSyncService::new(transport.map_response(|response| {
            record_answer(&response);
            response
        }));
        Self { transport }
    }

    /// Clients of a remote server.
    pub fn from_channel(channel: Channel) -> Self {
        Self::new(BoxCloneSyncService::new(channel.map_err(|error| TransportError(BoxError::from(error)))))
    }

    pub(crate) fn features(&self) -> FeatureServiceClient<GrpcTransport> {
        FeatureServiceClient::new(self.transport.clone())
    }

    pub(crate) fn plans(&self) -> PlanServiceClient<GrpcTransport> {
        PlanServiceClient::new(self.transport.clone())
    }

    pub(crate) fn entitlements(&self) -> EntitlementServiceClient<GrpcTransport> {
        EntitlementServiceClient::new(self.transport.clone())
    }

    pub(crate) fn taxes(&self) -> TaxServiceClient<GrpcTransport> {
        TaxServiceClient::new(self.transport.clone())
    }

    pub(crate) fn webhooks(&self) -> WebhookServiceClient<GrpcTransport> {
        WebhookServiceClient::new(self.transport.clone())
    }

    pub(crate) fn billable_metrics(&self) -> BillableMetricServiceClient<GrpcTransport> {
        BillableMetricServiceClient::new(self.transport.clone())
    }

    pub(crate) fn customers(&self) -> CustomerServiceClient<GrpcTransport> {
        CustomerServiceClient::new(self.transport.clone())
    }

    pub(crate) fn subscriptions(&self) -> SubscriptionServiceClient<GrpcTransport> {
        SubscriptionServiceClient::new(self.transport.clone())
    }

    pub(crate) fn check(&self) -> CheckServiceClient<GrpcTransport> {
        CheckServiceClient::new(self.transport.clone())
    }

    pub(crate) fn health(&self) -> HealthClient<GrpcTransport> {
        HealthClient::new(self.transport.clone())
    }
}
