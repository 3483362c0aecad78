//! Keeping the view at the change log's revision. One task follows the log for every
//! organization: it loads them all at start, then catches up an organization whenever a signal
//! says its log grew (a commit in this process, or on PostgreSQL a NOTIFY relayed from another
//! replica), and compares every organization's revision with the database's at each poll, which
//! covers a lost signal and organizations created elsewhere. A catch-up reads what changed after
//! the view's revision from one snapshot (`Store::organization_changes`) and applies it under
//! the organization's write lock, then publishes the new revision to the reads waiting for it.
//! One task applies everything, so updates of an organization never race each other.

use std::collections::BTreeSet;
use std::sync::PoisonError;
use std::time::Duration;

use entitlements_domain::OrganizationId;
use entitlements_store::{ChangeSignal, StoreError, ViewUpdate};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::EntitlementsView;
use crate::organization_state::OrganizationState;

/// The pause before retrying while the view was never loaded (the database not migrated or not
/// reachable yet): short, since the server does not report SERVING until the first load.
const RETRY_UNTIL_READY: Duration = Duration::from_millis(25);

impl EntitlementsView {
    /// Follows the change log until `shutdown`: loads every organization, then applies each
    /// change, comparing every organization with the database every `poll_interval`.
    pub async fn follow(&self, poll_interval: Duration, shutdown: CancellationToken) {
        // Subscribed before the first load, so that no commit after it goes unsignaled.
        let mut signals = self.store().change_signals();
        // Signals do not move the next poll: it also covers organizations nobody signals.
        let mut next_poll = Instant::now();
        loop {
            let mut organizations = BTreeSet::new();
            let mut everything_due = false;
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep_until(next_poll) => everything_due = true,
                signal = signals.next() => note(signal, &mut organizations, &mut everything_due),
            }
            while let Some(signal) = signals.next_queued() {
                note(signal, &mut organizations, &mut everything_due);
            }
            let caught_up = if everything_due {
                self.catch_up_everything().await
            } else {
                self.catch_up_each(&organizations).await
            };
            match caught_up {
                Ok(()) if everything_due => {
                    next_poll = Instant::now() + poll_interval;
                    self.shared.ready.send_replace(true);
                }
                Ok(()) => {}
                Err(error) => {
                    // Everything is compared again at the next poll (sooner while the view was never
                    // loaded); reads meanwhile wait a bounded time for the view, then read the
                    // database.
                    let pause = if self.is_ready() {
                        tracing::warn!(%error, "the entitlements view could not catch up with the change log");
                        poll_interval
                    } else {
                        tracing::debug!(%error, "the entitlements view is not loaded yet");
                        RETRY_UNTIL_READY
                    };
                    next_poll = Instant::now() + pause;
                }
            }
        }
    }

    /// Catches up every organization whose revision differs from the database's.
    async fn catch_up_everything(&self) -> Result<(), StoreError> {
        for (organization_id, revision) in self.store().organization_revisions().await? {
            if self.revision(organization_id) != Some(revision) {
                self.catch_up(organization_id).await?;
            }
        }
        Ok(())
    }

    async fn catch_up_each(&self, organizations: &BTreeSet<OrganizationId>) -> Result<(), StoreError> {
        for organization_id in organizations {
            self.catch_up(*organization_id).await?;
        }
        Ok(())
    }

    /// Brings the organization to the database's latest revision.
    async fn catch_up(&self, organization_id: OrganizationId) -> Result<(), StoreError> {
        let entry = self.entry_or_insert(organization_id);
        let update = match self.revision(organization_id) {
            None => ViewUpdate::Image(self.store().organization_image(organization_id).await?),
            Some(revision) => self.store().organization_changes(organization_id, revision).await?,
        };
        let (revision, api_keys) = match update {
            ViewUpdate::Unchanged => return Ok(()),
            ViewUpdate::Image(image) => {
                let (state, api_keys) = OrganizationState::from_image(image);
                let revision = state.revision;
                *entry.state.write().unwrap_or_else(PoisonError::into_inner) = Some(state);
                (revision, Some(api_keys))
            }
            ViewUpdate::Changes(changes) => {
                let revision = changes.revision;
                let mut state = entry.state.write().unwrap_or_else(PoisonError::into_inner);
                // Changes are read after the view's revision, so the state is there to apply them.
                let api_keys = state.as_mut().and_then(|state| state.apply(changes));
                (revision, api_keys)
            }
        };
        if let Some(api_keys) = api_keys {
            self.set_api_keys(organization_id, api_keys);
        }
        entry.revision.send_replace(revision);
        Ok(())
    }
}

/// Notes what a signal asks to catch up.
fn note(signal: ChangeSignal, organizations: &mut BTreeSet<OrganizationId>, everything_due: &mut bool) {
    match signal {
        ChangeSignal::Committed(organization_id) | ChangeSignal::Remote(organization_id) => {
            organizations.insert(organization_id);
        }
        ChangeSignal::Resync => *everything_due = true,
    }
}
