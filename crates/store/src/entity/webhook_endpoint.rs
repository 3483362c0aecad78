//! `webhook_endpoints`: where an organization's webhooks go, and how they are signed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub webhook_url: String,
    /// `jwt` or `hmac`.
    pub signature_algo: String,
    pub name: Option<String>,
    /// A JSON array of event type names; null for every event.
    pub event_types: Option<String>,
    pub signing_secret: String,
    pub disabled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

plain_entity!();
