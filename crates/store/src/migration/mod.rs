//! Forward-only migrations, the same for SQLite and PostgreSQL. Partial unique indexes are plain
//! SQL because both databases accept the same `CREATE UNIQUE INDEX ... WHERE deleted_at IS NULL`.
//!
//! Deployed databases have run these migrations, so the schema they create must never change: the
//! shared columns and keys below are part of that history. Add a helper rather than change one.
#![allow(
    elided_lifetimes_in_paths,
    reason = "every migration's `up` must match MigrationTrait, whose lifetime is late-bound"
)]

use sea_orm_migration::{prelude::*, schema::*};

use m20261122_000001_create_organizations::Organizations;

mod m20261122_000001_create_organizations;
mod m20261122_000002_create_features;
mod m20261122_000003_create_change_events;
mod m20261122_000004_create_taxes;
mod m20261122_000005_create_billable_metrics;
mod m20261122_000006_create_plans;
mod m20261201_000007_create_entitlements;
mod m20261201_000008_create_customers;
mod m20261201_000009_create_entitlement_removals;
mod m20261201_000010_create_subscriptions;
mod m20261215_000011_index_change_events_created_at;
mod m20261216_000012_create_webhooks;
mod m20261216_000013_subscription_notices;
mod m20261216_000014_webhook_delivery_trace_parent;

/// All migrations, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_organizations::Migration),
            Box::new(m20261122_000002_create_features::Migration),
            Box::new(m20261122_000003_create_change_events::Migration),
            Box::new(m20261122_000004_create_taxes::Migration),
            Box::new(m20261122_000005_create_billable_metrics::Migration),
            Box::new(m20261122_000006_create_plans::Migration),
            Box::new(m20261201_000007_create_entitlements::Migration),
            Box::new(m20261201_000008_create_customers::Migration),
            Box::new(m20261201_000009_create_entitlement_removals::Migration),
            Box::new(m20261201_000010_create_subscriptions::Migration),
            Box::new(m20261215_000011_index_change_events_created_at::Migration),
            Box::new(m20261216_000012_create_webhooks::Migration),
            Box::new(m20261216_000013_subscription_notices::Migration),
            Box::new(m20261216_000014_webhook_delivery_trace_parent::Migration),
        ]
    }
}

/// The columns that most tables have, under the same names.
#[derive(DeriveIden)]
pub(crate) enum SharedColumn {
    Id,
    OrganizationId,
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

/// `id`: the uuid primary key of every table but the change log.
pub(crate) fn id() -> ColumnDef {
    pk_uuid(SharedColumn::Id)
}

/// `organization_id`: the organization (tenant) a row belongs to.
pub(crate) fn organization_id() -> ColumnDef {
    uuid(SharedColumn::OrganizationId)
}

/// `deleted_at`: when a soft-deleted row was deleted, null while it is not.
pub(crate) fn deleted_at() -> ColumnDef {
    timestamp_with_time_zone_null(SharedColumn::DeletedAt)
}

pub(crate) fn created_at() -> ColumnDef {
    timestamp_with_time_zone(SharedColumn::CreatedAt)
}

pub(crate) fn updated_at() -> ColumnDef {
    timestamp_with_time_zone(SharedColumn::UpdatedAt)
}

/// A foreign key from `table.column` to `target.id`. It has no name: each backend names it.
pub(crate) fn references(
    table: impl IntoIden,
    column: impl IntoIden,
    target: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(target, SharedColumn::Id).take()
}

/// The foreign key from `table.organization_id` to its organization.
pub(crate) fn organization_key(table: impl IntoIden) -> ForeignKeyCreateStatement {
    references(table, SharedColumn::OrganizationId, Organizations::Table)
}

/// Runs SQL statements that are valid as written on every backend we support.
pub(crate) async fn execute_all(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for statement in statements {
        manager.get_connection().execute_unprepared(statement).await?;
    }
    Ok(())
}
