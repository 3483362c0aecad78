//! Entitlements: a feature attached to exactly one plan or one subscription, and the value it
//! grants each privilege (as text, validated against the privilege's type on the way in).
//! Rows are deleted, not soft-deleted: nothing reads a removed entitlement, and the change log
//! keeps the history.
//!
//! `subscription_id` has no foreign key: subscriptions are created by a later migration, and
//! SQLite cannot add a foreign key to an existing table. The store removes a subscription's
//! entitlements with it.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000002_create_features::{EntitlementFeatures, EntitlementPrivileges};
use super::m20261122_000006_create_plans::Plans;
use super::{created_at, execute_all, id, organization_id, organization_key, references, updated_at};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum EntitlementEntitlements {
    Table,
    EntitlementFeatureId,
    PlanId,
    SubscriptionId,
}

#[derive(DeriveIden)]
enum EntitlementEntitlementValues {
    Table,
    EntitlementEntitlementId,
    EntitlementPrivilegeId,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use EntitlementEntitlementValues as Values;
        use EntitlementEntitlements as Entitlements;
        manager
            .create_table(
                Table::create()
                    .table(Entitlements::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid(Entitlements::EntitlementFeatureId))
                    .col(uuid_null(Entitlements::PlanId))
                    .col(uuid_null(Entitlements::SubscriptionId))
                    .col(created_at())
                    .col(updated_at())
                    .check(Expr::cust("(plan_id IS NULL) <> (subscription_id IS NULL)"))
                    .foreign_key(&mut organization_key(Entitlements::Table))
                    .foreign_key(&mut references(
                        Entitlements::Table,
                        Entitlements::EntitlementFeatureId,
                        EntitlementFeatures::Table,
                    ))
                    .foreign_key(&mut references(Entitlements::Table, Entitlements::PlanId, Plans::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Values::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid(Values::EntitlementEntitlementId))
                    .col(uuid(Values::EntitlementPrivilegeId))
                    .col(text(Values::Value))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(Values::Table))
                    .foreign_key(&mut references(
                        Values::Table,
                        Values::EntitlementEntitlementId,
                        Entitlements::Table,
                    ))
                    .foreign_key(&mut references(
                        Values::Table,
                        Values::EntitlementPrivilegeId,
                        EntitlementPrivileges::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        execute_all(
            manager,
            &[
                // One entitlement per feature and owner; also the owner's listing in creation order.
                "CREATE UNIQUE INDEX idx_entitlements_feature_per_plan \
                 ON entitlement_entitlements (plan_id, entitlement_feature_id) WHERE plan_id IS NOT NULL",
                "CREATE UNIQUE INDEX idx_entitlements_feature_per_subscription \
                 ON entitlement_entitlements (subscription_id, entitlement_feature_id) \
                 WHERE subscription_id IS NOT NULL",
                // Removing a deleted feature from every plan and subscription.
                "CREATE INDEX idx_entitlements_feature ON entitlement_entitlements (entitlement_feature_id)",
                // One value per privilege and entitlement (the upsert target).
                "CREATE UNIQUE INDEX idx_entitlement_values_privilege_per_entitlement \
                 ON entitlement_entitlement_values (entitlement_entitlement_id, entitlement_privilege_id)",
                // Removing a deleted privilege's values.
                "CREATE INDEX idx_entitlement_values_privilege \
                 ON entitlement_entitlement_values (entitlement_privilege_id)",
            ],
        )
        .await
    }
}
