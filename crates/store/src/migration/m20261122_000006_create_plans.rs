//! Plans with their charges, usage thresholds, minimum commitments, and the taxes applied to
//! plans, charges and commitments. Charge properties and filters are Lago's JSON, stored as
//! sent (after slicing), so they are echoed exactly.

use sea_orm_migration::{prelude::*, schema::*};

use super::{
    created_at, deleted_at, execute_all, id, organization_id, organization_key, references, updated_at,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
pub(super) enum Plans {
    Table,
    Code,
    Name,
    InvoiceDisplayName,
    Description,
    Interval,
    AmountCents,
    AmountCurrency,
    TrialPeriod,
    PayInAdvance,
    BillChargesMonthly,
    BillFixedChargesMonthly,
    ParentId,
    PendingDeletion,
    Metadata,
}

#[derive(DeriveIden)]
enum Charges {
    Table,
    PlanId,
    BillableMetricId,
    Code,
    InvoiceDisplayName,
    ChargeModel,
    PayInAdvance,
    Prorated,
    Invoiceable,
    RegroupPaidFees,
    MinAmountCents,
    Properties,
    Filters,
}

#[derive(DeriveIden)]
enum UsageThresholds {
    Table,
    PlanId,
    AmountCents,
    ThresholdDisplayName,
    Recurring,
}

#[derive(DeriveIden)]
enum MinimumCommitments {
    Table,
    PlanId,
    AmountCents,
    InvoiceDisplayName,
}

#[derive(DeriveIden)]
enum AppliedTaxes {
    Table,
    OwnerId,
    TaxId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(id())
                    .col(organization_id())
                    .col(string(Plans::Code))
                    .col(string(Plans::Name))
                    .col(string_null(Plans::InvoiceDisplayName))
                    .col(string_null(Plans::Description))
                    .col(string(Plans::Interval))
                    .col(big_integer(Plans::AmountCents))
                    .col(string(Plans::AmountCurrency))
                    .col(double_null(Plans::TrialPeriod))
                    .col(boolean(Plans::PayInAdvance))
                    .col(boolean_null(Plans::BillChargesMonthly))
                    .col(boolean_null(Plans::BillFixedChargesMonthly))
                    .col(uuid_null(Plans::ParentId))
                    .col(boolean(Plans::PendingDeletion).default(false))
                    .col(json_binary_null(Plans::Metadata))
                    .col(deleted_at())
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(Plans::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Charges::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid(Charges::PlanId))
                    .col(uuid(Charges::BillableMetricId))
                    .col(string(Charges::Code))
                    .col(string_null(Charges::InvoiceDisplayName))
                    .col(string(Charges::ChargeModel))
                    .col(boolean(Charges::PayInAdvance))
                    .col(boolean(Charges::Prorated))
                    .col(boolean(Charges::Invoiceable))
                    .col(string_null(Charges::RegroupPaidFees))
                    .col(big_integer(Charges::MinAmountCents))
                    .col(json_binary(Charges::Properties))
                    .col(json_binary(Charges::Filters))
                    .col(deleted_at())
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(Charges::Table))
                    .foreign_key(&mut references(Charges::Table, Charges::PlanId, Plans::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UsageThresholds::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid(UsageThresholds::PlanId))
                    .col(big_integer(UsageThresholds::AmountCents))
                    .col(string_null(UsageThresholds::ThresholdDisplayName))
                    .col(boolean(UsageThresholds::Recurring))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(UsageThresholds::Table))
                    .foreign_key(&mut references(
                        UsageThresholds::Table,
                        UsageThresholds::PlanId,
                        Plans::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MinimumCommitments::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid_uniq(MinimumCommitments::PlanId))
                    .col(big_integer(MinimumCommitments::AmountCents))
                    .col(string_null(MinimumCommitments::InvoiceDisplayName))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(MinimumCommitments::Table))
                    .foreign_key(&mut references(
                        MinimumCommitments::Table,
                        MinimumCommitments::PlanId,
                        Plans::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppliedTaxes::Table)
                    .col(id())
                    .col(organization_id())
                    // A plan, a charge or a minimum commitment.
                    .col(uuid(AppliedTaxes::OwnerId))
                    .col(uuid(AppliedTaxes::TaxId))
                    .col(created_at())
                    .foreign_key(&mut organization_key(AppliedTaxes::Table))
                    .to_owned(),
            )
            .await?;
        execute_all(
            manager,
            &[
                "CREATE UNIQUE INDEX idx_plans_code_unique_per_organization \
                 ON plans (organization_id, code) WHERE deleted_at IS NULL AND parent_id IS NULL",
                "CREATE INDEX idx_plans_organization_created_at \
                 ON plans (organization_id, created_at DESC, id) WHERE deleted_at IS NULL",
                "CREATE UNIQUE INDEX idx_charges_code_unique_per_plan ON charges (plan_id, code) WHERE deleted_at IS NULL",
                "CREATE INDEX idx_charges_plan_created_at ON charges (plan_id, created_at, id) WHERE deleted_at IS NULL",
                // Which plans use a metric: for metric deletion and the attached-metric rules.
                "CREATE INDEX idx_charges_billable_metric ON charges (billable_metric_id) WHERE deleted_at IS NULL",
                "CREATE INDEX idx_usage_thresholds_plan ON usage_thresholds (plan_id, created_at, id)",
                "CREATE INDEX idx_applied_taxes_owner ON applied_taxes (owner_id, created_at, id)",
                // Removing a deleted tax from everything it applied to.
                "CREATE INDEX idx_applied_taxes_tax ON applied_taxes (tax_id)",
            ],
        )
        .await
    }
}
