//! Entitlements: a feature attached to exactly one plan or one subscription, and the value it
//! grants each privilege (as text, validated against the privilege's type on the way in).
//! Rows are deleted, not soft-deleted: nothing reads a removed entitlement, and the change log
//! keeps the history.
//!
//! `subscription_id` has no foreign key: subscriptions are created by a later migration, and
//! SQLite cannot add a foreign key to an existing table. The store removes a subscription's
//! entitlements with it.

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
enum Plans {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EntitlementEntitlements {
    Table,
    Id,
    OrganizationId,
    EntitlementFeatureId,
    PlanId,
    SubscriptionId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EntitlementEntitlementValues {
    Table,
    Id,
    OrganizationId,
    EntitlementEntitlementId,
    EntitlementPrivilegeId,
    Value,
    CreatedAt,
    UpdatedAt,
}

fn timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).timestamp_with_time_zone().not_null().to_owned()
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
                    .table(EntitlementEntitlements::Table)
                    .col(ColumnDef::new(EntitlementEntitlements::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(EntitlementEntitlements::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(EntitlementEntitlements::EntitlementFeatureId).uuid().not_null())
                    .col(ColumnDef::new(EntitlementEntitlements::PlanId).uuid().null())
                    .col(ColumnDef::new(EntitlementEntitlements::SubscriptionId).uuid().null())
                    .col(timestamp(EntitlementEntitlements::CreatedAt))
                    .col(timestamp(EntitlementEntitlements::UpdatedAt))
                    .check(Expr::cust("(plan_id IS NULL) <> (subscription_id IS NULL)"))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntitlementEntitlements::Table, EntitlementEntitlements::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                EntitlementEntitlements::Table,
                                EntitlementEntitlements::EntitlementFeatureId,
                            )
                            .to(EntitlementFeatures::Table, EntitlementFeatures::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntitlementEntitlements::Table, EntitlementEntitlements::PlanId)
                            .to(Plans::Table, Plans::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EntitlementEntitlementValues::Table)
                    .col(ColumnDef::new(EntitlementEntitlementValues::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(EntitlementEntitlementValues::OrganizationId).uuid().not_null())
                    .col(
                        ColumnDef::new(EntitlementEntitlementValues::EntitlementEntitlementId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EntitlementEntitlementValues::EntitlementPrivilegeId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(EntitlementEntitlementValues::Value).text().not_null())
                    .col(timestamp(EntitlementEntitlementValues::CreatedAt))
                    .col(timestamp(EntitlementEntitlementValues::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                EntitlementEntitlementValues::Table,
                                EntitlementEntitlementValues::OrganizationId,
                            )
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                EntitlementEntitlementValues::Table,
                                EntitlementEntitlementValues::EntitlementEntitlementId,
                            )
                            .to(EntitlementEntitlements::Table, EntitlementEntitlements::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                EntitlementEntitlementValues::Table,
                                EntitlementEntitlementValues::EntitlementPrivilegeId,
                            )
                            .to(EntitlementPrivileges::Table, EntitlementPrivileges::Id),
                    )
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
