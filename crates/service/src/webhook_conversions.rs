//! Conversions between the WebhookService messages and domain types. Proto -> domain destructures
//! every message, so that a new field is a compile error here until it is handled.

use entitlements::v1 as pb;
use entitlements_domain::webhook::delivery::DeliveryStatus;
use entitlements_domain::webhook::delivery_log::WebhookDelivery;
use entitlements_domain::webhook::endpoint::{
    SignatureAlgo, WebhookEndpoint, WebhookEndpointCreateInput, WebhookEndpointUpdateInput,
};
use entitlements_domain::{
    Error, ErrorCode, OrganizationId, Resource, ValidationErrors, WebhookDeliveryId, WebhookEndpointId,
};
use prost_types::FieldMask;
use uuid::Uuid;

use crate::feature_conversions::timestamp;
use crate::update_mask::UpdateMask;

/// The request field that holds an endpoint to write.
pub(crate) const WEBHOOK_ENDPOINT: &str = "webhook_endpoint";

pub(crate) fn create_input(
    request: pb::CreateWebhookEndpointRequest,
) -> Result<WebhookEndpointCreateInput, Error> {
    let pb::CreateWebhookEndpointRequest { webhook_endpoint } = request;
    let pb::WebhookEndpointCreateInput { webhook_url, signature_algo, name, event_types } =
        webhook_endpoint.ok_or_else(|| Error::missing_param(WEBHOOK_ENDPOINT))?;
    Ok(WebhookEndpointCreateInput {
        webhook_url: Some(webhook_url),
        signature_algo: algorithm_name(signature_algo),
        name,
        event_types: event_types.map(|pb::WebhookEventTypes { names }| names),
    })
}

/// The update as `update_mask` selects it.
///
/// # Errors
/// `BadRequest` when the request carries no `webhook_endpoint`; `update_mask: unknown_field`.
pub(crate) fn update_input(
    webhook_endpoint: Option<pb::WebhookEndpointUpdateInput>,
    update_mask: Option<FieldMask>,
) -> Result<WebhookEndpointUpdateInput, Error> {
    let pb::WebhookEndpointUpdateInput { webhook_url, signature_algo, name, event_types } =
        webhook_endpoint.ok_or_else(|| Error::missing_param(WEBHOOK_ENDPOINT))?;
    let mask = UpdateMask::resolve(
        update_mask,
        "update_mask",
        &[
            ("webhook_url", webhook_url.is_some()),
            ("signature_algo", signature_algo.is_some()),
            ("name", name.is_some()),
            ("event_types", event_types.is_some()),
        ],
    )?;
    Ok(WebhookEndpointUpdateInput {
        webhook_url: mask.field("webhook_url", webhook_url),
        signature_algo: mask
            .field("signature_algo", signature_algo)
            .map(|algo| algo.and_then(algorithm_name)),
        name: mask.field("name", name),
        event_types: mask.field("event_types", event_types.map(|pb::WebhookEventTypes { names }| names)),
    })
}

/// The algorithm's name for the domain to check: none for UNSPECIFIED, and a number this version
/// does not define as its digits, which name no algorithm.
fn algorithm_name(value: i32) -> Option<String> {
    match pb::WebhookSignatureAlgorithm::try_from(value) {
        Ok(pb::WebhookSignatureAlgorithm::Unspecified) => None,
        Ok(pb::WebhookSignatureAlgorithm::Jwt) => Some(SignatureAlgo::Jwt.as_str().to_owned()),
        Ok(pb::WebhookSignatureAlgorithm::Hmac) => Some(SignatureAlgo::Hmac.as_str().to_owned()),
        Err(_) => Some(value.to_string()),
    }
}

/// An endpoint id; one that is not a UUID names no endpoint.
pub(crate) fn endpoint_id(id: &str) -> Result<WebhookEndpointId, Error> {
    Uuid::try_parse(id).map(WebhookEndpointId).map_err(|_| Error::not_found(Resource::WebhookEndpoint, id))
}

/// A delivery id; one that is not a UUID names no delivery.
pub(crate) fn delivery_id(id: &str) -> Result<WebhookDeliveryId, Error> {
    Uuid::try_parse(id).map(WebhookDeliveryId).map_err(|_| Error::not_found(Resource::Webhook, id))
}

/// The delivery log's filter: none for UNSPECIFIED.
///
/// # Errors
/// `status: value_is_invalid` for a number this version does not define.
pub(crate) fn status_filter(value: i32) -> Result<Option<DeliveryStatus>, Error> {
    match pb::WebhookDeliveryStatus::try_from(value) {
        Ok(pb::WebhookDeliveryStatus::Unspecified) => Ok(None),
        Ok(pb::WebhookDeliveryStatus::Pending) => Ok(Some(DeliveryStatus::Pending)),
        Ok(pb::WebhookDeliveryStatus::Retrying) => Ok(Some(DeliveryStatus::Retrying)),
        Ok(pb::WebhookDeliveryStatus::Succeeded) => Ok(Some(DeliveryStatus::Succeeded)),
        Ok(pb::WebhookDeliveryStatus::Failed) => Ok(Some(DeliveryStatus::Failed)),
        Err(_) => Err(ValidationErrors::single("status", ErrorCode::ValueIsInvalid).into()),
    }
}

fn status_to_pb(status: DeliveryStatus) -> pb::WebhookDeliveryStatus {
    match status {
        DeliveryStatus::Pending => pb::WebhookDeliveryStatus::Pending,
        DeliveryStatus::Retrying => pb::WebhookDeliveryStatus::Retrying,
        DeliveryStatus::Succeeded => pb::WebhookDeliveryStatus::Succeeded,
        DeliveryStatus::Failed => pb::WebhookDeliveryStatus::Failed,
    }
}

pub(crate) fn endpoint_to_pb(
    organization_id: OrganizationId,
    endpoint: &WebhookEndpoint,
) -> pb::WebhookEndpoint {
    let signature_algo = match endpoint.signature_algo {
        SignatureAlgo::Jwt => pb::WebhookSignatureAlgorithm::Jwt,
        SignatureAlgo::Hmac => pb::WebhookSignatureAlgorithm::Hmac,
    };
    pb::WebhookEndpoint {
        id: endpoint.id.to_string(),
        organization_id: organization_id.to_string(),
        webhook_url: endpoint.webhook_url.clone(),
        signature_algo: signature_algo.into(),
        name: endpoint.name.clone(),
        event_types: endpoint.event_types.clone().map(|names| pb::WebhookEventTypes { names }),
        signing_secret: endpoint.signing_secret.clone(),
        disabled_at: endpoint.disabled_at.map(timestamp),
        created_at: Some(timestamp(endpoint.created_at)),
        updated_at: Some(timestamp(endpoint.updated_at)),
    }
}

pub(crate) fn delivery_to_pb(delivery: &WebhookDelivery) -> pb::WebhookDelivery {
    pb::WebhookDelivery {
        id: delivery.id.to_string(),
        webhook_endpoint_id: delivery.endpoint_id.to_string(),
        webhook_type: delivery.webhook_type.clone(),
        object_type: delivery.object_type.clone(),
        revision: delivery.revision,
        status: status_to_pb(delivery.status).into(),
        attempts: delivery.attempts,
        last_http_status: delivery.last_http_status.map(u32::from),
        last_response: delivery.last_response.clone(),
        last_attempt_at: delivery.last_attempt_at.map(timestamp),
        next_attempt_at: delivery.next_attempt_at.map(timestamp),
        created_at: Some(timestamp(delivery.created_at)),
        updated_at: Some(timestamp(delivery.updated_at)),
        payload: delivery.payload.clone(),
    }
}
