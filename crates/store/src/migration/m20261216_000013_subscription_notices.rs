//! What the sweeper records of the time-driven notices about subscriptions, so that each is sent
//! once across restarts and replicas: `trial_ended_at` (shown by the API, as Lago's), and the
//! last termination alert sent (`termination_alert_ending_at`, the `ending_at` it announced, and
//! `termination_alert_days`, its threshold). Partial indexes keep the sweeper's candidate
//! queries to the active subscriptions concerned.

use sea_orm_migration::{prelude::*, schema::*};

use super::execute_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    TrialEndedAt,
    TerminationAlertEndingAt,
    TerminationAlertDays,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            timestamp_with_time_zone_null(Subscriptions::TrialEndedAt),
            timestamp_with_time_zone_null(Subscriptions::TerminationAlertEndingAt),
            integer_null(Subscriptions::TerminationAlertDays),
        ] {
            let mut column = column;
            manager
                .alter_table(Table::alter().table(Subscriptions::Table).add_column(&mut column).to_owned())
                .await?;
        }
        execute_all(
            manager,
            &[
                // Termination alerts: active subscriptions by `ending_at`.
                "CREATE INDEX idx_subscriptions_active_ending_at ON subscriptions (ending_at) \
                 WHERE status = 'active' AND ending_at IS NOT NULL",
                // Trial ends: active subscriptions whose trial end is not recorded, by plan.
                "CREATE INDEX idx_subscriptions_active_trial_open ON subscriptions (plan_id) \
                 WHERE status = 'active' AND trial_ended_at IS NULL",
            ],
        )
        .await
    }
}
