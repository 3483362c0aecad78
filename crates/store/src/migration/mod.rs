//! Forward-only migrations, the same for SQLite and PostgreSQL. Partial unique indexes are plain
//! SQL because both databases accept the same `CREATE UNIQUE INDEX ... WHERE deleted_at IS NULL`.

use sea_orm_migration::prelude::*;

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
        ]
    }
}

/// Runs SQL statements that are valid as written on every backend we support.
pub(crate) async fn execute_all(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for statement in statements {
        manager.get_connection().execute_unprepared(statement).await?;
    }
    Ok(())
}
