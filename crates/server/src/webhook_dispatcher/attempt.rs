//! One delivery attempt: the signed request, and how it ended. The body is the payload stored
//! when the event committed, byte for byte; the headers are computed per attempt from the
//! endpoint's current URL and signature algorithm (as Lago does) and a fresh timestamp.

use std::time::Duration;

use entitlements_domain::webhook::delivery::AttemptOutcome;
use entitlements_domain::webhook::endpoint::SignatureAlgo;
use entitlements_domain::webhook::signing::{WebhookSigningKey, hmac_signature, standard_webhooks_signature};
use entitlements_store::{DueDelivery, WEBHOOK_RESPONSE_KEPT_BYTES};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

use tracing::Instrument as _;

use super::http_client::{SendError, check_url};
use crate::telemetry::{propagation, webhook_span};

/// What an attempt produced, for the delivery log.
#[derive(Debug)]
pub(crate) struct AttemptResult {
    pub(crate) outcome: AttemptOutcome,
    pub(crate) http_status: Option<u16>,
    /// The start of the response body, or why there was no answer.
    pub(crate) response: String,
}

/// The keys a request is signed with.
#[derive(Debug)]
pub(crate) struct SigningKeys<'a> {
    pub(crate) jwt: &'a WebhookSigningKey,
    pub(crate) jwt_issuer: Option<&'a str>,
    pub(crate) hmac_key: &'a str,
}

/// Sends `delivery` once; while traces are exported, in a client span that continues the trace
/// of the write that produced it, and with its `traceparent` on the request.
pub(crate) async fn attempt(
    client: &reqwest::Client,
    delivery: &DueDelivery,
    keys: &SigningKeys<'_>,
    timestamp: i64,
    allow_private_networks: bool,
) -> AttemptResult {
    let Some(span) = webhook_span::delivery_span(delivery) else {
        return send(client, delivery, keys, timestamp, allow_private_networks, false).await;
    };
    let result =
        send(client, delivery, keys, timestamp, allow_private_networks, true).instrument(span.clone()).await;
    webhook_span::record_outcome(&span, result.http_status);
    result
}

async fn send(
    client: &reqwest::Client,
    delivery: &DueDelivery,
    keys: &SigningKeys<'_>,
    timestamp: i64,
    allow_private_networks: bool,
    traced: bool,
) -> AttemptResult {
    let no_answer = |error: &dyn std::fmt::Display| AttemptResult {
        outcome: AttemptOutcome::NoAnswer,
        http_status: None,
        response: error.to_string(),
    };
    let url = match check_url(&delivery.endpoint.url, allow_private_networks) {
        Ok(url) => url,
        Err(error) => return no_answer(&error),
    };
    let mut headers = match headers(delivery, keys, timestamp) {
        Ok(headers) => headers,
        Err(error) => return no_answer(&error),
    };
    if traced {
        propagation::inject_current(&mut headers);
    }
    let sent = client.post(url).headers(headers).body(delivery.payload.clone()).send().await;
    let mut response = match sent {
        Ok(response) => response,
        Err(error) => return no_answer(&describe(&error)),
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut body = Vec::new();
    // Only the start of the answer is kept (the store cuts it to size); the rest is not read.
    while body.len() < WEBHOOK_RESPONSE_KEPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    AttemptResult {
        outcome: AttemptOutcome::Answered { status, retry_after },
        http_status: Some(status),
        response: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Lago's headers (`X-Lago-Signature`, `-Algorithm`, `-Unique-Key`), the Standard Webhooks ones
/// (`webhook-id` equal to the unique key, `webhook-timestamp`, `webhook-signature`) and the
/// event's revision.
fn headers(delivery: &DueDelivery, keys: &SigningKeys<'_>, timestamp: i64) -> Result<HeaderMap, SendError> {
    let signature = match delivery.endpoint.signature_algo {
        SignatureAlgo::Jwt => keys.jwt.jwt(&delivery.payload, keys.jwt_issuer),
        SignatureAlgo::Hmac => hmac_signature(keys.hmac_key, &delivery.payload),
    };
    let id = delivery.id.to_string();
    let standard_signature =
        standard_webhooks_signature(&delivery.endpoint.signing_secret, &id, timestamp, &delivery.payload)
            .map_err(|error| SendError::Transport(error.to_string()))?;
    let value =
        |text: String| HeaderValue::try_from(text).map_err(|error| SendError::Transport(error.to_string()));
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("x-lago-signature", value(signature)?);
    headers.insert(
        "x-lago-signature-algorithm",
        HeaderValue::from_static(delivery.endpoint.signature_algo.as_str()),
    );
    headers.insert("x-lago-unique-key", value(id.clone())?);
    headers.insert("webhook-id", value(id)?);
    headers.insert("webhook-timestamp", value(timestamp.to_string())?);
    headers.insert("webhook-signature", value(standard_signature)?);
    headers.insert("x-entitlements-revision", value(delivery.revision.to_string())?);
    Ok(headers)
}

/// A transport error with its causes (reqwest's own message alone says only "error sending
/// request").
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() { "timed out: ".to_owned() } else { String::new() };
    text.push_str(&error.to_string());
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
