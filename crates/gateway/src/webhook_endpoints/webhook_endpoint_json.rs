//! Lago's webhook endpoint JSON <-> WebhookService messages. Strong parameters keep
//! `webhook_url`, `signature_algo`, `name` and `event_types`; other keys are ignored.
//!
//! Values the gRPC contract cannot carry are mapped so that the service refuses them as Lago
//! would (a non-string URL or name is its JSON text; an unknown algorithm a number no algorithm
//! has), except a malformed `event_types`, which the gateway reports itself.

use entitlements::v1 as pb;
use entitlements_domain::ErrorCode;
use entitlements_domain::webhook::endpoint::MUST_BE_ARRAY;
use serde_json::{Map, Value, json};

use crate::lago_error::BodyError;
use crate::lago_json::timestamp;
use crate::request_body::root_object;
use crate::update_mask::MaskPaths;

/// The root key of the request and response bodies.
pub(super) const ROOT: &str = "webhook_endpoint";

/// The algorithm number the gateway sends for a name that is neither `jwt` nor `hmac`: defined by
/// no version, so the service answers `signature_algo: value_is_invalid`.
const UNKNOWN_ALGORITHM: i32 = -1;

/// A body the gateway can forward, or the field errors it found itself (Lago's key and code).
pub(super) enum Parsed<T> {
    Input(T),
    Invalid(Vec<(String, String)>),
}

/// `{"webhook_endpoint": {...}}` of POST /webhook_endpoints; `None` when the root is missing,
/// empty or not an object.
pub(super) fn create_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<Parsed<pb::WebhookEndpointCreateInput>>, BodyError> {
    let Some(endpoint) = endpoint_root(body)? else { return Ok(None) };
    let event_types = match event_types(&endpoint) {
        Ok(event_types) => event_types.flatten(),
        Err(violation) => return Ok(Some(Parsed::Invalid(vec![violation]))),
    };
    Ok(Some(Parsed::Input(pb::WebhookEndpointCreateInput {
        webhook_url: text(&endpoint, "webhook_url").flatten().unwrap_or_default(),
        signature_algo: signature_algo(&endpoint).flatten().unwrap_or_default(),
        name: text(&endpoint, "name").flatten(),
        event_types,
    })))
}

/// `{"webhook_endpoint": {...}}` of PUT/PATCH /webhook_endpoints/{lago_id} with its update mask:
/// the keys given; `None` when the root is missing, empty or not an object.
pub(super) fn update_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<Parsed<(pb::WebhookEndpointUpdateInput, prost_types::FieldMask)>>, BodyError> {
    let Some(endpoint) = endpoint_root(body)? else { return Ok(None) };
    let event_types = match event_types(&endpoint) {
        Ok(event_types) => event_types,
        Err(violation) => return Ok(Some(Parsed::Invalid(vec![violation]))),
    };
    let mut mask = MaskPaths::default();
    let update = pb::WebhookEndpointUpdateInput {
        webhook_url: mask.field("webhook_url", text(&endpoint, "webhook_url")),
        signature_algo: mask.field("signature_algo", signature_algo(&endpoint)),
        name: mask.field("name", text(&endpoint, "name")),
        event_types: mask.field("event_types", event_types),
    };
    Ok(Some(Parsed::Input((update, mask.into_field_mask()))))
}

/// A root that is not an object is Lago's "param is missing" too.
fn endpoint_root(mut body: Map<String, Value>) -> Result<Option<Map<String, Value>>, BodyError> {
    if body.get(ROOT).is_some_and(|root| !root.is_object()) {
        body.remove(ROOT);
    }
    root_object(body, ROOT)
}

/// A text field: absent, null, or the string (any other value as its JSON text, which Rails
/// would store as text too).
fn text(endpoint: &Map<String, Value>, key: &str) -> Option<Option<String>> {
    match endpoint.get(key)? {
        Value::Null => Some(None),
        Value::String(text) => Some(Some(text.clone())),
        other => Some(Some(other.to_string())),
    }
}

/// The algorithm: absent, null, or its enum number (`UNKNOWN_ALGORITHM` for any other value).
fn signature_algo(endpoint: &Map<String, Value>) -> Option<Option<i32>> {
    let algorithm = match endpoint.get("signature_algo")? {
        Value::Null => return Some(None),
        Value::String(name) if name == "jwt" => pb::WebhookSignatureAlgorithm::Jwt.into(),
        Value::String(name) if name == "hmac" => pb::WebhookSignatureAlgorithm::Hmac.into(),
        _ => UNKNOWN_ALGORITHM,
    };
    Some(Some(algorithm))
}

/// `event_types`: absent, null (every event), or the array's strings with its nulls dropped (the
/// service normalizes them).
///
/// # Errors
/// `(event_types, must_be_array)` for a value that is not an array; `(event_types,
/// value_is_invalid)` for an array holding something other than strings and nulls.
fn event_types(
    endpoint: &Map<String, Value>,
) -> Result<Option<Option<pb::WebhookEventTypes>>, (String, String)> {
    let violation = |code: &str| ("event_types".to_owned(), code.to_owned());
    match endpoint.get("event_types") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Array(elements)) => {
            let mut names = Vec::with_capacity(elements.len());
            for element in elements {
                match element {
                    Value::String(name) => names.push(name.clone()),
                    Value::Null => {}
                    _ => return Err(violation(ErrorCode::ValueIsInvalid.as_str())),
                }
            }
            Ok(Some(Some(pb::WebhookEventTypes { names })))
        }
        Some(_) => Err(violation(MUST_BE_ARRAY)),
    }
}

/// Lago's webhook endpoint object, keys in Lago's order.
pub(super) fn endpoint_to_json(endpoint: &pb::WebhookEndpoint) -> Value {
    json!({
        "lago_id": endpoint.id,
        "lago_organization_id": endpoint.organization_id,
        "webhook_url": endpoint.webhook_url,
        "signature_algo": algorithm_name(endpoint.signature_algo),
        "name": endpoint.name,
        "event_types": endpoint.event_types.as_ref().map(|event_types| &event_types.names),
        "created_at": timestamp(endpoint.created_at.as_ref()),
    })
}

pub(super) fn algorithm_name(value: i32) -> &'static str {
    match pb::WebhookSignatureAlgorithm::try_from(value) {
        Ok(pb::WebhookSignatureAlgorithm::Hmac) => "hmac",
        _ => "jwt",
    }
}
