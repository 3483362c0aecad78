//! Our delivery log routes (Lago has them in its dashboard API only):
//! `GET /webhook_endpoints/{lago_id}/webhooks` (newest first; `status`, `page`, `per_page`),
//! `GET /webhooks/{id}` and `POST /webhooks/{id}/retry`.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use entitlements::v1 as pb;
use serde_json::{Value, json};

use crate::grpc_clients::GrpcClients;
use crate::lago_error::LagoError;
use crate::lago_extract::{LagoPath, LagoQuery};
use crate::lago_json::{json_response, timestamp};
use crate::pagination_params::{RestPage, fetch_rest_page, total_count};
use crate::with_api_key;

/// The status number the gateway sends for a `status` word that names none: defined by no
/// version, so the service answers `status: value_is_invalid`.
const UNKNOWN_STATUS: i32 = -1;

pub(super) async fn list_deliveries(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(webhook_endpoint_id): LagoPath<String>,
    LagoQuery(params): LagoQuery<HashMap<String, String>>,
) -> Result<Response, LagoError> {
    let status = params.get("status").map_or(0, |word| status_number(word));
    let probe = pb::ListWebhookDeliveriesRequest {
        webhook_endpoint_id: webhook_endpoint_id.clone(),
        status,
        page: 0,
        per_page: 1,
    };
    let rest_page = RestPage::read(
        params.get("page").map(String::as_str),
        params.get("per_page").map(String::as_str),
        clients.webhooks().list_webhook_deliveries(with_api_key(&headers, probe)),
    )
    .await?;
    let (deliveries, meta) = fetch_rest_page(rest_page, |page, per_page| {
        let mut client = clients.webhooks();
        let request = with_api_key(
            &headers,
            pb::ListWebhookDeliveriesRequest {
                webhook_endpoint_id: webhook_endpoint_id.clone(),
                status,
                page,
                per_page,
            },
        );
        async move {
            let pb::ListWebhookDeliveriesResponse { webhook_deliveries, meta } =
                client.list_webhook_deliveries(request).await?.into_inner();
            Ok((webhook_deliveries, total_count(meta.as_ref())))
        }
    })
    .await
    .map_err(|status| LagoError::from_status(&status, None))?;
    let body = json!({
        "webhooks": deliveries.iter().map(delivery_to_json).collect::<Vec<_>>(),
        "meta": meta,
    });
    Ok(json_response(StatusCode::OK, &body))
}

pub(super) async fn get_delivery(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(id): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::GetWebhookDeliveryRequest { id });
    let response = clients
        .webhooks()
        .get_webhook_delivery(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(delivery_response(response.into_inner().webhook_delivery))
}

pub(super) async fn retry_delivery(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(id): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::RetryWebhookDeliveryRequest { id });
    let response = clients
        .webhooks()
        .retry_webhook_delivery(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(delivery_response(response.into_inner().webhook_delivery))
}

fn delivery_response(delivery: Option<pb::WebhookDelivery>) -> Response {
    json_response(StatusCode::OK, &json!({ "webhook": delivery_to_json(&delivery.unwrap_or_default()) }))
}

fn status_number(word: &str) -> i32 {
    let status = match word {
        "pending" => pb::WebhookDeliveryStatus::Pending,
        "retrying" => pb::WebhookDeliveryStatus::Retrying,
        "succeeded" => pb::WebhookDeliveryStatus::Succeeded,
        "failed" => pb::WebhookDeliveryStatus::Failed,
        _ => return UNKNOWN_STATUS,
    };
    status.into()
}

fn status_word(value: i32) -> &'static str {
    match pb::WebhookDeliveryStatus::try_from(value) {
        Ok(pb::WebhookDeliveryStatus::Retrying) => "retrying",
        Ok(pb::WebhookDeliveryStatus::Succeeded) => "succeeded",
        Ok(pb::WebhookDeliveryStatus::Failed) => "failed",
        _ => "pending",
    }
}

/// One delivery: the log's fields, then the exact body sent (a string, so that its bytes are
/// those the signatures cover).
fn delivery_to_json(delivery: &pb::WebhookDelivery) -> Value {
    json!({
        "lago_id": delivery.id,
        "lago_webhook_endpoint_id": delivery.webhook_endpoint_id,
        "webhook_type": delivery.webhook_type,
        "object_type": delivery.object_type,
        "revision": delivery.revision,
        "status": status_word(delivery.status),
        "attempts": delivery.attempts,
        "last_http_status": delivery.last_http_status,
        "last_response": delivery.last_response,
        "last_attempt_at": timestamp(delivery.last_attempt_at.as_ref()),
        "next_attempt_at": timestamp(delivery.next_attempt_at.as_ref()),
        "created_at": timestamp(delivery.created_at.as_ref()),
        "updated_at": timestamp(delivery.updated_at.as_ref()),
        "payload": delivery.payload,
    })
}
