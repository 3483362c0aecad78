//! `/api/v1/webhook_endpoints` and `/api/v1/webhooks/...`: Lago's webhook endpoint and public key
//! routes over WebhookService, plus ours (documented in the gateway's README): an endpoint's
//! delivery log and signing secret, one delivery and its retry, and the organization's HMAC key.

mod deliveries;
mod keys;
mod webhook_endpoint_json;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use entitlements::v1 as pb;
use serde_json::json;

use crate::grpc_clients::GrpcClients;
use crate::lago_error::LagoError;
use crate::lago_extract::{LagoPath, LagoQuery};
use crate::lago_json::json_response;
use crate::pagination_params::{RestPage, fetch_rest_page, total_count};
use crate::request_body::{error_after_lookup, json_object, split_body};
use crate::with_api_key;

use webhook_endpoint_json::{Parsed, ROOT, create_input_from_json, endpoint_to_json, update_input_from_json};

pub(crate) fn routes() -> Router<GrpcClients> {
    Router::new()
        .route("/webhook_endpoints", get(list_endpoints).post(create_endpoint))
        .route(
            "/webhook_endpoints/{lago_id}",
            get(get_endpoint).put(update_endpoint).patch(update_endpoint).delete(delete_endpoint),
        )
        .route("/webhook_endpoints/{lago_id}/webhooks", get(deliveries::list_deliveries))
        .route("/webhook_endpoints/{lago_id}/signing_secret", get(keys::signing_secret))
        .route("/webhooks/public_key", get(keys::public_key_text))
        .route("/webhooks/json_public_key", get(keys::public_key_json))
        .route("/webhooks/hmac_key", get(keys::hmac_key))
        .route("/webhooks/hmac_key/rotate", post(keys::rotate_hmac_key))
        .route("/webhooks/{id}", get(deliveries::get_delivery))
        .route("/webhooks/{id}/retry", post(deliveries::retry_delivery))
}

async fn create_endpoint(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (parsed, body_error) = split_body(json_object(&headers, &body).and_then(create_input_from_json));
    let webhook_endpoint = match parsed {
        Some(Parsed::Invalid(violations)) => {
            // A list call authenticates, as the create would have.
            let probe = with_api_key(&headers, pb::ListWebhookEndpointsRequest { page: 1, per_page: 1 });
            let mut client = clients.webhooks();
            let lookup = client.list_webhook_endpoints(probe);
            return Err(error_after_lookup(lookup, LagoError::validation(&violations)).await);
        }
        Some(Parsed::Input(input)) => Some(input),
        None => None,
    };
    let request = with_api_key(&headers, pb::CreateWebhookEndpointRequest { webhook_endpoint });
    let response = clients
        .webhooks()
        .create_webhook_endpoint(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(endpoint_response(response.into_inner().webhook_endpoint))
}

async fn list_endpoints(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoQuery(params): LagoQuery<HashMap<String, String>>,
) -> Result<Response, LagoError> {
    let probe = pb::ListWebhookEndpointsRequest { page: 0, per_page: 1 };
    let rest_page = RestPage::read(
        params.get("page").map(String::as_str),
        params.get("per_page").map(String::as_str),
        clients.webhooks().list_webhook_endpoints(with_api_key(&headers, probe)),
    )
    .await?;
    let (endpoints, meta) = fetch_rest_page(rest_page, |page, per_page| {
        let mut client = clients.webhooks();
        let request = with_api_key(&headers, pb::ListWebhookEndpointsRequest { page, per_page });
        async move {
            let pb::ListWebhookEndpointsResponse { webhook_endpoints, meta } =
                client.list_webhook_endpoints(request).await?.into_inner();
            Ok((webhook_endpoints, total_count(meta.as_ref())))
        }
    })
    .await
    .map_err(|status| LagoError::from_status(&status, None))?;
    let body = json!({
        "webhook_endpoints": endpoints.iter().map(endpoint_to_json).collect::<Vec<_>>(),
        "meta": meta,
    });
    Ok(json_response(StatusCode::OK, &body))
}

async fn get_endpoint(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(id): LagoPath<String>,
) -> Result<Response, LagoError> {
    Ok(endpoint_response(Some(fetch_endpoint(&clients, &headers, id).await?)))
}

/// The endpoint `id` of the caller's organization.
async fn fetch_endpoint(
    clients: &GrpcClients,
    headers: &HeaderMap,
    id: String,
) -> Result<pb::WebhookEndpoint, LagoError> {
    let request = with_api_key(headers, pb::GetWebhookEndpointRequest { id });
    let response = clients
        .webhooks()
        .get_webhook_endpoint(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(response.into_inner().webhook_endpoint.unwrap_or_default())
}

async fn update_endpoint(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(id): LagoPath<String>,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (parsed, body_error) = split_body(json_object(&headers, &body).and_then(update_input_from_json));
    let (webhook_endpoint, update_mask) = match parsed {
        Some(Parsed::Invalid(violations)) => {
            // Lago finds the endpoint (404) before it validates.
            let mut client = clients.webhooks();
            let lookup =
                client.get_webhook_endpoint(with_api_key(&headers, pb::GetWebhookEndpointRequest { id }));
            return Err(error_after_lookup(lookup, LagoError::validation(&violations)).await);
        }
        Some(Parsed::Input((input, mask))) => (Some(input), Some(mask)),
        None => (None, None),
    };
    let request =
        with_api_key(&headers, pb::UpdateWebhookEndpointRequest { id, webhook_endpoint, update_mask });
    let response = clients
        .webhooks()
        .update_webhook_endpoint(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(endpoint_response(response.into_inner().webhook_endpoint))
}

async fn delete_endpoint(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(id): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::DeleteWebhookEndpointRequest { id });
    let response = clients
        .webhooks()
        .delete_webhook_endpoint(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(endpoint_response(response.into_inner().webhook_endpoint))
}

fn endpoint_response(endpoint: Option<pb::WebhookEndpoint>) -> Response {
    json_response(StatusCode::OK, &json!({ ROOT: endpoint_to_json(&endpoint.unwrap_or_default()) }))
}
