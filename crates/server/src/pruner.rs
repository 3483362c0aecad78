//! The pruners: every interval, delete what is older than its retention, a bounded batch per
//! statement: change events (keeping each organization's latest, so that the log, and the
//! revisions a Watch stream can resume from, cover the retention and no more) and finished
//! webhook deliveries.

use std::future::Future;
use std::time::Duration;

use entitlements_store::{CHANGE_LOG_PRUNE_BATCH, Store, StoreError, WEBHOOK_DELIVERY_PRUNE_BATCH};
use tokio_util::sync::CancellationToken;

/// Prunes the change log every `interval` until `shutdown`.
pub(crate) async fn prune_change_log(
    store: Store,
    retention: Duration,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let step_store = store.clone();
    prune_periodically("change events", store, interval, shutdown, CHANGE_LOG_PRUNE_BATCH, move || {
        let store = step_store.clone();
        async move { store.prune_change_log(retention).await }
    })
    .await;
}

/// Prunes finished webhook deliveries every `interval` until `shutdown`.
pub(crate) async fn prune_webhook_deliveries(
    store: Store,
    retention: Duration,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let step_store = store.clone();
    prune_periodically(
        "webhook deliveries",
        store,
        interval,
        shutdown,
        WEBHOOK_DELIVERY_PRUNE_BATCH,
        move || {
            let store = step_store.clone();
            async move { store.prune_webhook_deliveries(retention).await }
        },
    )
    .await;
}

/// Runs `step` every `interval` (starting one interval after start-up) until `shutdown`; a step
/// that deleted a full `batch` is followed by another at once.
async fn prune_periodically<Step, Steps>(
    what: &'static str,
    store: Store,
    interval: Duration,
    shutdown: CancellationToken,
    batch: u64,
    mut step: Steps,
) where
    Steps: FnMut() -> Step,
    Step: Future<Output = Result<u64, StoreError>>,
{
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
            let outcome = tokio::select! {
                () = shutdown.cancelled() => return,
                outcome = step() => outcome,
            };
            match outcome {
                Ok(count) => {
                    pruned += count;
                    if count < batch {
                        break;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, what, "pruning failed");
                    break;
                }
            }
        }
        if pruned > 0 {
            tracing::info!(rows = pruned, what, "pruned");
        }
    }
}
