//! Read-your-writes: a read that asks for `min_revision` is answered only from a view or a
//! snapshot at least that fresh. The in-memory view is waited for a bounded time, then the
//! database is read instead (`entitlements_engine::EntitlementsView::read_source`); a revision
//! neither reaches in time is UNAVAILABLE `revision_not_reached` rather than a stale answer.
//! The revision layer records where each request is to be read from (`RequestedRevision`), so
//! that a read of the view does not wait twice.

use std::time::Duration;

use entitlements::errors::ErrorKind;
use entitlements_engine::{ReadAt, ReadError, ReadSource};
use tonic::{Request, Status};
use tonic_types::ErrorDetails;

use crate::error_status::status_from_error;

/// The wait when the server is not told otherwise (`--min-revision-wait-ms`).
pub const DEFAULT_MIN_REVISION_WAIT: Duration = Duration::from_millis(250);

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
    /// The answer to a read that failed: `revision_not_reached`, or the store's error.
    pub(crate) fn status(&self, error: ReadError) -> Status {
        match error {
            ReadError::Store(error) => status_from_error(error),
            ReadError::RevisionNotReached { wanted, reached } => {
                let message = format!(
                    "revision {wanted} not reached within {} ms: the organization is at revision {reached}",
                    self.timeout.as_millis()
                );
                ErrorKind::RevisionNotReached.status(None, message, ErrorDetails::new())
            }
        }
    }
}

/// What the revision layer found of a request: the revision its metadata asks for (0 for any)
/// and where a read of the view is to be answered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestedRevision {
    pub(crate) min_revision: u64,
    pub(crate) source: ReadSource,
}

impl Default for RequestedRevision {
    fn default() -> Self {
        Self { min_revision: 0, source: ReadSource::View }
    }
}

impl RequestedRevision {
    /// How fresh a read of this request must be: at least `min_revision` as well.
    pub(crate) fn read_at(self, min_revision: u64, wait: RevisionWait) -> ReadAt {
        ReadAt { min_revision: min_revision.max(self.min_revision), wait: wait.timeout, source: self.source }
    }

    /// What the layer recorded on `request` (nothing asked: any revision, from the view).
    pub(crate) fn of<T>(request: &Request<T>) -> Self {
        request.extensions().get::<Self>().copied().unwrap_or_default()
    }
}
