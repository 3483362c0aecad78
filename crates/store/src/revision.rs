//! Revisions: an organization's change sequence (see `change_log`) is its revision. Every
//! committed write has one, the sequence of its last change event (or, for a write that changed
//! nothing, the organization's sequence when it committed), so a client can ask a later read to be
//! at least that fresh.
//!
//! A write reports its revision out of band: [`capture`] runs a request in a scope, and the commit
//! records its revision there. The services' revision layer is the one caller, so no write method
//! has to thread the revision through its result.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use entitlements_domain::{Error, OrganizationId};
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};

use crate::db::error::StoreError;
use crate::entity::organization;

tokio::task_local! {
    /// The revision of the last write committed in the current [`capture`] scope.
    static COMMITTED: Cell<Option<u64>>;
}

/// Runs `future` and answers its output with the revision of the last write it committed, if any.
pub async fn capture<F: Future>(future: F) -> (F::Output, Option<u64>) {
    COMMITTED
        .scope(Cell::new(None), async move {
            let output = future.await;
            (output, COMMITTED.with(Cell::get))
        })
        .await
}

/// Records a committed write's revision for the enclosing [`capture`], if there is one (a write
/// outside any, such as a test seeding data, has no one to tell).
pub(crate) fn record(revision: i64) {
    let Ok(revision) = u64::try_from(revision) else { return };
    // Outside a scope there is nobody to tell; that is not an error.
    let _outside_any_scope = COMMITTED.try_with(|committed| {
        committed.set(Some(committed.get().map_or(revision, |earlier| earlier.max(revision))));
    });
}

/// The latest revision this process committed, per organization: a read in this process waits
/// for its in-memory view to reach it, so that a write is visible to the next read without any
/// header.
#[derive(Debug, Clone, Default)]
pub(crate) struct LocalRevisions(Arc<Mutex<HashMap<OrganizationId, u64>>>);

impl LocalRevisions {
    pub(crate) fn record(&self, organization_id: OrganizationId, revision: i64) {
        let Ok(revision) = u64::try_from(revision) else { return };
        let mut revisions = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let latest = revisions.entry(organization_id).or_default();
        *latest = (*latest).max(revision);
    }

    pub(crate) fn latest(&self, organization_id: OrganizationId) -> u64 {
        let revisions = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        revisions.get(&organization_id).copied().unwrap_or_default()
    }
}

/// The organization's current revision as `connection` sees it.
///
/// # Errors
/// `Internal` when the organization does not exist; `Unavailable` or `Internal` when the database
/// fails.
pub(crate) async fn current(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<i64, StoreError> {
    organization::Entity::find_by_id(organization_id.0)
        .select_only()
        .column(organization::Column::ChangeSequence)
        .into_tuple::<i64>()
        .one(connection)
        .await?
        .ok_or_else(|| Error::Internal(format!("organization {organization_id} vanished")).into())
}

/// The organization's revision as `connection` sees it (inside a snapshot, the snapshot's).
///
/// # Errors
/// As [`current`]; `Internal` for a negative sequence.
pub(crate) async fn revision_in(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<u64, StoreError> {
    let revision = current(connection, organization_id).await?;
    u64::try_from(revision).map_err(|_| Error::Internal(format!("negative revision {revision}")).into())
}

impl crate::Store {
    /// The organization's latest committed revision: one indexed read, cheap enough to poll.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn revision(&self, organization_id: OrganizationId) -> Result<u64, StoreError> {
        revision_in(self.connection(), organization_id).await
    }

    /// The latest revision of the organization this process committed (0 when none): what a
    /// read in this process must see at least.
    pub fn committed_here(&self, organization_id: OrganizationId) -> u64 {
        self.local_revisions.latest(organization_id)
    }
}
