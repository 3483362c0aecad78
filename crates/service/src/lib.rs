//! The gRPC services of the entitlements API: authentication, conversion between proto messages
//! and domain types at the wire boundary, and the mapping of domain errors onto the one error
//! table (`entitlements::errors`).
//! The REST gateway reaches the same code through generated clients.

mod auth;
mod billable_metric_conversions;
mod billable_metric_service;
mod charge_conversions;
mod check_conversions;
mod check_service;
mod customer_conversions;
mod customer_service;
mod entitlement_conversions;
mod entitlement_service;
mod error_status;
mod feature_conversions;
mod feature_service;
mod found_before_invalid;
mod min_revision;
mod pagination;
mod plan_conversions;
mod plan_service;
mod revision;
mod service_counters;
mod struct_json;
mod subscription_conversions;
mod subscription_service;
mod tax_conversions;
mod tax_service;
mod update_mask;
mod watch_conversions;
mod watch_service;
mod watch_stream;
mod webhook_conversions;
mod webhook_network;
pub mod webhook_objects;
mod webhook_service;

pub use auth::{API_KEY_METADATA, Authenticated, AuthenticationLayer};
pub use billable_metric_service::BillableMetricApi;
pub use check_service::CheckApi;
pub use customer_service::CustomerApi;
pub use entitlement_service::EntitlementApi;
pub use error_status::status_from_error;
pub use feature_service::FeatureApi;
pub use min_revision::{DEFAULT_MIN_REVISION_WAIT, RevisionWait};
pub use plan_service::PlanApi;
pub use revision::{MIN_REVISION_METADATA, REVISION_METADATA};
pub use service_counters::ServiceCounters;
pub use subscription_service::SubscriptionApi;
pub use tax_service::TaxApi;
pub use watch_service::WatchApi;
pub use watch_stream::WatchSettings;
pub use webhook_service::WebhookApi;

use std::convert::Infallible;
use std::sync::Arc;

use entitlements::v1::billable_metric_service_server::BillableMetricServiceServer;
use entitlements::v1::check_service_server::CheckServiceServer;
use entitlements::v1::customer_service_server::CustomerServiceServer;
use entitlements::v1::entitlement_service_server::EntitlementServiceServer;
use entitlements::v1::feature_service_server::FeatureServiceServer;
use entitlements::v1::plan_service_server::PlanServiceServer;
use entitlements::v1::subscription_service_server::SubscriptionServiceServer;
use entitlements::v1::tax_service_server::TaxServiceServer;
use entitlements::v1::watch_service_server::WatchServiceServer;
use entitlements::v1::webhook_service_server::WebhookServiceServer;
use entitlements_engine::EntitlementsView;
use entitlements_store::Store;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::service::Routes;
use tower::{Layer, Service};

/// What the operator tunes in the services.
#[derive(Debug, Clone, Default)]
pub struct ApiSettings {
    /// How long a read waits for the revision it asks for (`x-entitlements-min-revision`, or
    /// CheckService's `min_revision`).
    pub revision_wait: RevisionWait,
    /// How Watch streams follow the change log.
    pub watch: WatchSettings,
    /// Whether webhook endpoint URLs may reach loopback, private, link-local or metadata
    /// addresses (`--webhook-allow-private-networks`); refused by default.
    pub webhook_allow_private_networks: bool,
    /// Where Check answers and open Watch streams are counted, when the server reports metrics.
    pub counters: Option<Arc<ServiceCounters>>,
}

/// Every gRPC service of the API, each behind the authentication layer, as routes ready to serve
/// (add health and reflection, then serve them in-process or on a listener), with their names.
#[derive(Debug)]
pub struct ApiRoutes {
    pub routes: Routes,
    /// The fully qualified name of each service, such as `entitlements.v1.FeatureService`, as
    /// registered for health and reflection.
    pub service_names: Vec<&'static str>,
}

impl ApiRoutes {
    /// The one list of the API's services, with the default settings, reading the database
    /// only (their view of it is never loaded).
    pub fn new(store: Store) -> Self {
        Self::with_settings(EntitlementsView::new(store), ApiSettings::default())
    }

    /// The one list of the API's services, answering the hot reads from `view` (kept fresh by
    /// whoever runs [`EntitlementsView::follow`]).
    pub fn with_settings(view: EntitlementsView, settings: ApiSettings) -> Self {
        let ApiSettings { revision_wait, watch, webhook_allow_private_networks, counters } = settings;
        let store = view.store().clone();
        let authentication = AuthenticationLayer::new(view.clone()).with_revision_wait(revision_wait);
        let mut api = Self { routes: Routes::default(), service_names: Vec::new() };
        api.add(&authentication, FeatureServiceServer::new(FeatureApi::new(store.clone())));
        api.add(&authentication, TaxServiceServer::new(TaxApi::new(store.clone())));
        api.add(&authentication, BillableMetricServiceServer::new(BillableMetricApi::new(store.clone())));
        api.add(&authentication, PlanServiceServer::new(PlanApi::new(store.clone())));
        api.add(
            &authentication,
            EntitlementServiceServer::new(EntitlementApi::new(view.clone(), revision_wait)),
        );
        api.add(&authentication, CustomerServiceServer::new(CustomerApi::new(store.clone())));
        api.add(&authentication, SubscriptionServiceServer::new(SubscriptionApi::new(store.clone())));
        api.add(
            &authentication,
            CheckServiceServer::new(CheckApi::new(view, revision_wait, counters.clone())),
        );
        api.add(
            &authentication,
            WebhookServiceServer::new(WebhookApi::new(store.clone(), webhook_allow_private_networks)),
        );
        api.add(&authentication, WatchServiceServer::new(WatchApi::new(store, watch, counters)));
        api
    }

    fn add<S>(&mut self, authentication: &AuthenticationLayer, service: S)
    where
        S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.service_names.push(S::NAME);
        let routes = std::mem::take(&mut self.routes);
        self.routes = routes.add_service(authentication.layer(service));
    }
}
