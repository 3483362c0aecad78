//! The change log: every committed mutation appends here, in the same transaction.

use sea_orm_migration::{prelude::*, schema::*};

use super::{SharedColumn, created_at, organization_id, organization_key};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ChangeEvents {
    Table,
    Sequence,
    EventType,
    ObjectType,
    ObjectId,
    ObjectCode,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangeEvents::Table)
                    .col(organization_id())
                    .col(big_integer(ChangeEvents::Sequence))
                    .col(string(ChangeEvents::EventType))
                    .col(string(ChangeEvents::ObjectType))
                    .col(uuid(ChangeEvents::ObjectId))
                    .col(string(ChangeEvents::ObjectCode))
                    .col(created_at())
                    // The primary key is also the index a reader uses to follow the log.
                    .primary_key(
                        Index::create().col(SharedColumn::OrganizationId).col(ChangeEvents::Sequence),
                    )
                    .foreign_key(&mut organization_key(ChangeEvents::Table))
                    .to_owned(),
            )
            .await
    }
}
