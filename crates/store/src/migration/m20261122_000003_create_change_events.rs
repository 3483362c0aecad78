//! The change log: every committed mutation appends here, in the same transaction.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ChangeEvents {
    Table,
    OrganizationId,
    Sequence,
    EventType,
    ObjectType,
    ObjectId,
    ObjectCode,
    CreatedAt,
}

#[async_trait::async_trait]
#[allow(
    elided_lifetimes_in_paths,
    reason = "the signature must match MigrationTrait, whose lifetime is late-bound"
)]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangeEvents::Table)
                    .col(ColumnDef::new(ChangeEvents::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(ChangeEvents::Sequence).big_integer().not_null())
                    .col(ColumnDef::new(ChangeEvents::EventType).string().not_null())
                    .col(ColumnDef::new(ChangeEvents::ObjectType).string().not_null())
                    .col(ColumnDef::new(ChangeEvents::ObjectId).uuid().not_null())
                    .col(ColumnDef::new(ChangeEvents::ObjectCode).string().not_null())
                    .col(ColumnDef::new(ChangeEvents::CreatedAt).timestamp_with_time_zone().not_null())
                    // The primary key is also the index a reader uses to follow the log.
                    .primary_key(
                        Index::create().col(ChangeEvents::OrganizationId).col(ChangeEvents::Sequence),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChangeEvents::Table, ChangeEvents::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await
    }
}
