//! `GET /health` for HTTP probes: asks the gRPC health service, so both interfaces report the
//! same state (and gateway-only mode reports its upstream's).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::GrpcClients;
use crate::lago_json::json_response;

pub(crate) async fn health(State(clients): State<GrpcClients>) -> Response {
    let status = clients
        .health()
        .check(HealthCheckRequest { service: String::new() })
        .await
        .map(|response| response.into_inner().status())
        .unwrap_or(ServingStatus::Unknown);
    let (http_status, message) = match status {
        ServingStatus::Serving => (StatusCode::OK, "serving"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "not_serving"),
    };
    json_response(http_status, &json!({ "status": message }))
}
