//! Organizations (tenants) and their API keys, stored as SHA-256 hashes only.

use sea_orm_migration::{prelude::*, schema::*};

use super::{SharedColumn, created_at, id, organization_id, organization_key, updated_at};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
pub(super) enum Organizations {
    Table,
    Name,
    ChangeSequence,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    KeyHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(id())
                    .col(string_uniq(Organizations::Name))
                    .col(big_integer(Organizations::ChangeSequence).default(0))
                    .col(created_at())
                    .col(updated_at())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(id())
                    .col(organization_id())
                    .col(string_uniq(ApiKeys::KeyHash))
                    .col(created_at())
                    .foreign_key(&mut organization_key(ApiKeys::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_keys_organization_id")
                    .table(ApiKeys::Table)
                    .col(SharedColumn::OrganizationId)
                    .to_owned(),
            )
            .await
    }
}
