//! Taxes, soft-deleted, with codes unique among rows not deleted, so that a deleted tax's code can
//! be reused like every other code (Lago keeps it taken).

use sea_orm_migration::{prelude::*, schema::*};

use super::{created_at, deleted_at, execute_all, id, organization_id, organization_key, updated_at};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Taxes {
    Table,
    Code,
    Name,
    Rate,
    Description,
    AppliedToOrganization,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Taxes::Table)
                    .col(id())
                    .col(organization_id())
                    .col(string(Taxes::Code))
                    .col(string(Taxes::Name))
                    // Lago's column is a float: rates are echoed as JSON numbers such as 20.0.
                    .col(double(Taxes::Rate))
                    .col(text_null(Taxes::Description))
                    .col(boolean(Taxes::AppliedToOrganization).default(false))
                    .col(deleted_at())
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(Taxes::Table))
                    .to_owned(),
            )
            .await?;
        execute_all(
            manager,
            &[
                // Lookups by code (one or many), and uniqueness among taxes that are not deleted.
                "CREATE UNIQUE INDEX idx_taxes_code_unique_per_organization \
                 ON taxes (organization_id, code) WHERE deleted_at IS NULL",
                // The list: by name, then newest first.
                "CREATE INDEX idx_taxes_organization_name \
                 ON taxes (organization_id, name, created_at DESC, id) WHERE deleted_at IS NULL",
            ],
        )
        .await
    }
}
