//! The gRPC services of the entitlements API: authentication, conversion between proto messages
//! and domain types at the wire boundary, and the one table that maps domain errors to statuses.
//! The REST gateway reaches the same code through generated clients.

mod auth;
mod error_status;
mod feature_conversions;
mod feature_service;

pub use auth::{API_KEY_METADATA, Authenticator};
pub use error_status::{ERROR_DOMAIN, status_from_error};
pub use feature_service::FeatureApi;

use entitlements::v1::feature_service_server::FeatureServiceServer;
use entitlements_store::Store;

/// The service names this server implements, as registered for health and reflection.
pub const SERVICE_NAMES: &[&str] = &["entitlements.v1.FeatureService"];

/// Every gRPC service of the API, ready to be added to a tonic router.
#[derive(Debug, Clone)]
pub struct ApiServices {
    pub features: FeatureServiceServer<FeatureApi>,
}

impl ApiServices {
    pub fn new(store: Store) -> Self {
        let authenticator = Authenticator::new(store.clone());
        Self { features: FeatureServiceServer::new(FeatureApi::new(store, authenticator)) }
    }
}
