//! The delivery log: what an endpoint was sent, and how each delivery fared (Lago keeps it in its
//! dashboard API only; we serve it over gRPC and REST, with a manual retry).

use chrono::{DateTime, Utc};

use crate::ids::{WebhookDeliveryId, WebhookEndpointId};
use crate::webhook::delivery::DeliveryStatus;

/// One delivery of one event to one endpoint, with its last attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    pub endpoint_id: WebhookEndpointId,
    /// Lago's event name, such as `plan.updated`.
    pub webhook_type: String,
    pub object_type: String,
    /// The organization's revision of the event.
    pub revision: i64,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_http_status: Option<u16>,
    /// The last response's body (truncated) or the transport error.
    pub last_response: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the next attempt is due; `None` once the delivery succeeded or failed for good.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The exact body sent, frozen when the event committed.
    pub payload: String,
}
