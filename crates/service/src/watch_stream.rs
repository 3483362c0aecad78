//! The follower behind one Watch stream: reads the organization's log after its cursor, in order
//! and in batches, sends what passes the filter, and waits for the next change signal (or the
//! polling interval) before reading again. It never skips a revision: the log has no gaps, so an
//! event that is not the cursor's successor means the ones between were pruned, and the stream
//! ends with `revision_expired` instead. It sends a checkpoint once caught up with the backlog,
//! then whenever it has been quiet for the checkpoint interval, and it stops when the client goes
//! away or the server shuts down.

use std::time::Duration;

use entitlements::errors::ErrorKind;
use entitlements::v1 as pb;
use entitlements_domain::OrganizationId;
use entitlements_store::{ChangeSignals, Store};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tonic::Status;
use tonic_types::ErrorDetails;

use crate::error_status::status_from_error;
use crate::service_counters::WatchStreamOpen;
use crate::watch_conversions::{WatchFilter, checkpoint_to_pb, event_to_pb};

/// How Watch streams behave, from the server's settings.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    /// How long a stream stays quiet before it sends a checkpoint.
    pub checkpoint_interval: Duration,
    /// How often a stream reads the log even without a signal: the bound on delivery time when a
    /// signal is lost (a replica died after its commit, the listener was reconnecting).
    pub poll_interval: Duration,
    /// Cancelled when the server shuts down: every stream then ends with UNAVAILABLE.
    pub shutdown: CancellationToken,
}

impl Default for WatchSettings {
    fn default() -> Self {
        Self {
            checkpoint_interval: Duration::from_secs(5),
            poll_interval: Duration::from_secs(1),
            shutdown: CancellationToken::new(),
        }
    }
}

/// The answer to a stream that would have to skip events: those after `revision` up to
/// `oldest_retained` were pruned.
pub(crate) fn revision_expired(revision: i64, oldest_retained: i64) -> Status {
    let message = format!(
        "revision {revision} has expired: the change log keeps revisions from {oldest_retained} on; \
         resync (read the current state, then watch from the revision it was read at)"
    );
    ErrorKind::RevisionExpired.status(None, message, ErrorDetails::new())
}

/// Events read per query.
const READ_BATCH: u64 = 500;

/// Why a stream stopped.
#[derive(Debug)]
enum Stop {
    /// The client cancelled the call or went away: nobody is left to tell.
    ClientGone,
    /// The stream ends with this status.
    Failed(Status),
}

/// One stream's state.
#[derive(Debug)]
pub(crate) struct WatchFollower {
    pub(crate) store: Store,
    pub(crate) organization_id: OrganizationId,
    /// The last revision read (sent or filtered out).
    pub(crate) cursor: i64,
    pub(crate) filter: WatchFilter,
    pub(crate) settings: WatchSettings,
    pub(crate) sender: mpsc::Sender<Result<pb::WatchResponse, Status>>,
    /// Counts the stream open while its follower runs.
    #[allow(dead_code, reason = "held for its drop, which counts the stream closed")]
    pub(crate) counted_open: Option<WatchStreamOpen>,
}

impl WatchFollower {
    /// Feeds the stream until it stops; `signals` was subscribed before the stream's start was
    /// read.
    pub(crate) async fn follow(mut self, signals: ChangeSignals) {
        let Err(Stop::Failed(status)) = self.run(signals).await else { return };
        // Without waiting: a client that stopped reading must not hold up shutdown. If its buffer
        // is full the stream ends without the status, and the client resumes all the same.
        let _ = self.sender.try_send(Err(status));
    }

    async fn run(&mut self, mut signals: ChangeSignals) -> Result<(), Stop> {
        let mut last_sent = Instant::now();
        let mut caught_up_once = false;
        loop {
            if self.send_backlog().await? {
                last_sent = Instant::now();
            }
            if !caught_up_once || last_sent.elapsed() >= self.settings.checkpoint_interval {
                let checkpoint = checkpoint_to_pb(self.cursor, self.store.now());
                self.send(checkpoint).await?;
                last_sent = Instant::now();
                caught_up_once = true;
            }
            let checkpoint_due = last_sent + self.settings.checkpoint_interval;
            tokio::select! {
                () = self.sender.closed() => return Err(Stop::ClientGone),
                () = self.settings.shutdown.cancelled() => return Err(Stop::Failed(shutting_down())),
                () = signals.changed(self.organization_id) => {}
                () = tokio::time::sleep(self.settings.poll_interval) => {}
                () = tokio::time::sleep_until(checkpoint_due) => {}
            }
        }
    }

    /// Sends every event after the cursor that passes the filter, reading until the log's end;
    /// answers whether it sent any.
    async fn send_backlog(&mut self) -> Result<bool, Stop> {
        let mut sent_any = false;
        loop {
            let events = self
                .store
                .change_events(self.organization_id, self.cursor, READ_BATCH)
                .await
                .map_err(|error| Stop::Failed(status_from_error(error)))?;
            let complete = u64::try_from(events.len()).unwrap_or(u64::MAX) < READ_BATCH;
            for event in events {
                if event.sequence != self.cursor + 1 {
                    return Err(Stop::Failed(revision_expired(self.cursor, event.sequence)));
                }
                self.cursor = event.sequence;
                if self.filter.matches(&event) {
                    self.send(event_to_pb(event)).await?;
                    sent_any = true;
                }
            }
            if complete {
                return Ok(sent_any);
            }
        }
    }

    /// Sends one message, waiting while the client's buffer is full (unless the server shuts
    /// down meanwhile).
    async fn send(&self, message: pb::WatchResponse) -> Result<(), Stop> {
        tokio::select! {
            sent = self.sender.send(Ok(message)) => sent.map_err(|_| Stop::ClientGone),
            () = self.settings.shutdown.cancelled() => Err(Stop::Failed(shutting_down())),
        }
    }
}

fn shutting_down() -> Status {
    ErrorKind::Unavailable.status(
        None,
        "the server is shutting down: resume after the last revision received",
        ErrorDetails::new(),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use entitlements::errors::ReceivedError;
    use entitlements_store::{ApiKey, Clock};
    use tokio_util::sync::CancellationToken;

    use super::*;

    type Receiver = mpsc::Receiver<Result<pb::WatchResponse, Status>>;

    /// A migrated store on a fresh SQLite file with a manual clock, and an organization in it
    /// (whose log holds revisions 1 and 2).
    async fn store_with_organization(directory: &tempfile::TempDir) -> (Store, Clock, OrganizationId) {
        let url = format!("sqlite://{}?mode=rwc", directory.path().join("watch.db").display());
        let clock = Clock::manual("2026-06-20T10:00:00Z".parse().expect("an instant"));
        let store = Store::connect(&url).await.expect("connect to SQLite").with_clock(clock.clone());
        store.migrate().await.expect("migrate");
        let organization =
            store.create_organization("acme", &ApiKey::new("key")).await.expect("organization");
        (store, clock, organization.id)
    }

    /// A follower from `cursor` that neither polling nor checkpoints would wake, and its stream.
    fn follower(store: &Store, organization_id: OrganizationId, cursor: i64) -> (WatchFollower, Receiver) {
        let (sender, receiver) = mpsc::channel(4);
        let settings = WatchSettings {
            checkpoint_interval: Duration::from_secs(3600),
            poll_interval: Duration::from_secs(3600),
            shutdown: CancellationToken::new(),
        };
        let filter = WatchFilter::default();
        (
            WatchFollower {
                store: store.clone(),
                organization_id,
                cursor,
                filter,
                settings,
                sender,
                counted_open: None,
            },
            receiver,
        )
    }

    async fn next(receiver: &mut Receiver) -> pb::watch_response::Kind {
        let message = tokio::time::timeout(Duration::from_secs(5), receiver.recv()).await;
        message
            .expect("a message in time")
            .expect("the stream goes on")
            .expect("no error")
            .kind
            .expect("a kind")
    }

    #[tokio::test]
    async fn a_follower_stops_when_its_client_goes_away() {
        let directory = tempfile::tempdir().expect("a temp dir");
        let (store, _, organization_id) = store_with_organization(&directory).await;
        let (follower, mut receiver) = follower(&store, organization_id, 0);
        let task = tokio::spawn(follower.follow(store.change_signals()));
        let backlog = [next(&mut receiver).await, next(&mut receiver).await, next(&mut receiver).await];
        assert!(
            matches!(
                &backlog,
                [
                    pb::watch_response::Kind::Event(created),
                    pb::watch_response::Kind::Event(key),
                    pb::watch_response::Kind::Checkpoint(pb::Checkpoint { revision: 2, .. }),
                ] if created.revision == 1 && key.revision == 2
            ),
            "{backlog:?}"
        );
        drop(receiver);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the follower stops once its client is gone")
            .expect("the follower does not panic");
    }

    #[tokio::test]
    async fn a_follower_that_would_skip_a_pruned_revision_ends_with_revision_expired() {
        let directory = tempfile::tempdir().expect("a temp dir");
        let (store, clock, organization_id) = store_with_organization(&directory).await;
        clock.advance(chrono::TimeDelta::hours(2));
        // Revision 1 goes; revision 2, the latest, stays.
        assert_eq!(store.prune_change_log(Duration::from_secs(3600)).await, Ok(1));
        let (follower, mut receiver) = follower(&store, organization_id, 0);
        follower.follow(store.change_signals()).await;
        let status = receiver.recv().await.expect("a message").expect_err("the stream's end status");
        assert_eq!(ReceivedError::from_status(&status).kind, ErrorKind::RevisionExpired);
        assert!(status.message().starts_with("revision 0 has expired"), "{status:?}");
        assert!(receiver.recv().await.is_none(), "the stream ends");
    }
}
