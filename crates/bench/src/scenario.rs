//! The scenarios: each is a name and a closure that makes one request, over gRPC (given a
//! channel) or REST (answering the HTTP request to send). A scenario the server does not
//! implement yet (gRPC UNIMPLEMENTED, or a REST route that does not exist) is reported as not
//! available rather than failing the run, so that one can be added before its server side:
//!
//! ```ignore
//! Scenario::grpc("gRPC Check", |caller, channel| {
//!     let check = caller.random_check();
//!     let request = caller.authorized(check);
//!     async move { CheckServiceClient::new(channel).check(request).await.map(drop) }
//! }),
//! ```

use std::sync::Arc;

use bytes::Bytes;
use entitlements::v1::check_service_client::CheckServiceClient;
use entitlements::v1::entitlement_service_client::EntitlementServiceClient;
use entitlements::v1::{CheckBulkRequest, CheckRequest, ListSubscriptionEntitlementsRequest};
use futures_util::future::BoxFuture;
use http_body_util::Full;
use tonic::Status;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::seed::catalog::{PRIVILEGES, override_body};
use crate::seed::{FEATURES, feature_code, plan_of, subscription_external_id};

/// Items in a CheckBulk request of the benchmark.
const CHECK_BULK_ITEMS: usize = 100;

/// Which protocol a scenario speaks, and so which floor it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    Grpc,
    Rest,
}

/// One gRPC call on a shared channel.
pub(crate) type GrpcCall =
    Arc<dyn Fn(&mut Caller, Channel) -> BoxFuture<'static, Result<(), Status>> + Send + Sync>;
/// The next HTTP request of a REST scenario.
pub(crate) type RestCall =
    Arc<dyn Fn(&mut Caller) -> Result<http::Request<Full<Bytes>>, http::Error> + Send + Sync>;

#[derive(Clone)]
pub(crate) enum Call {
    Grpc(GrpcCall),
    Rest(RestCall),
}

impl std::fmt::Debug for Call {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Self::Grpc(_) => "Call::Grpc",
            Self::Rest(_) => "Call::Rest",
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    /// The health check of its protocol, which the others are compared with.
    pub(crate) is_floor: bool,
    pub(crate) call: Call,
}

impl Scenario {
    fn grpc<Request, Answer>(name: &'static str, call: Request) -> Self
    where
        Request: Fn(&mut Caller, Channel) -> Answer + Send + Sync + 'static,
        Answer: Future<Output = Result<(), Status>> + Send + 'static,
    {
        let call: GrpcCall = Arc::new(move |caller, channel| Box::pin(call(caller, channel)));
        Self { name, is_floor: false, call: Call::Grpc(call) }
    }

    fn rest(
        name: &'static str,
        call: impl Fn(&mut Caller) -> Result<http::Request<Full<Bytes>>, http::Error> + Send + Sync + 'static,
    ) -> Self {
        Self { name, is_floor: false, call: Call::Rest(Arc::new(call)) }
    }

    fn floor(self) -> Self {
        Self { is_floor: true, ..self }
    }

    pub(crate) fn protocol(&self) -> Protocol {
        match self.call {
            Call::Grpc(_) => Protocol::Grpc,
            Call::Rest(_) => Protocol::Rest,
        }
    }
}

/// Every scenario, floors first.
pub(crate) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario::grpc("gRPC grpc.health.v1.Health/Check", |_, channel| async move {
            HealthClient::new(channel).check(HealthCheckRequest { service: String::new() }).await.map(drop)
        })
        .floor(),
        Scenario::rest("REST GET /health", |caller| caller.get("/health")).floor(),
        Scenario::grpc("gRPC Check", |caller, channel| {
            let check = caller.random_check();
            let request = caller.authorized(check);
            async move { CheckServiceClient::new(channel).check(request).await.map(drop) }
        }),
        Scenario::grpc("gRPC CheckBulk (100 items)", |caller, channel| {
            let items = (0..CHECK_BULK_ITEMS).map(|_| caller.random_check()).collect();
            let request = caller.authorized(CheckBulkRequest { items, min_revision: 0 });
            async move { CheckServiceClient::new(channel).check_bulk(request).await.map(drop) }
        }),
        Scenario::grpc("gRPC ListSubscriptionEntitlements", |caller, channel| {
            let subscription_external_id = caller.random_subscription_id();
            let request = caller.authorized(ListSubscriptionEntitlementsRequest {
                subscription_external_id,
                ..Default::default()
            });
            async move {
                EntitlementServiceClient::new(channel).list_subscription_entitlements(request).await.map(drop)
            }
        }),
        Scenario::rest("REST GET /api/v1/subscriptions/{id}/entitlements", |caller| {
            let id = caller.random_subscription_id();
            caller.get(&format!("/api/v1/subscriptions/{id}/entitlements"))
        }),
        Scenario::rest("REST PATCH /api/v1/subscriptions/{id}/entitlements", |caller| {
            let index = caller.random_subscription();
            let body = override_body(plan_of(index), caller.random_below(1_000_000));
            caller.patch_json(
                &format!("/api/v1/subscriptions/{}/entitlements", subscription_external_id(index)),
                &body,
            )
        }),
    ]
}

/// What a worker's requests are made of: its random numbers and the credentials.
#[derive(Debug)]
pub(crate) struct Caller {
    random: fastrand::Rng,
    subscriptions: u64,
    authorization: Arc<str>,
    host: Arc<str>,
}

impl Caller {
    pub(crate) fn new(seed: u64, subscriptions: u64, api_key: &str, host: &str) -> Self {
        Self {
            random: fastrand::Rng::with_seed(seed),
            subscriptions,
            authorization: format!("Bearer {api_key}").into(),
            host: host.into(),
        }
    }

    /// A seeded subscription's index, uniformly at random.
    pub(crate) fn random_subscription(&mut self) -> u64 {
        self.random.u64(0..self.subscriptions)
    }

    /// A seeded subscription's external id, uniformly at random.
    pub(crate) fn random_subscription_id(&mut self) -> String {
        subscription_external_id(self.random_subscription())
    }

    /// A check of a random subscription's privilege of a random feature (granted by its plan or
    /// not, as it falls).
    pub(crate) fn random_check(&mut self) -> CheckRequest {
        let (privilege, _) = PRIVILEGES[self.random.usize(..PRIVILEGES.len())];
        CheckRequest {
            subscription_external_id: self.random_subscription_id(),
            feature_code: feature_code(self.random_below(FEATURES)),
            privilege_code: Some(privilege.to_owned()),
            ..CheckRequest::default()
        }
    }

    pub(crate) fn random_below(&mut self, bound: u64) -> u64 {
        self.random.u64(0..bound.max(1))
    }

    /// `message` with the API key in its metadata.
    pub(crate) fn authorized<Message>(&self, message: Message) -> tonic::Request<Message> {
        let mut request = tonic::Request::new(message);
        if let Ok(value) = MetadataValue::try_from(&*self.authorization) {
            request.metadata_mut().insert("authorization", value);
        }
        request
    }

    pub(crate) fn get(&self, path: &str) -> Result<http::Request<Full<Bytes>>, http::Error> {
        self.request(http::Method::GET, path).body(Full::default())
    }

    pub(crate) fn patch_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<http::Request<Full<Bytes>>, http::Error> {
        self.request(http::Method::PATCH, path)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
    }

    fn request(&self, method: http::Method, path: &str) -> http::request::Builder {
        http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, &*self.host)
            .header(http::header::AUTHORIZATION, &*self.authorization)
    }
}
