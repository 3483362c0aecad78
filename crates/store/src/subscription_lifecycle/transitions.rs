//! Writing time-driven transitions down, so that the stored state and the change log catch up
//! with what the subscriptions already are (reads compute that with the domain's `advance`
//! anyway). Two callers: reads that find a transition due, and the sweeper, whose one step this
//! module provides, so that every transition is logged even if nobody reads the subscription.
//!
//! Each write takes the organization's writer lock, then locks the subscriptions of the external ids concerned, and
//! re-applies the transitions due at that moment: a transition two writers both saw due is
//! written (and logged) by the first, and found already done by the second.

use chrono::{DateTime, Utc};
use entitlements_domain::OrganizationId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::Store;
use crate::change_log::PendingChange;
use crate::db::error::StoreError;
use crate::db::locks::lock_organization;
use crate::entity::subscription;
use crate::subscription_lifecycle::chain::SubscriptionSet;

/// External ids written per transaction (and looked at by one sweeper step): enough to catch up
/// quickly, few enough to keep each transaction, and the organization's writer lock, short. A step that
/// answers this many may have left some.
pub const SUBSCRIPTION_SWEEP_BATCH: usize = 200;

/// Batches a read writes at most before it answers.
const MAX_READ_BATCHES: usize = 50;

/// Writes every transition due at `now` among the subscriptions of `external_ids`, inside the
/// caller's write transaction, which holds the organization's writer lock; returns their change events.
pub(crate) async fn write_due_transitions(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    external_ids: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<PendingChange>, StoreError> {
    if external_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut subscriptions = SubscriptionSet::load(connection, organization_id, external_ids, true).await?;
    let transitions = subscriptions.advance(now);
    subscriptions.save(connection, now).await?;
    Ok(subscriptions.transition_changes(&transitions))
}

/// `(organization, external id)` pairs with a transition due at `now`, a batch at most, in the
/// organization (and external id) given, or everywhere.
async fn due_external_ids(
    connection: &impl ConnectionTrait,
    organization_id: Option<OrganizationId>,
    external_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, String)>, StoreError> {
    let mut query = subscription::Entity::find()
        .select_only()
        .column(subscription::Column::OrganizationId)
        .column(subscription::Column::ExternalId)
        .distinct()
        .filter(subscription::Column::TransitionDueAt.lte(now));
    if let Some(organization_id) = organization_id {
        query = query.filter(subscription::Column::OrganizationId.eq(organization_id.0));
    }
    if let Some(external_id) = external_id {
        query = query.filter(subscription::Column::ExternalId.eq(external_id));
    }
    Ok(query
        .order_by_asc(subscription::Column::OrganizationId)
        .order_by_asc(subscription::Column::ExternalId)
        .limit(u64::try_from(SUBSCRIPTION_SWEEP_BATCH).unwrap_or(u64::MAX))
        .into_tuple()
        .all(connection)
        .await?)
}

impl Store {
    /// One step of the transition sweeper: writes (and logs) the transitions due now of up to
    /// a batch of external ids, one transaction per organization. Returns how many external ids
    /// it looked at; a full batch means there may be more.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn sweep_subscription_transitions(&self) -> Result<usize, StoreError> {
        let now = self.now();
        let due = due_external_ids(self.connection(), None, None, now).await?;
        let count = due.len();
        let mut remaining = due.as_slice();
        while let Some((organization_id, _)) = remaining.first() {
            let split =
                remaining.iter().position(|(other, _)| other != organization_id).unwrap_or(remaining.len());
            let (batch, rest) = remaining.split_at(split);
            let external_ids: Vec<String> =
                batch.iter().map(|(_, external_id)| external_id.clone()).collect();
            self.catch_up_external_ids(OrganizationId(*organization_id), &external_ids, now).await?;
            remaining = rest;
        }
        Ok(count)
    }

    /// Before a read: writes the organization's transitions due at `now` (only those of
    /// `external_id` when given), so that the stored statuses the read filters on are current.
    pub(crate) async fn catch_up_subscriptions(
        &self,
        organization_id: OrganizationId,
        external_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // Each round clears its batch; the bound only guards against a row whose due instant
        // would not clear (the sweeper catches up with anything left).
        for _ in 0..MAX_READ_BATCHES {
            let due = due_external_ids(self.connection(), Some(organization_id), external_id, now).await?;
            let external_ids: Vec<String> = due.iter().map(|(_, external_id)| external_id.clone()).collect();
            self.catch_up_external_ids(organization_id, &external_ids, now).await?;
            if external_ids.len() < SUBSCRIPTION_SWEEP_BATCH {
                break;
            }
        }
        Ok(())
    }

    pub(crate) async fn catch_up_external_ids(
        &self,
        organization_id: OrganizationId,
        external_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if external_ids.is_empty() {
            return Ok(());
        }
        let transaction = self.begin_write().await?;
        lock_organization(&transaction, organization_id).await?;
        let changes = write_due_transitions(&transaction, organization_id, external_ids, now).await?;
        self.commit_with_changes(transaction, organization_id, changes).await
    }
}
