//! The REST gateway: Lago's JSON API over the gRPC services. Each handler parses Lago's request
//! shape into a proto request, calls the service through a generated client (in-process or
//! remote), and renders the answer, or the status, in Lago's exact JSON.

mod billable_metrics;
mod check;
mod customers;
mod entitlement_errors;
mod entitlement_json;
mod features;
mod grpc_clients;
mod health;
mod lago_error;
mod lago_extract;
mod lago_field;
mod lago_json;
mod pagination_params;
mod plan_entitlements;
mod plans;
mod protobuf_json;
mod request_body;
mod revision_header;
mod subscription_entitlements;
mod subscription_status;
mod subscriptions;
mod tax_json;
mod taxes;
mod update_mask;
mod webhook_endpoints;
mod webhook_payloads;

use axum::Router;
use axum::routing::get;
use revision_header::MIN_REVISION_HEADER;

pub use grpc_clients::{GrpcClients, GrpcTransport, TransportError};
pub use webhook_payloads::payload_json::{WebhookObjectJson, webhook_payload};

/// The gateway's routes: `/api/v1/...` (Lago's), `/v1/check...` (ours), `GET /health`, and Lago's
/// 404 for everything else.
pub fn router(clients: GrpcClients) -> Router {
    Router::new()
        .route("/health", get(health::health))
        .nest(
            "/api/v1",
            features::routes()
                .merge(plans::routes())
                .merge(plan_entitlements::routes())
                .merge(subscription_entitlements::routes())
                .merge(taxes::routes())
                .merge(billable_metrics::routes())
                .merge(customers::routes())
                .merge(subscriptions::routes())
                .merge(webhook_endpoints::routes()),
        )
        .nest("/v1", check::routes())
        .fallback(lago_error::route_not_found)
        .method_not_allowed_fallback(lago_error::route_not_found)
        .layer(axum::middleware::from_fn(revision_header::name_revision))
        .with_state(clients)
}

/// Wraps a message in a gRPC request carrying the caller's `Authorization` header, if any, as
/// the `authorization` metadata the services read, and its minimum revision, if any.
fn with_api_key<T>(headers: &axum::http::HeaderMap, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    for (header, metadata) in [
        (axum::http::header::AUTHORIZATION.as_str(), "authorization"),
        (MIN_REVISION_HEADER, MIN_REVISION_HEADER),
    ] {
        if let Some(value) = headers
            .get(header)
            .and_then(|value| tonic::metadata::MetadataValue::try_from(value.as_bytes()).ok())
        {
            request.metadata_mut().insert(metadata, value);
        }
    }
    request
}
