//! Features and their privileges, soft-deleted, with codes unique among rows not deleted.

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
enum EntitlementFeatures {
    Table,
    Id,
    OrganizationId,
    Code,
    Name,
    Description,
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EntitlementPrivileges {
    Table,
    Id,
    OrganizationId,
    EntitlementFeatureId,
    Code,
    Name,
    ValueType,
    Config,
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
                    .table(EntitlementFeatures::Table)
                    .col(ColumnDef::new(EntitlementFeatures::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(EntitlementFeatures::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(EntitlementFeatures::Code).string().not_null())
                    .col(ColumnDef::new(EntitlementFeatures::Name).string().null())
                    .col(ColumnDef::new(EntitlementFeatures::Description).string().null())
                    .col(ColumnDef::new(EntitlementFeatures::DeletedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(EntitlementFeatures::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(EntitlementFeatures::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntitlementFeatures::Table, EntitlementFeatures::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EntitlementPrivileges::Table)
                    .col(ColumnDef::new(EntitlementPrivileges::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(EntitlementPrivileges::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(EntitlementPrivileges::EntitlementFeatureId).uuid().not_null())
                    .col(ColumnDef::new(EntitlementPrivileges::Code).string().not_null())
                    .col(ColumnDef::new(EntitlementPrivileges::Name).string().null())
                    .col(ColumnDef::new(EntitlementPrivileges::ValueType).string().not_null())
                    .col(ColumnDef::new(EntitlementPrivileges::Config).json_binary().not_null())
                    .col(ColumnDef::new(EntitlementPrivileges::DeletedAt).timestamp_with_time_zone().null())
                    .col(
                        ColumnDef::new(EntitlementPrivileges::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EntitlementPrivileges::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntitlementPrivileges::Table, EntitlementPrivileges::EntitlementFeatureId)
                            .to(EntitlementFeatures::Table, EntitlementFeatures::Id),
                    )
                    .to_owned(),
            )
            .await?;
        execute_all(
            manager,
            &[
                // Lookups by code, and uniqueness among features that are not deleted.
                "CREATE UNIQUE INDEX idx_features_code_unique_per_organization \
                 ON entitlement_features (organization_id, code) WHERE deleted_at IS NULL",
                // The list: newest first within an organization.
                "CREATE INDEX idx_features_organization_created_at \
                 ON entitlement_features (organization_id, created_at DESC, id) WHERE deleted_at IS NULL",
                "CREATE UNIQUE INDEX idx_privileges_code_unique_per_feature \
                 ON entitlement_privileges (entitlement_feature_id, code) WHERE deleted_at IS NULL",
                "CREATE INDEX idx_privileges_feature_created_at \
                 ON entitlement_privileges (entitlement_feature_id, created_at, id) WHERE deleted_at IS NULL",
            ],
        )
        .await
    }
}
