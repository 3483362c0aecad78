//! `webhook_deliveries`: the outbox, one row per event and endpoint, with its attempts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// Also the delivery's `X-Lago-Unique-Key` and `webhook-id`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub webhook_endpoint_id: Uuid,
    pub revision: i64,
    pub webhook_type: String,
    pub object_type: String,
    pub object_id: Uuid,
    pub payload: String,
    /// `pending`, `retrying`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub leased_until: Option<DateTimeUtc>,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_http_status: Option<i32>,
    pub last_response: Option<String>,
    /// The `traceparent` of the request whose write produced the delivery, if it was traced.
    pub trace_parent: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

plain_entity!();
