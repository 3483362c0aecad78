//! Subscriptions: a customer on a plan, under the organization's `external_id`. Upgrades and
//! downgrades add a subscription with the same external id linked to the one it replaces
//! (`previous_subscription_id`); rows are never deleted. Enumerations are stored as Lago spells
//! them.
//!
//! `downgrade_at` is when a scheduled downgrade takes effect; `transition_due_at` is when time
//! alone next changes the row (its start, its `ending_at`, a downgrade replacing it), kept by
//! every write so that the sweeper finds due transitions with one index scan.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000006_create_plans::Plans;
use super::m20261201_000008_create_customers::Customers;
use super::{created_at, execute_all, id, organization_id, organization_key, references, updated_at};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
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
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid(Subscriptions::CustomerId))
                    .col(uuid(Subscriptions::PlanId))
                    .col(uuid_null(Subscriptions::PreviousSubscriptionId))
                    .col(text(Subscriptions::ExternalId))
                    .col(text_null(Subscriptions::Name))
                    .col(string(Subscriptions::Status))
                    .col(string(Subscriptions::BillingTime))
                    .col(timestamp_with_time_zone(Subscriptions::SubscriptionAt))
                    .col(timestamp_with_time_zone_null(Subscriptions::StartedAt))
                    .col(timestamp_with_time_zone_null(Subscriptions::EndingAt))
                    .col(timestamp_with_time_zone_null(Subscriptions::TerminatedAt))
                    .col(timestamp_with_time_zone_null(Subscriptions::CanceledAt))
                    .col(timestamp_with_time_zone_null(Subscriptions::DowngradeAt))
                    .col(timestamp_with_time_zone_null(Subscriptions::TransitionDueAt))
                    .col(string_null(Subscriptions::OnTerminationCreditNote))
                    .col(string(Subscriptions::OnTerminationInvoice))
                    .col(boolean(Subscriptions::ProgressiveBillingDisabled))
                    .col(boolean(Subscriptions::ConsolidateInvoice))
                    .col(text_null(Subscriptions::PurchaseOrderNumber))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(Subscriptions::Table))
                    .foreign_key(&mut references(
                        Subscriptions::Table,
                        Subscriptions::CustomerId,
                        Customers::Table,
                    ))
                    .foreign_key(&mut references(Subscriptions::Table, Subscriptions::PlanId, Plans::Table))
                    .foreign_key(&mut references(
                        Subscriptions::Table,
                        Subscriptions::PreviousSubscriptionId,
                        Subscriptions::Table,
                    ))
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
