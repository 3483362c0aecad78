//! Plans with their charges, usage thresholds, minimum commitments, and the taxes applied to
//! plans, charges and commitments. Charge properties and filters are Lago's JSON, stored as
//! sent (after slicing), so they are echoed exactly.

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
enum Plans {
    Table,
    Id,
    OrganizationId,
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
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Charges {
    Table,
    Id,
    OrganizationId,
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
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UsageThresholds {
    Table,
    Id,
    OrganizationId,
    PlanId,
    AmountCents,
    ThresholdDisplayName,
    Recurring,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MinimumCommitments {
    Table,
    Id,
    OrganizationId,
    PlanId,
    AmountCents,
    InvoiceDisplayName,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppliedTaxes {
    Table,
    Id,
    OrganizationId,
    OwnerId,
    TaxId,
    CreatedAt,
}

fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).uuid().not_null().primary_key().to_owned()
}

fn organization_key(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(Organizations::Table, Organizations::Id).to_owned()
}

fn plan_key(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(Plans::Table, Plans::Id).to_owned()
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
                    .table(Plans::Table)
                    .col(id(Plans::Id))
                    .col(ColumnDef::new(Plans::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(Plans::Code).string().not_null())
                    .col(ColumnDef::new(Plans::Name).string().not_null())
                    .col(ColumnDef::new(Plans::InvoiceDisplayName).string().null())
                    .col(ColumnDef::new(Plans::Description).string().null())
                    .col(ColumnDef::new(Plans::Interval).string().not_null())
                    .col(ColumnDef::new(Plans::AmountCents).big_integer().not_null())
                    .col(ColumnDef::new(Plans::AmountCurrency).string().not_null())
                    .col(ColumnDef::new(Plans::TrialPeriod).double().null())
                    .col(ColumnDef::new(Plans::PayInAdvance).boolean().not_null())
                    .col(ColumnDef::new(Plans::BillChargesMonthly).boolean().null())
                    .col(ColumnDef::new(Plans::BillFixedChargesMonthly).boolean().null())
                    .col(ColumnDef::new(Plans::ParentId).uuid().null())
                    .col(ColumnDef::new(Plans::PendingDeletion).boolean().not_null().default(false))
                    .col(ColumnDef::new(Plans::Metadata).json_binary().null())
                    .col(ColumnDef::new(Plans::DeletedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Plans::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Plans::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut organization_key(Plans::Table, Plans::OrganizationId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Charges::Table)
                    .col(id(Charges::Id))
                    .col(ColumnDef::new(Charges::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(Charges::PlanId).uuid().not_null())
                    .col(ColumnDef::new(Charges::BillableMetricId).uuid().not_null())
                    .col(ColumnDef::new(Charges::Code).string().not_null())
                    .col(ColumnDef::new(Charges::InvoiceDisplayName).string().null())
                    .col(ColumnDef::new(Charges::ChargeModel).string().not_null())
                    .col(ColumnDef::new(Charges::PayInAdvance).boolean().not_null())
                    .col(ColumnDef::new(Charges::Prorated).boolean().not_null())
                    .col(ColumnDef::new(Charges::Invoiceable).boolean().not_null())
                    .col(ColumnDef::new(Charges::RegroupPaidFees).string().null())
                    .col(ColumnDef::new(Charges::MinAmountCents).big_integer().not_null())
                    .col(ColumnDef::new(Charges::Properties).json_binary().not_null())
                    .col(ColumnDef::new(Charges::Filters).json_binary().not_null())
                    .col(ColumnDef::new(Charges::DeletedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Charges::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Charges::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut organization_key(Charges::Table, Charges::OrganizationId))
                    .foreign_key(&mut plan_key(Charges::Table, Charges::PlanId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UsageThresholds::Table)
                    .col(id(UsageThresholds::Id))
                    .col(ColumnDef::new(UsageThresholds::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(UsageThresholds::PlanId).uuid().not_null())
                    .col(ColumnDef::new(UsageThresholds::AmountCents).big_integer().not_null())
                    .col(ColumnDef::new(UsageThresholds::ThresholdDisplayName).string().null())
                    .col(ColumnDef::new(UsageThresholds::Recurring).boolean().not_null())
                    .col(ColumnDef::new(UsageThresholds::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(UsageThresholds::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut organization_key(
                        UsageThresholds::Table,
                        UsageThresholds::OrganizationId,
                    ))
                    .foreign_key(&mut plan_key(UsageThresholds::Table, UsageThresholds::PlanId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MinimumCommitments::Table)
                    .col(id(MinimumCommitments::Id))
                    .col(ColumnDef::new(MinimumCommitments::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(MinimumCommitments::PlanId).uuid().not_null().unique_key())
                    .col(ColumnDef::new(MinimumCommitments::AmountCents).big_integer().not_null())
                    .col(ColumnDef::new(MinimumCommitments::InvoiceDisplayName).string().null())
                    .col(ColumnDef::new(MinimumCommitments::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(MinimumCommitments::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut organization_key(
                        MinimumCommitments::Table,
                        MinimumCommitments::OrganizationId,
                    ))
                    .foreign_key(&mut plan_key(MinimumCommitments::Table, MinimumCommitments::PlanId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppliedTaxes::Table)
                    .col(id(AppliedTaxes::Id))
                    .col(ColumnDef::new(AppliedTaxes::OrganizationId).uuid().not_null())
                    // A plan, a charge or a minimum commitment.
                    .col(ColumnDef::new(AppliedTaxes::OwnerId).uuid().not_null())
                    .col(ColumnDef::new(AppliedTaxes::TaxId).uuid().not_null())
                    .col(ColumnDef::new(AppliedTaxes::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut organization_key(AppliedTaxes::Table, AppliedTaxes::OrganizationId))
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
