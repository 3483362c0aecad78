//! Wake-ups for followers of the change log: after every commit that appended events, the store
//! says which organization's log grew, and so does the relay for commits of other replicas
//! (`replicas`). A signal only says "read again": followers always read the log itself, in order,
//! so a lost or duplicated signal costs latency (polling covers it), never an event.

use entitlements_domain::OrganizationId;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use uuid::Uuid;

/// Signals a follower may fall behind on before it is told to re-read everything: followers
/// drain the queue whenever they wake, so only a stalled one lags.
const SIGNAL_QUEUE: usize = 1024;

/// Why a follower should read the log again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeSignal {
    /// This process committed events of the organization.
    Committed(OrganizationId),
    /// Another replica committed events of the organization.
    Remote(OrganizationId),
    /// Signals may have been missed (a follower lagged, the relay reconnected): every follower
    /// reads again.
    Resync,
}

impl ChangeSignal {
    /// Whether a follower of `organization_id` should read again.
    pub fn concerns(self, organization_id: OrganizationId) -> bool {
        match self {
            Self::Committed(organization) | Self::Remote(organization) => organization == organization_id,
            Self::Resync => true,
        }
    }
}

/// The sending side, shared by every clone of a store.
#[derive(Debug, Clone)]
pub(crate) struct ChangeNotifier {
    sender: broadcast::Sender<ChangeSignal>,
    /// Names this process in the notifications it sends other replicas, so that it can ignore its
    /// own when they come back.
    instance: Uuid,
}

impl ChangeNotifier {
    pub(crate) fn new() -> Self {
        let (sender, _) = broadcast::channel(SIGNAL_QUEUE);
        Self { sender, instance: Uuid::new_v4() }
    }

    pub(crate) fn send(&self, signal: ChangeSignal) {
        // An error only means that nobody follows the log right now.
        let _ = self.sender.send(signal);
    }

    pub(crate) fn subscribe(&self) -> ChangeSignals {
        ChangeSignals { receiver: self.sender.subscribe() }
    }

    pub(crate) fn instance(&self) -> Uuid {
        self.instance
    }
}

/// The signals sent from the moment of subscribing: subscribe before reading the log, so that a
/// commit between the read and the wait still wakes the follower.
#[derive(Debug)]
pub struct ChangeSignals {
    receiver: broadcast::Receiver<ChangeSignal>,
}

impl ChangeSignals {
    /// The next signal; `Resync` when some were missed. Never completes once no store is left to
    /// send one.
    pub async fn next(&mut self) -> ChangeSignal {
        match self.receiver.recv().await {
            Ok(signal) => signal,
            Err(RecvError::Lagged(_)) => ChangeSignal::Resync,
            Err(RecvError::Closed) => std::future::pending().await,
        }
    }

    /// A signal already queued, without waiting.
    pub fn next_queued(&mut self) -> Option<ChangeSignal> {
        match self.receiver.try_recv() {
            Ok(signal) => Some(signal),
            Err(TryRecvError::Lagged(_)) => Some(ChangeSignal::Resync),
            Err(TryRecvError::Empty | TryRecvError::Closed) => None,
        }
    }

    /// Waits until a signal concerns `organization_id`, then drops the signals queued behind it:
    /// one read of the log covers them all.
    pub async fn changed(&mut self, organization_id: OrganizationId) {
        while !self.next().await.concerns(organization_id) {}
        while self.next_queued().is_some() {}
    }
}

impl crate::Store {
    /// Signals of the commits that append change events, from this process and (on PostgreSQL,
    /// while [`crate::Store::relay_changes_between_replicas`] runs) from other replicas.
    pub fn change_signals(&self) -> ChangeSignals {
        self.change_notifier.subscribe()
    }
}
