//! Billable metrics and their filters, soft-deleted, with metric codes unique among rows not
//! deleted and one filter per key.

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
enum BillableMetrics {
    Table,
    Id,
    OrganizationId,
    Code,
    Name,
    Description,
    AggregationType,
    FieldName,
    Recurring,
    WeightedInterval,
    RoundingFunction,
    RoundingPrecision,
    Expression,
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BillableMetricFilters {
    Table,
    Id,
    OrganizationId,
    BillableMetricId,
    Key,
    Values,
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
                    .table(BillableMetrics::Table)
                    .col(ColumnDef::new(BillableMetrics::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(BillableMetrics::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(BillableMetrics::Code).string().not_null())
                    .col(ColumnDef::new(BillableMetrics::Name).string().not_null())
                    .col(ColumnDef::new(BillableMetrics::Description).text().null())
                    // Lago's spellings (`sum_agg`, `seconds`, `round`), readable in the database.
                    .col(ColumnDef::new(BillableMetrics::AggregationType).string().not_null())
                    .col(ColumnDef::new(BillableMetrics::FieldName).string().null())
                    .col(ColumnDef::new(BillableMetrics::Recurring).boolean().not_null().default(false))
                    .col(ColumnDef::new(BillableMetrics::WeightedInterval).string().null())
                    .col(ColumnDef::new(BillableMetrics::RoundingFunction).string().null())
                    .col(ColumnDef::new(BillableMetrics::RoundingPrecision).integer().null())
                    .col(ColumnDef::new(BillableMetrics::Expression).text().null())
                    .col(ColumnDef::new(BillableMetrics::DeletedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(BillableMetrics::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(BillableMetrics::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(BillableMetrics::Table, BillableMetrics::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BillableMetricFilters::Table)
                    .col(ColumnDef::new(BillableMetricFilters::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(BillableMetricFilters::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(BillableMetricFilters::BillableMetricId).uuid().not_null())
                    .col(ColumnDef::new(BillableMetricFilters::Key).string().not_null())
                    // A JSON array of strings, sorted and unique.
                    .col(ColumnDef::new(BillableMetricFilters::Values).json_binary().not_null())
                    .col(ColumnDef::new(BillableMetricFilters::DeletedAt).timestamp_with_time_zone().null())
                    .col(
                        ColumnDef::new(BillableMetricFilters::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BillableMetricFilters::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(BillableMetricFilters::Table, BillableMetricFilters::BillableMetricId)
                            .to(BillableMetrics::Table, BillableMetrics::Id),
                    )
                    .to_owned(),
            )
            .await?;
        execute_all(
            manager,
            &[
                // Lookups by code (one or many), and uniqueness among metrics that are not deleted.
                "CREATE UNIQUE INDEX idx_billable_metrics_code_unique_per_organization \
                 ON billable_metrics (organization_id, code) WHERE deleted_at IS NULL",
                // The list: newest first within an organization.
                "CREATE INDEX idx_billable_metrics_organization_created_at \
                 ON billable_metrics (organization_id, created_at DESC, id) WHERE deleted_at IS NULL",
                // A metric's filters, one per key.
                "CREATE UNIQUE INDEX idx_billable_metric_filters_key_unique_per_metric \
                 ON billable_metric_filters (billable_metric_id, key) WHERE deleted_at IS NULL",
            ],
        )
        .await
    }
}
