//! The sweeper's notices about active subscriptions, which change no status: the end of a free
//! trial (`subscription.trial_ended`, which records `trial_ended_at`) and the approach of
//! `ending_at` (`subscription.termination_alert`), each recorded once with its change event (and
//! so its webhook) in one transaction. The domain (`notices`) says when each is due.
//!
//! Exactly once across restarts and replicas: candidates are found without locks, then each
//! organization's are written under its writer lock, after re-reading them and catching up with
//! their due transitions (a subscription whose `ending_at` passed is terminated, not alerted), so
//! that a notice two sweepers both saw due is written by the first and found done by the second.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitlements_domain::{
    OrganizationId, TerminationAlert, TerminationAlertDays, trial_duration, trial_end_at,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::Store;
use crate::change_log::ChangeEventType;
use crate::change_log::subscription_events::subscription_change;
use crate::db::IN_LIST_CHUNK;
use crate::db::error::StoreError;
use crate::db::locks::lock_organization;
use crate::entity::plan;
use crate::entity::subscription;
use crate::subscription_lifecycle::transitions::{SUBSCRIPTION_SWEEP_BATCH, write_due_transitions};

fn batch_limit() -> u64 {
    u64::try_from(SUBSCRIPTION_SWEEP_BATCH).unwrap_or(u64::MAX)
}

/// `(organization, subscription)` pairs of active subscriptions whose trial has ended at `now`
/// without being recorded, a batch at most. The trial is counted from the first start of the
/// external id, so a subscription qualifies when any subscription of its external id started at
/// least its plan's `trial_period` ago; the plans' distinct trial periods, few, are taken one
/// at a time to turn that into a bound instant.
async fn ended_trials(
    connection: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let open_trials = Query::select()
        .column(subscription::Column::PlanId)
        .from(subscription::Entity)
        .and_where(subscription::Column::Status.eq(subscription::Status::Active))
        .and_where(subscription::Column::TrialEndedAt.is_null())
        .to_owned();
    let trial_periods: Vec<f64> = plan::Entity::find()
        .select_only()
        .column(plan::Column::TrialPeriod)
        .distinct()
        .filter(plan::Column::TrialPeriod.gt(0.0))
        .filter(plan::Column::Id.in_subquery(open_trials))
        .into_tuple::<Option<f64>>()
        .all(connection)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let mut found = Vec::new();
    for trial_period in trial_periods {
        let remaining = SUBSCRIPTION_SWEEP_BATCH.saturating_sub(found.len());
        if remaining == 0 {
            break;
        }
        let Some(started_by) = trial_duration(trial_period).and_then(|trial| now.checked_sub_signed(trial))
        else {
            continue;
        };
        let plans = Query::select()
            .column(plan::Column::Id)
            .from(plan::Entity)
            .and_where(plan::Column::TrialPeriod.eq(trial_period))
            .to_owned();
        let earlier = Alias::new("earlier");
        let started_early_enough = Query::select()
            .expr(Expr::val(1))
            .from_as(subscription::Entity, earlier.clone())
            .and_where(
                Expr::col((earlier.clone(), subscription::Column::OrganizationId))
                    .equals((subscription::Entity, subscription::Column::OrganizationId)),
            )
            .and_where(
                Expr::col((earlier.clone(), subscription::Column::ExternalId))
                    .equals((subscription::Entity, subscription::Column::ExternalId)),
            )
            .and_where(Expr::col((earlier, subscription::Column::StartedAt)).lte(started_by))
            .to_owned();
        let rows: Vec<(Uuid, Uuid)> = subscription::Entity::find()
            .select_only()
            .column(subscription::Column::OrganizationId)
            .column(subscription::Column::Id)
            .filter(subscription::Column::Status.eq(subscription::Status::Active))
            .filter(subscription::Column::TrialEndedAt.is_null())
            .filter(subscription::Column::PlanId.in_subquery(plans))
            .filter(Expr::exists(started_early_enough))
            .order_by_asc(subscription::Column::OrganizationId)
            .order_by_asc(subscription::Column::Id)
            .limit(u64::try_from(remaining).unwrap_or(u64::MAX))
            .into_tuple()
            .all(connection)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// `(organization, subscription)` pairs of active subscriptions with a termination alert due at
/// `now` and not yet sent for their `ending_at`, a batch at most.
async fn due_alerts(
    connection: &impl ConnectionTrait,
    alert_days: &TerminationAlertDays,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let mut windows = Condition::any();
    let mut any_window = false;
    for window in alert_days.windows(now) {
        let Ok(days) = i32::try_from(window.days) else { continue };
        let not_sent = Condition::any()
            .add(subscription::Column::TerminationAlertEndingAt.is_null())
            .add(
                Expr::col(subscription::Column::TerminationAlertEndingAt)
                    .ne(Expr::col(subscription::Column::EndingAt)),
            )
            .add(subscription::Column::TerminationAlertDays.gt(days));
        windows = windows.add(
            Condition::all()
                .add(subscription::Column::EndingAt.gt(window.ending_after))
                .add(subscription::Column::EndingAt.lte(window.ending_until))
                .add(not_sent),
        );
        any_window = true;
    }
    if !any_window {
        return Ok(Vec::new());
    }
    Ok(subscription::Entity::find()
        .select_only()
        .column(subscription::Column::OrganizationId)
        .column(subscription::Column::Id)
        .filter(subscription::Column::Status.eq(subscription::Status::Active))
        .filter(windows)
        .order_by_asc(subscription::Column::OrganizationId)
        .order_by_asc(subscription::Column::Id)
        .limit(batch_limit())
        .into_tuple()
        .all(connection)
        .await?)
}

impl Store {
    /// One step of the notice sweeper: records the trial ends and termination alerts due now
    /// (`alert_days` before `ending_at`) of up to a batch of subscriptions of each kind, one
    /// transaction per organization. Returns how many subscriptions it looked at; a full batch
    /// (`SUBSCRIPTION_SWEEP_BATCH` or more) means there may be more.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn sweep_subscription_notices(
        &self,
        alert_days: &TerminationAlertDays,
    ) -> Result<usize, StoreError> {
        let now = self.now();
        let mut due = ended_trials(self.connection(), now).await?;
        due.extend(due_alerts(self.connection(), alert_days, now).await?);
        due.sort_unstable();
        due.dedup();
        let count = due.len();
        let mut remaining = due.as_slice();
        while let Some((organization_id, _)) = remaining.first() {
            let split =
                remaining.iter().position(|(other, _)| other != organization_id).unwrap_or(remaining.len());
            let (batch, rest) = remaining.split_at(split);
            let ids: Vec<Uuid> = batch.iter().map(|(_, id)| *id).collect();
            self.record_notices(OrganizationId(*organization_id), &ids, alert_days, now).await?;
            remaining = rest;
        }
        Ok(count)
    }

    /// Records the notices due at `now` of the subscriptions `ids` of one organization.
    async fn record_notices(
        &self,
        organization_id: OrganizationId,
        ids: &[Uuid],
        alert_days: &TerminationAlertDays,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let transaction = self.begin_write().await?;
        lock_organization(&transaction, organization_id).await?;
        let mut external_ids: Vec<String> = load_rows(&transaction, organization_id, ids)
            .await?
            .into_iter()
            .map(|row| row.external_id)
            .collect();
        external_ids.sort_unstable();
        external_ids.dedup();
        // The statuses first: an `ending_at` that passed terminates rather than alerts. This also
        // locks every subscription of these external ids, in the order all their writers share.
        let mut changes = write_due_transitions(&transaction, organization_id, &external_ids, now).await?;
        let rows = load_rows(&transaction, organization_id, ids).await?;
        let first_starts = first_starts(&transaction, organization_id, &external_ids).await?;
        let trial_periods = trial_periods(&transaction, &rows).await?;
        for row in rows.iter().filter(|row| row.status == subscription::Status::Active) {
            let trial_ended_at = row
                .trial_ended_at
                .is_none()
                .then(|| {
                    let initial_started_at = first_starts.get(&row.external_id).copied()?;
                    trial_end_at(initial_started_at, trial_periods.get(&row.plan_id).copied()?)
                })
                .flatten()
                .filter(|ended_at| *ended_at <= now);
            if let Some(trial_ended_at) = trial_ended_at {
                subscription::Entity::update_many()
                    .col_expr(subscription::Column::TrialEndedAt, Expr::value(trial_ended_at))
                    .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
                    .filter(subscription::Column::Id.eq(row.id))
                    .exec(&transaction)
                    .await?;
                changes.push(subscription_change(
                    ChangeEventType::SubscriptionTrialEnded,
                    row.id,
                    &row.external_id,
                ));
            }
            let last_alert = row
                .termination_alert_ending_at
                .zip(row.termination_alert_days.and_then(|days| u32::try_from(days).ok()))
                .map(|(ending_at, days)| TerminationAlert { ending_at, days });
            let alert = row.ending_at.and_then(|ending_at| {
                Some((ending_at, alert_days.alert_to_send(ending_at, now, last_alert)?))
            });
            if let Some((ending_at, days)) = alert {
                let days = i32::try_from(days).unwrap_or(i32::MAX);
                // Bookkeeping only: `updated_at` is left alone.
                subscription::Entity::update_many()
                    .col_expr(subscription::Column::TerminationAlertEndingAt, Expr::value(ending_at))
                    .col_expr(subscription::Column::TerminationAlertDays, Expr::value(days))
                    .filter(subscription::Column::Id.eq(row.id))
                    .exec(&transaction)
                    .await?;
                changes.push(subscription_change(
                    ChangeEventType::SubscriptionTerminationAlert,
                    row.id,
                    &row.external_id,
                ));
            }
        }
        self.commit_with_changes(transaction, organization_id, changes).await
    }
}

/// The organization's subscriptions `ids`, in id order.
async fn load_rows(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &[Uuid],
) -> Result<Vec<subscription::Model>, StoreError> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        rows.extend(
            subscription::Entity::find()
                .filter(subscription::Column::OrganizationId.eq(organization_id.0))
                .filter(subscription::Column::Id.is_in(chunk.iter().copied()))
                .order_by_asc(subscription::Column::Id)
                .all(connection)
                .await?,
        );
    }
    Ok(rows)
}

/// The first start of each external id (Lago's `initial_started_at`), for those that started.
async fn first_starts(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    external_ids: &[String],
) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
    let mut first_starts = HashMap::new();
    for chunk in external_ids.chunks(IN_LIST_CHUNK) {
        let rows: Vec<(String, Option<DateTime<Utc>>)> = subscription::Entity::find()
            .select_only()
            .column(subscription::Column::ExternalId)
            .column_as(subscription::Column::StartedAt.min(), "first_started_at")
            .filter(subscription::Column::OrganizationId.eq(organization_id.0))
            .filter(subscription::Column::ExternalId.is_in(chunk.iter().cloned()))
            .group_by(subscription::Column::ExternalId)
            .into_tuple()
            .all(connection)
            .await?;
        first_starts.extend(rows.into_iter().filter_map(|(external_id, first)| Some((external_id, first?))));
    }
    Ok(first_starts)
}

/// The `trial_period` of the rows' plans that have one.
async fn trial_periods(
    connection: &impl ConnectionTrait,
    rows: &[subscription::Model],
) -> Result<HashMap<Uuid, f64>, StoreError> {
    let mut plan_ids: Vec<Uuid> = rows.iter().map(|row| row.plan_id).collect();
    plan_ids.sort_unstable();
    plan_ids.dedup();
    let mut trial_periods = HashMap::new();
    for chunk in plan_ids.chunks(IN_LIST_CHUNK) {
        let plans: Vec<(Uuid, Option<f64>)> = plan::Entity::find()
            .select_only()
            .column(plan::Column::Id)
            .column(plan::Column::TrialPeriod)
            .filter(plan::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(connection)
            .await?;
        trial_periods.extend(plans.into_iter().filter_map(|(id, trial_period)| Some((id, trial_period?))));
    }
    Ok(trial_periods)
}
