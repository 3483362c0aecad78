//! The keys that verify signatures: Lago's public key routes (`GET /webhooks/public_key`, text,
//! deprecated by Lago, and `GET /webhooks/json_public_key`), both the PEM in MIME Base64 as Lago
//! sends it; and ours: an endpoint's Standard Webhooks secret
//! (`GET /webhook_endpoints/{lago_id}/signing_secret`) and the organization's HMAC key
//! (`GET /webhooks/hmac_key`, `POST /webhooks/hmac_key/rotate`).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use entitlements::v1 as pb;
use serde_json::json;

use crate::grpc_clients::GrpcClients;
use crate::lago_error::LagoError;
use crate::lago_extract::LagoPath;
use crate::lago_json::json_response;
use crate::with_api_key;

use super::fetch_endpoint;

pub(super) async fn public_key_text(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
) -> Result<Response, LagoError> {
    let public_key = public_key_base64(&clients, &headers).await?;
    let mut response = (StatusCode::OK, public_key).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    Ok(response)
}

pub(super) async fn public_key_json(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
) -> Result<Response, LagoError> {
    let public_key = public_key_base64(&clients, &headers).await?;
    Ok(json_response(StatusCode::OK, &json!({ "webhook": { "public_key": public_key } })))
}

async fn public_key_base64(clients: &GrpcClients, headers: &HeaderMap) -> Result<String, LagoError> {
    let request = with_api_key(headers, pb::GetWebhookPublicKeyRequest {});
    let response = clients
        .webhooks()
        .get_webhook_public_key(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(response.into_inner().public_key_base64)
}

pub(super) async fn signing_secret(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(id): LagoPath<String>,
) -> Result<Response, LagoError> {
    let endpoint = fetch_endpoint(&clients, &headers, id).await?;
    let body = json!({
        "webhook_endpoint": { "lago_id": endpoint.id, "signing_secret": endpoint.signing_secret },
    });
    Ok(json_response(StatusCode::OK, &body))
}

pub(super) async fn hmac_key(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::GetWebhookHmacKeyRequest {});
    let response = clients
        .webhooks()
        .get_webhook_hmac_key(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(hmac_key_response(response.into_inner().hmac_key))
}

pub(super) async fn rotate_hmac_key(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::RotateWebhookHmacKeyRequest {});
    let response = clients
        .webhooks()
        .rotate_webhook_hmac_key(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(hmac_key_response(response.into_inner().hmac_key))
}

fn hmac_key_response(hmac_key: String) -> Response {
    json_response(StatusCode::OK, &json!({ "webhook": { "hmac_key": hmac_key } }))
}
