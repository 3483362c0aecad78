//! Subscriptions: a customer on a plan, under the organization's `external_id`. Upgrades and
//! downgrades add a subscription with the same external id linked to the one it replaces
//! (`previous_subscription_id`); rows are never deleted. Enumerations are stored as Lago spells
//! them.
//!
//! `downgrade_at` is when a scheduled downgrade takes effect; `transition_due_at` is when time
//! alone next changes the row (its start, its `ending_at`, a downgrade replacing it), kept by
//! every write so that the sweeper finds due transitions with one index scan.

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
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    OrganizationId,
    CustomerId,
    PlanId,
    PreviousSubscriptionId,
    ExternalId,
    Name,
    Status,
    BillingTime,
    SubscriptionAt,
    StartedAt,
    EndingAt,
    TerminatedAt,
    CanceledAt,
    DowngradeAt,
    TransitionDueAt,
    OnTerminationCreditNote,
    OnTerminationInvoice,
    ProgressiveBillingDisabled,
    ConsolidateInvoice,
    PurchaseOrderNumber,
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
        let instant =
            |column: Subscriptions| ColumnDef::new(column).timestamp_with_time_zone().null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .col(ColumnDef::new(Subscriptions::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Subscriptions::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(Subscriptions::CustomerId).uuid().not_null())
                    .col(ColumnDef::new(Subscriptions::PlanId).uuid().not_null())
                    .col(ColumnDef::new(Subscriptions::PreviousSubscriptionId).uuid().null())
                    .col(ColumnDef::new(Subscriptions::ExternalId).text().not_null())
                    .col(ColumnDef::new(Subscriptions::Name).text().null())
                    .col(ColumnDef::new(Subscriptions::Status).string().not_null())
                    .col(ColumnDef::new(Subscriptions::BillingTime).string().not_null())
                    .col(ColumnDef::new(Subscriptions::SubscriptionAt).timestamp_with_time_zone().not_null())
                    .col(instant(Subscriptions::StartedAt))
                    .col(instant(Subscriptions::EndingAt))
                    .col(instant(Subscriptions::TerminatedAt))
                    .col(instant(Subscriptions::CanceledAt))
                    .col(instant(Subscriptions::DowngradeAt))
                    .col(instant(Subscriptions::TransitionDueAt))
                    .col(ColumnDef::new(Subscriptions::OnTerminationCreditNote).string().null())
                    .col(ColumnDef::new(Subscriptions::OnTerminationInvoice).string().not_null())
                    .col(ColumnDef::new(Subscriptions::ProgressiveBillingDisabled).boolean().not_null())
                    .col(ColumnDef::new(Subscriptions::ConsolidateInvoice).boolean().not_null())
                    .col(ColumnDef::new(Subscriptions::PurchaseOrderNumber).text().null())
                    .col(ColumnDef::new(Subscriptions::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Subscriptions::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Subscriptions::Table, Subscriptions::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Subscriptions::Table, Subscriptions::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Subscriptions::Table, Subscriptions::PlanId)
                            .to(Plans::Table, Plans::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Subscriptions::Table, Subscriptions::PreviousSubscriptionId)
                            .to(Subscriptions::Table, Subscriptions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        execute_all(
            manager,
            &[
                // Lookups by external id (and status), the entitlement endpoints' included.
                "CREATE INDEX idx_subscriptions_external_id \
                 ON subscriptions (organization_id, external_id, status)",
                // At most one active subscription per external id in an organization.
                "CREATE UNIQUE INDEX idx_subscriptions_active_external_id_unique \
                 ON subscriptions (organization_id, external_id) WHERE status = 'active'",
                // A customer's subscriptions (creation, deletion, the customer's list).
                "CREATE INDEX idx_subscriptions_customer ON subscriptions (customer_id, status)",
                // A plan's subscriptions (plan deletion).
                "CREATE INDEX idx_subscriptions_plan ON subscriptions (plan_id, status)",
                // The subscriptions replacing one (next plan code, scheduled downgrades).
                "CREATE INDEX idx_subscriptions_previous ON subscriptions (previous_subscription_id) \
                 WHERE previous_subscription_id IS NOT NULL",
                // The list: by status, newest subscription date first.
                "CREATE INDEX idx_subscriptions_list \
                 ON subscriptions (organization_id, status, subscription_at DESC, created_at DESC, id)",
                // The list filters by customer external id and by plan code or currency, which
                // match deleted customers and plans too (their subscriptions remain).
                "CREATE INDEX idx_customers_external_id_with_deleted ON customers (organization_id, external_id)",
                "CREATE INDEX idx_plans_code_with_deleted ON plans (organization_id, code)",
                "CREATE INDEX idx_plans_currency ON plans (organization_id, amount_currency)",
                // Due transitions: everywhere (the sweeper), and in one organization (its reads).
                "CREATE INDEX idx_subscriptions_transition_due ON subscriptions (transition_due_at) \
                 WHERE transition_due_at IS NOT NULL",
                "CREATE INDEX idx_subscriptions_organization_transition_due \
                 ON subscriptions (organization_id, transition_due_at) WHERE transition_due_at IS NOT NULL",
            ],
        )
        .await
    }
}
