//! Reads at a revision. A read names the revision it needs at least (`min_revision`, 0 for
//! any); the view must also have reached every revision this process committed, so that a write
//! is visible to the next read on the same replica without a header. The view is read once it
//! is there; after the bounded wait the database answers instead, and only if the database has
//! not reached `min_revision` either does the read fail, rather than answer stale.

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use entitlements_domain::{CheckSnapshot, OrganizationId, SubscriptionEntitlement, SubscriptionSelector};
use entitlements_store::StoreError;
use tokio::time::Instant;

use crate::organization_state::OrganizationState;
use crate::{EntitlementsView, OrganizationEntry};

/// The first pause between two reads of the database's revision; each pause doubles up to
/// [`LONGEST_POLL_PAUSE`], so a revision a moment away is seen quickly and a long wait costs a
/// few dozen reads at most.
const FIRST_POLL_PAUSE: Duration = Duration::from_millis(2);
const LONGEST_POLL_PAUSE: Duration = Duration::from_millis(25);

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Neither the view nor the database reached the revision within the wait.
    #[error("revision {wanted} not reached: the organization is at revision {reached}")]
    RevisionNotReached { wanted: u64, reached: u64 },
}

/// How fresh a read must be: at least `min_revision` (0 for any, besides what this process
/// committed), waiting at most `wait` for the view; `source` forces the database when the caller
/// already knows the view is behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadAt {
    pub min_revision: u64,
    pub wait: Duration,
    pub source: ReadSource,
}

/// Where a read is answered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadSource {
    View,
    Database,
}

impl EntitlementsView {
    /// Where a read of the organization at `min_revision` or later can be answered, waiting at
    /// most `wait`: the view, once it has that revision and every one this process committed;
    /// else the database, once it has `min_revision`.
    ///
    /// # Errors
    /// `RevisionNotReached` when neither has it in time; `Store` when the database fails.
    pub async fn read_source(
        &self,
        organization_id: OrganizationId,
        min_revision: u64,
        wait: Duration,
    ) -> Result<ReadSource, ReadError> {
        let fresh = self.fresh_entry(organization_id, min_revision, Instant::now() + wait).await?;
        Ok(if fresh.is_some() { ReadSource::View } else { ReadSource::Database })
    }

    /// The organization's entry once the view has `min_revision` and every revision this process
    /// committed; `None`, by `deadline`, once the database has `min_revision` instead.
    async fn fresh_entry(
        &self,
        organization_id: OrganizationId,
        min_revision: u64,
        deadline: Instant,
    ) -> Result<Option<Arc<OrganizationEntry>>, ReadError> {
        let wanted = min_revision.max(self.store().committed_here(organization_id));
        if let Some(entry) = self.entry(organization_id).filter(|entry| *entry.revision.borrow() > 0) {
            let mut revision = entry.revision.subscribe();
            let reached =
                tokio::time::timeout_at(deadline, revision.wait_for(|revision| *revision >= wanted));
            if matches!(reached.await, Ok(Ok(_))) {
                return Ok(Some(entry));
            }
        }
        self.database_at(organization_id, min_revision, deadline).await?;
        Ok(None)
    }

    /// Runs `read` on the organization's state when the view is as fresh as `at` says; `None`
    /// when the database must answer instead.
    async fn read_fresh<T>(
        &self,
        organization_id: OrganizationId,
        at: ReadAt,
        read: impl FnOnce(&OrganizationState) -> T,
    ) -> Result<Option<T>, ReadError> {
        if at.source == ReadSource::Database {
            return Ok(None);
        }
        let deadline = Instant::now() + at.wait;
        let Some(entry) = self.fresh_entry(organization_id, at.min_revision, deadline).await? else {
            return Ok(None);
        };
        let state = entry.state.read().unwrap_or_else(PoisonError::into_inner);
        Ok(state.as_ref().map(read))
    }

    /// Returns once the database has `min_revision`, polling it until `deadline`.
    async fn database_at(
        &self,
        organization_id: OrganizationId,
        min_revision: u64,
        deadline: Instant,
    ) -> Result<(), ReadError> {
        if min_revision == 0 {
            return Ok(());
        }
        let mut pause = FIRST_POLL_PAUSE;
        loop {
            let revision = self.store().revision(organization_id).await?;
            if revision >= min_revision {
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(ReadError::RevisionNotReached { wanted: min_revision, reached: revision });
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause = (pause * 2).min(LONGEST_POLL_PAUSE);
        }
    }

    /// What checks of `selectors` read, as fresh as `at` says (see [`Self::read_source`]): for
    /// each selector, the grants of the features `feature_codes` names for it (the features its
    /// checks ask about; from the database, all of them).
    ///
    /// # Errors
    /// As [`Self::read_source`].
    pub async fn check_snapshot(
        &self,
        organization_id: OrganizationId,
        selectors: &[SubscriptionSelector],
        feature_codes: &[Vec<&str>],
        at: ReadAt,
    ) -> Result<CheckSnapshot, ReadError> {
        let now = self.store().now();
        let from_view =
            self.read_fresh(organization_id, at, |state| state.check_snapshot(selectors, feature_codes, now));
        if let Some(snapshot) = from_view.await? {
            return Ok(snapshot);
        }
        let snapshot = self.store().check_snapshot(organization_id, selectors).await?;
        if snapshot.revision >= at.min_revision {
            return Ok(snapshot);
        }
        // Only when the caller forced the database (its wait covered a smaller revision).
        self.database_at(organization_id, at.min_revision, Instant::now() + at.wait).await?;
        // Revisions only grow, so this snapshot is at least `min_revision`.
        Ok(self.store().check_snapshot(organization_id, selectors).await?)
    }

    /// The subscription's effective entitlements, as fresh as `at` says (see
    /// [`Self::read_source`]).
    ///
    /// # Errors
    /// `Store` with NOT_FOUND `subscription_not_found`; otherwise as [`Self::read_source`].
    pub async fn subscription_entitlements(
        &self,
        organization_id: OrganizationId,
        selector: &SubscriptionSelector,
        at: ReadAt,
    ) -> Result<Vec<SubscriptionEntitlement>, ReadError> {
        let now = self.store().now();
        let from_view =
            self.read_fresh(organization_id, at, |state| state.subscription_entitlements(selector, now));
        if let Some(found) = from_view.await? {
            return found.map_err(|error| ReadError::Store(error.into()));
        }
        Ok(self.store().subscription_entitlements(organization_id, selector).await?)
    }
}
