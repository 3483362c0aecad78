//! Features and their privileges, soft-deleted, with codes unique among rows not deleted.

use sea_orm_migration::{prelude::*, schema::*};

use super::{
    created_at, deleted_at, execute_all, id, organization_id, organization_key, references, updated_at,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
pub(super) enum EntitlementFeatures {
    Table,
    Code,
    Name,
    Description,
}

#[derive(DeriveIden)]
pub(super) enum EntitlementPrivileges {
    Table,
    EntitlementFeatureId,
    Code,
    Name,
    ValueType,
    Config,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EntitlementFeatures::Table)
                    .col(id())
                    .col(organization_id())
                    .col(string(EntitlementFeatures::Code))
                    .col(string_null(EntitlementFeatures::Name))
                    .col(string_null(EntitlementFeatures::Description))
                    .col(deleted_at())
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(EntitlementFeatures::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EntitlementPrivileges::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid(EntitlementPrivileges::EntitlementFeatureId))
                    .col(string(EntitlementPrivileges::Code))
                    .col(string_null(EntitlementPrivileges::Name))
                    .col(string(EntitlementPrivileges::ValueType))
                    .col(json_binary(EntitlementPrivileges::Config))
                    .col(deleted_at())
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut references(
                        EntitlementPrivileges::Table,
                        EntitlementPrivileges::EntitlementFeatureId,
                        EntitlementFeatures::Table,
                    ))
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
