//! Removals: a subscription hiding one of its plan's features, or one plan privilege's value.
//! Like entitlements, they are deleted rather than soft-deleted, and `subscription_id` carries no
//! foreign key (subscriptions are created by a later migration).

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
}

#[derive(DeriveIden)]
enum EntitlementPrivileges {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EntitlementSubscriptionFeatureRemovals {
    Table,
    Id,
    OrganizationId,
    SubscriptionId,
    EntitlementFeatureId,
    EntitlementPrivilegeId,
    CreatedAt,
}

#[async_trait::async_trait]
#[allow(
    elided_lifetimes_in_paths,
    reason = "the signature must match MigrationTrait, whose lifetime is late-bound"
)]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use EntitlementSubscriptionFeatureRemovals as Removals;
        manager
            .create_table(
                Table::create()
                    .table(Removals::Table)
                    .col(ColumnDef::new(Removals::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Removals::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(Removals::SubscriptionId).uuid().not_null())
                    .col(ColumnDef::new(Removals::EntitlementFeatureId).uuid().null())
                    .col(ColumnDef::new(Removals::EntitlementPrivilegeId).uuid().null())
                    .col(ColumnDef::new(Removals::CreatedAt).timestamp_with_time_zone().not_null())
                    .check(Expr::cust(
                        "(entitlement_feature_id IS NULL) <> (entitlement_privilege_id IS NULL)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Removals::Table, Removals::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Removals::Table, Removals::EntitlementFeatureId)
                            .to(EntitlementFeatures::Table, EntitlementFeatures::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Removals::Table, Removals::EntitlementPrivilegeId)
                            .to(EntitlementPrivileges::Table, EntitlementPrivileges::Id),
                    )
                    .to_owned(),
            )
            .await?;
        execute_all(
            manager,
            &[
                // One removal per feature, and per privilege, of a subscription; also its lookup.
                "CREATE UNIQUE INDEX idx_removals_feature_per_subscription \
                 ON entitlement_subscription_feature_removals (subscription_id, entitlement_feature_id) \
                 WHERE entitlement_feature_id IS NOT NULL",
                "CREATE UNIQUE INDEX idx_removals_privilege_per_subscription \
                 ON entitlement_subscription_feature_removals (subscription_id, entitlement_privilege_id) \
                 WHERE entitlement_privilege_id IS NOT NULL",
            ],
        )
        .await
    }
}
