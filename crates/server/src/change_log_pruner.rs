//! The change-log pruner: every interval, deletes the change events older than the retention
//! (keeping each organization's latest), a bounded batch per statement, so that the log, and the
//! revisions a Watch stream can resume from, cover the retention and no more.

use std::time::Duration;

use entitlements_store::{CHANGE_LOG_PRUNE_BATCH, Store};
use tokio_util::sync::CancellationToken;

/// Prunes every `interval` (starting one interval after start-up) until `shutdown`; a batch that
/// came back full is followed by another at once.
pub(crate) async fn prune_change_log(
    store: Store,
    retention: Duration,
    interval: Duration,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        if !store.is_migrated() {
            continue;
        }
        let mut pruned = 0;
        loop {
            let step = tokio::select! {
                () = shutdown.cancelled() => return,
                step = store.prune_change_log(retention) => step,
            };
            match step {
                Ok(count) => {
                    pruned += count;
                    if count < CHANGE_LOG_PRUNE_BATCH {
                        break;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "change log pruning failed");
                    break;
                }
            }
        }
        if pruned > 0 {
            tracing::info!(events = pruned, "pruned the change log");
        }
    }
}
