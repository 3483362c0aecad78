//! Change signals between replicas on one PostgreSQL database, through `LISTEN/NOTIFY` on the
//! channel [`CHANNEL`]: each replica announces the organizations whose log it appended to, and
//! turns the others' announcements into local signals.
//!
//! The announcement is sent after the commit, by this relay, not by a `NOTIFY` inside the writing
//! transaction: PostgreSQL serializes the commits of every transaction that notifies (a
//! database-wide lock held through the commit's flush), which cut write throughput by 2.5 to 4
//! times at 16 writers in a measurement with pgbench. Sent afterwards, announcements travel in
//! their own short transactions, several organizations at a time. A replica that dies between
//! a commit and its announcement leaves the others to find the events by polling.

use std::collections::BTreeSet;
use std::time::Duration;

use entitlements_domain::OrganizationId;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::Store;
use crate::change_log::notifier::ChangeSignal;

/// The notification channel, one per database.
pub(crate) const CHANNEL: &str = "entitlements_changes";

/// Organizations named per notification, keeping its payload well under PostgreSQL's 8000 bytes.
const ORGANIZATIONS_PER_NOTIFICATION: usize = 100;

/// How long the listener waits before connecting again after a failure.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// The payload that tells every replica to re-read the logs of all organizations.
const EVERY_ORGANIZATION: &str = "*";

impl Store {
    /// Relays change signals between this replica and the others until `shutdown` completes: on
    /// PostgreSQL, announces this process's commits and listens for the others' (holding one of
    /// the pool's connections, reconnecting after failures). On SQLite, whose database one
    /// process serves, it only waits for `shutdown`.
    pub async fn relay_changes_between_replicas(&self, shutdown: impl Future<Output = ()>) {
        if self.backend() != DbBackend::Postgres {
            return shutdown.await;
        }
        tokio::select! {
            () = shutdown => {}
            () = self.announce_commits() => {}
            () = self.listen_to_other_replicas() => {}
        }
    }

    /// Sends a notification for each batch of this process's commits, naming their
    /// organizations. Never returns.
    async fn announce_commits(&self) {
        let mut signals = self.change_notifier.subscribe();
        let instance = self.change_notifier.instance();
        loop {
            // Waiting for the first signal, then taking every one already queued, batches the
            // commits made while the previous announcement was on its way.
            let mut organizations = BTreeSet::new();
            let mut everyone = false;
            let mut next = Some(signals.next().await);
            while let Some(signal) = next {
                match signal {
                    ChangeSignal::Committed(organization_id) => {
                        organizations.insert(organization_id.0);
                    }
                    // Others' commits are theirs to announce.
                    ChangeSignal::Remote(_) => {}
                    // This relay lagged behind this process's commits: it cannot say whose.
                    ChangeSignal::Resync => everyone = true,
                }
                next = signals.next_queued();
            }
            let payloads = if everyone {
                vec![format!("{instance}:{EVERY_ORGANIZATION}")]
            } else {
                announcements(instance, &organizations)
            };
            for payload in payloads {
                let statement = Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [CHANNEL.into(), payload.into()],
                );
                if let Err(error) = self.connection().execute_raw(statement).await {
                    // Other replicas still poll: a lost announcement only delays them.
                    tracing::warn!(%error, "cannot announce committed changes to other replicas");
                }
            }
        }
    }

    /// Turns other replicas' notifications into signals. Never returns: failures are logged and
    /// followed by a reconnection, after which every follower re-reads (notifications sent while
    /// disconnected are lost).
    async fn listen_to_other_replicas(&self) {
        // LISTEN holds one of the pool's connections for good (so a replica still opens no more
        // connections than its pool allows); after a failure the listener takes another.
        // The backend is PostgreSQL (checked by the caller), so this pool exists.
        let pool = self.connection().get_postgres_connection_pool();
        let instance = self.change_notifier.instance();
        // Set once a connection failed: until the next one, failures are not logged again.
        let mut failing = false;
        loop {
            if failing {
                tokio::time::sleep(RECONNECT_DELAY).await;
            }
            let listening = async {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok::<_, sea_orm::sqlx::Error>(listener)
            };
            let mut listener = match listening.await {
                Ok(listener) => listener,
                Err(error) => {
                    if !failing {
                        tracing::warn!(%error, "cannot listen for other replicas' changes; retrying");
                    }
                    failing = true;
                    continue;
                }
            };
            if failing {
                tracing::info!("listening for other replicas' changes again");
            }
            self.change_notifier.send(ChangeSignal::Resync);
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => {
                        for signal in signals_of(notification.payload(), instance) {
                            self.change_notifier.send(signal);
                        }
                    }
                    // The connection was lost and is back: what was sent meanwhile is lost.
                    Ok(None) => self.change_notifier.send(ChangeSignal::Resync),
                    Err(error) => {
                        tracing::warn!(%error, "lost the connection listening for other replicas' changes");
                        failing = true;
                        break;
                    }
                }
            }
        }
    }
}

/// The payloads announcing `organizations`: `<instance>:<organization>,<organization>...`.
fn announcements(instance: Uuid, organizations: &BTreeSet<Uuid>) -> Vec<String> {
    let organizations: Vec<String> = organizations.iter().map(Uuid::to_string).collect();
    organizations
        .chunks(ORGANIZATIONS_PER_NOTIFICATION)
        .map(|chunk| format!("{instance}:{}", chunk.join(",")))
        .collect()
}

/// The signals a notification's payload stands for: none for this instance's own, `Resync` for
/// one it cannot read (another version's, say), so that nothing is missed.
fn signals_of(payload: &str, instance: Uuid) -> Vec<ChangeSignal> {
    let Some((sender, organizations)) = payload.split_once(':') else {
        return vec![ChangeSignal::Resync];
    };
    if Uuid::parse_str(sender) == Ok(instance) {
        return Vec::new();
    }
    if organizations == EVERY_ORGANIZATION {
        return vec![ChangeSignal::Resync];
    }
    let parsed: Result<Vec<ChangeSignal>, _> = organizations
        .split(',')
        .map(|organization| Uuid::parse_str(organization).map(|id| ChangeSignal::Remote(OrganizationId(id))))
        .collect();
    parsed.unwrap_or_else(|_| vec![ChangeSignal::Resync])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_round_trip_and_skip_their_own() {
        let sender = Uuid::new_v4();
        let receiver = Uuid::new_v4();
        let organizations: BTreeSet<Uuid> = (0..150).map(|_| Uuid::new_v4()).collect();
        let payloads = announcements(sender, &organizations);
        assert_eq!(payloads.len(), 2);
        assert!(payloads.iter().all(|payload| payload.len() < 8000));
        let received: BTreeSet<Uuid> = payloads
            .iter()
            .flat_map(|payload| signals_of(payload, receiver))
            .map(|signal| match signal {
                ChangeSignal::Remote(organization) => organization.0,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(received, organizations);
        assert!(payloads.iter().all(|payload| signals_of(payload, sender).is_empty()));
    }

    #[test]
    fn unreadable_payloads_resync() {
        let receiver = Uuid::new_v4();
        for payload in ["", "garbage", "x:y", &format!("{}:*", Uuid::new_v4())] {
            assert_eq!(signals_of(payload, receiver), vec![ChangeSignal::Resync], "{payload:?}");
        }
    }
}
