//! Webhooks: the endpoints of each organization, the outbox of deliveries (one row per event and
//! endpoint, written in the transaction that commits the event), each organization's HMAC key,
//! and the installation's secrets (the JWT signing key, shared by every replica).
//!
//! Deliveries carry no foreign key to their endpoint: deleting an endpoint deletes its deliveries
//! in the same transaction, and a write fanning out to an endpoint must not wait on its row.

use sea_orm_migration::{prelude::*, schema::*};

use super::{created_at, execute_all, id, organization_id, organization_key, updated_at};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    WebhookUrl,
    SignatureAlgo,
    Name,
    /// A JSON array of event type names; null for every event.
    EventTypes,
    /// The Standard Webhooks `whsec_` secret.
    SigningSecret,
    /// Set when the endpoint answered 410 Gone; an update clears it.
    DisabledAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    WebhookEndpointId,
    /// The organization's revision of the event (`x-entitlements-revision`).
    Revision,
    WebhookType,
    ObjectType,
    ObjectId,
    /// The exact body, frozen when the event committed.
    Payload,
    Status,
    Attempts,
    /// When the next attempt is due; null once the delivery succeeded or failed for good.
    NextAttemptAt,
    /// Until when a dispatcher owns the current attempt; another may take the delivery after.
    LeasedUntil,
    LastAttemptAt,
    LastHttpStatus,
    /// The last response's body (truncated) or the transport error.
    LastResponse,
}

#[derive(DeriveIden)]
enum WebhookHmacKeys {
    Table,
    OrganizationId,
    HmacKey,
}

#[derive(DeriveIden)]
enum InstallationSecrets {
    Table,
    Name,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(id())
                    .col(organization_id())
                    .col(text(WebhookEndpoints::WebhookUrl))
                    .col(string(WebhookEndpoints::SignatureAlgo))
                    .col(text_null(WebhookEndpoints::Name))
                    .col(text_null(WebhookEndpoints::EventTypes))
                    .col(text(WebhookEndpoints::SigningSecret))
                    .col(timestamp_with_time_zone_null(WebhookEndpoints::DisabledAt))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(WebhookEndpoints::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid(WebhookDeliveries::WebhookEndpointId))
                    .col(big_integer(WebhookDeliveries::Revision))
                    .col(string(WebhookDeliveries::WebhookType))
                    .col(string(WebhookDeliveries::ObjectType))
                    .col(uuid(WebhookDeliveries::ObjectId))
                    .col(text(WebhookDeliveries::Payload))
                    .col(string(WebhookDeliveries::Status))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::LeasedUntil))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::LastAttemptAt))
                    .col(integer_null(WebhookDeliveries::LastHttpStatus))
                    .col(text_null(WebhookDeliveries::LastResponse))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(WebhookDeliveries::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookHmacKeys::Table)
                    .col(pk_uuid(WebhookHmacKeys::OrganizationId))
                    .col(text(WebhookHmacKeys::HmacKey))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(WebhookHmacKeys::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InstallationSecrets::Table)
                    .col(string(InstallationSecrets::Name).primary_key())
                    .col(text(InstallationSecrets::Value))
                    .col(created_at())
                    .to_owned(),
            )
            .await?;
        execute_all(
            manager,
            &[
                // One endpoint per URL (exact string) in an organization; also the list's order.
                "CREATE UNIQUE INDEX idx_webhook_endpoints_url \
                 ON webhook_endpoints (organization_id, webhook_url)",
                // The dispatcher's scan: deliveries due, soonest first. Finished ones drop out.
                "CREATE INDEX idx_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) \
                 WHERE next_attempt_at IS NOT NULL",
                // The retention's scan: finished deliveries, oldest first.
                "CREATE INDEX idx_webhook_deliveries_finished ON webhook_deliveries (updated_at) \
                 WHERE next_attempt_at IS NULL",
                // An endpoint's delivery log, newest first, and the deletion of its deliveries.
                "CREATE INDEX idx_webhook_deliveries_endpoint \
                 ON webhook_deliveries (webhook_endpoint_id, created_at)",
            ],
        )
        .await
    }
}
