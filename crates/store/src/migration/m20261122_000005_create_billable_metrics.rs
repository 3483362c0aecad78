//! Billable metrics and their filters, soft-deleted, with metric codes unique among rows not
//! deleted and one filter per key.

use sea_orm_migration::{prelude::*, schema::*};

use super::{
    created_at, deleted_at, execute_all, id, organization_id, organization_key, references, updated_at,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum BillableMetrics {
    Table,
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
}

#[derive(DeriveIden)]
enum BillableMetricFilters {
    Table,
    BillableMetricId,
    Key,
    Values,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BillableMetrics::Table)
                    .col(id())
                    .col(organization_id())
                    .col(string(BillableMetrics::Code))
                    .col(string(BillableMetrics::Name))
                    .col(text_null(BillableMetrics::Description))
                    // Lago's spellings (`sum_agg`, `seconds`, `round`), readable in the database.
                    .col(string(BillableMetrics::AggregationType))
                    .col(string_null(BillableMetrics::FieldName))
                    .col(boolean(BillableMetrics::Recurring).default(false))
                    .col(string_null(BillableMetrics::WeightedInterval))
                    .col(string_null(BillableMetrics::RoundingFunction))
                    .col(integer_null(BillableMetrics::RoundingPrecision))
                    .col(text_null(BillableMetrics::Expression))
                    .col(deleted_at())
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut organization_key(BillableMetrics::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BillableMetricFilters::Table)
                    .col(id())
                    .col(organization_id())
                    .col(uuid(BillableMetricFilters::BillableMetricId))
                    .col(string(BillableMetricFilters::Key))
                    // A JSON array of strings, sorted and unique.
                    .col(json_binary(BillableMetricFilters::Values))
                    .col(deleted_at())
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut references(
                        BillableMetricFilters::Table,
                        BillableMetricFilters::BillableMetricId,
                        BillableMetrics::Table,
                    ))
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
