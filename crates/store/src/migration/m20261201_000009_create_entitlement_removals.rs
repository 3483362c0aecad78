//! Removals: a subscription hiding one of its plan's features, or one plan privilege's value.
//! Like entitlements, they are deleted rather than soft-deleted, and `subscription_id` carries no
//! foreign key (subscriptions are created by a later migration).

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000002_create_features::{EntitlementFeatures, EntitlementPrivileges};
use super::{created_at, execute_all, id, organization_id, organization_key, references};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum EntitlementSubscriptionFeatureRemovals {
    Table,
    SubscriptionId,
    EntitlementFeatureId,
    EntitlementPrivilegeId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use EntitlementSubscriptionFeatureRemovals as Removals;
        manager
            .create_table(
                Table::create()
                    .table(Removals::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid(Removals::SubscriptionId))
                    .col(uuid_null(Removals::EntitlementFeatureId))
                    .col(uuid_null(Removals::EntitlementPrivilegeId))
                    .col(created_at())
                    .check(Expr::cust(
                        "(entitlement_feature_id IS NULL) <> (entitlement_privilege_id IS NULL)",
                    ))
                    .foreign_key(&mut organization_key(Removals::Table))
                    .foreign_key(&mut references(
                        Removals::Table,
                        Removals::EntitlementFeatureId,
                        EntitlementFeatures::Table,
                    ))
                    .foreign_key(&mut references(
                        Removals::Table,
                        Removals::EntitlementPrivilegeId,
                        EntitlementPrivileges::Table,
                    ))
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
