//! The gRPC services of the entitlements API: authentication, conversion between proto messages
//! and domain types at the wire boundary, and the mapping of domain errors onto the one error
//! table (`entitlements::errors`).
//! The REST gateway reaches the same code through generated clients.

mod auth;
mod billable_metric_conversions;
mod billable_metric_service;
mod charge_conversions;
mod customer_conversions;
mod customer_service;
mod entitlement_conversions;
mod entitlement_service;
mod error_status;
mod feature_conversions;
mod feature_service;
mod plan_conversions;
mod plan_service;
mod struct_json;
mod subscription_conversions;
mod subscription_service;
mod tax_conversions;
mod tax_service;

pub use auth::{API_KEY_METADATA, Authenticator};
pub use billable_metric_service::BillableMetricApi;
pub use customer_service::CustomerApi;
pub use entitlement_service::EntitlementApi;
pub use error_status::status_from_error;
pub use feature_service::FeatureApi;
pub use plan_service::PlanApi;
pub use subscription_service::SubscriptionApi;
pub use tax_service::TaxApi;

use entitlements::v1::billable_metric_service_server::BillableMetricServiceServer;
use entitlements::v1::customer_service_server::CustomerServiceServer;
use entitlements::v1::entitlement_service_server::EntitlementServiceServer;
use entitlements::v1::feature_service_server::FeatureServiceServer;
use entitlements::v1::plan_service_server::PlanServiceServer;
use entitlements::v1::subscription_service_server::SubscriptionServiceServer;
use entitlements::v1::tax_service_server::TaxServiceServer;
use entitlements_store::Store;

/// The service names this server implements, as registered for health and reflection.
pub const SERVICE_NAMES: &[&str] = &[
    "entitlements.v1.FeatureService",
    "entitlements.v1.TaxService",
    "entitlements.v1.BillableMetricService",
    "entitlements.v1.PlanService",
    "entitlements.v1.EntitlementService",
    "entitlements.v1.CustomerService",
    "entitlements.v1.SubscriptionService",
];

/// Every gRPC service of the API, ready to be added to a tonic router.
#[derive(Debug, Clone)]
pub struct ApiServices {
    pub features: FeatureServiceServer<FeatureApi>,
    pub taxes: TaxServiceServer<TaxApi>,
    pub billable_metrics: BillableMetricServiceServer<BillableMetricApi>,
    pub plans: PlanServiceServer<PlanApi>,
    pub entitlements: EntitlementServiceServer<EntitlementApi>,
    pub customers: CustomerServiceServer<CustomerApi>,
    pub subscriptions: SubscriptionServiceServer<SubscriptionApi>,
}

impl ApiServices {
    pub fn new(store: Store) -> Self {
        let authenticator = Authenticator::new(store.clone());
        Self {
            features: FeatureServiceServer::new(FeatureApi::new(store.clone(), authenticator.clone())),
            taxes: TaxServiceServer::new(TaxApi::new(store.clone(), authenticator.clone())),
            billable_metrics: BillableMetricServiceServer::new(BillableMetricApi::new(
                store.clone(),
                authenticator.clone(),
            )),
            plans: PlanServiceServer::new(PlanApi::new(store.clone(), authenticator.clone())),
            entitlements: EntitlementServiceServer::new(EntitlementApi::new(
                store.clone(),
                authenticator.clone(),
            )),
            customers: CustomerServiceServer::new(CustomerApi::new(store.clone(), authenticator.clone())),
            subscriptions: SubscriptionServiceServer::new(SubscriptionApi::new(store, authenticator)),
        }
    }
}
