//! Taxes, soft-deleted, with codes unique among rows not deleted, so that a deleted tax's code can
//! be reused like every other code (Lago keeps it taken).

use sea_orm_migration::prelude::*;

use super::execute_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Taxes {
    Table,
    Id,
    OrganizationId,
    Code,
    Name,
    Rate,
    Description,
    AppliedToOrganization,
    DeletedAt,
    CreatedAt,
    UpdatedAt,
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
                    .table(Taxes::Table)
                    .col(ColumnDef::new(Taxes::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Taxes::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(Taxes::Code).string().not_null())
                    .col(ColumnDef::new(Taxes::Name).string().not_null())
                    // Lago's column is a float: rates are echoed as JSON numbers such as 20.0.
                    .col(ColumnDef::new(Taxes::Rate).double().not_null())
                    .col(ColumnDef::new(Taxes::Description).text().null())
                    .col(ColumnDef::new(Taxes::AppliedToOrganization).boolean().not_null().default(false))
                    .col(ColumnDef::new(Taxes::DeletedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Taxes::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Taxes::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Taxes::Table, Taxes::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
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
