//! Read-your-writes: a read that asks for `min_revision` is answered only from a snapshot at
//! least that fresh. Reads here always read the database, so the only thing to wait for is a
//! revision the database has not reached yet (a revision from another database, or from the
//! future): the organization's revision is polled, cheaply and for a bounded time, and then the
//! read fails with UNAVAILABLE `revision_not_reached` rather than answer stale.

use std::time::Duration;

use entitlements::errors::ErrorKind;
use entitlements_domain::OrganizationId;
use entitlements_store::Store;
use tokio::time::Instant;
use tonic::Status;
use tonic_types::ErrorDetails;

use crate::error_status::status_from_error;

/// The wait when the server is not told otherwise (`--min-revision-wait-ms`).
pub const DEFAULT_MIN_REVISION_WAIT: Duration = Duration::from_millis(250);

/// The first pause between two polls; each pause doubles up to [`LONGEST_POLL_PAUSE`], so a
/// revision a moment away is seen quickly and a long wait costs a few dozen reads at most.
const FIRST_POLL_PAUSE: Duration = Duration::from_millis(2);
const LONGEST_POLL_PAUSE: Duration = Duration::from_millis(25);

/// How long a read waits for the revision it asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevisionWait {
    pub timeout: Duration,
}

impl Default for RevisionWait {
    fn default() -> Self {
        Self { timeout: DEFAULT_MIN_REVISION_WAIT }
    }
}

impl RevisionWait {
    /// Returns once the organization's revision is at least `min_revision`.
    ///
    /// # Errors
    /// UNAVAILABLE `revision_not_reached` when it is not within the timeout; UNAVAILABLE or
    /// INTERNAL when the database fails.
    pub async fn until_reached(
        &self,
        store: &Store,
        organization_id: OrganizationId,
        min_revision: u64,
    ) -> Result<(), Status> {
        let deadline = Instant::now() + self.timeout;
        let mut pause = FIRST_POLL_PAUSE;
        loop {
            let revision = store.revision(organization_id).await.map_err(status_from_error)?;
            if revision >= min_revision {
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(revision_not_reached(min_revision, revision, self.timeout));
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause = (pause * 2).min(LONGEST_POLL_PAUSE);
        }
    }
}

/// The answer to a read whose `min_revision` the organization did not reach in time.
fn revision_not_reached(min_revision: u64, revision: u64, waited: Duration) -> Status {
    let message = format!(
        "revision {min_revision} not reached within {} ms: the organization is at revision {revision}",
        waited.as_millis()
    );
    ErrorKind::RevisionNotReached.status(None, message, ErrorDetails::new())
}
