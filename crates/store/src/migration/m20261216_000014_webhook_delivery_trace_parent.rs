//! `webhook_deliveries.trace_parent`: the W3C `traceparent` of the request whose write produced
//! the delivery, when that request was traced, so that the dispatcher's attempts continue its
//! trace. Null for deliveries written while traces are not exported.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    TraceParent,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookDeliveries::Table)
                    .add_column(text_null(WebhookDeliveries::TraceParent))
                    .to_owned(),
            )
            .await
    }
}
