//! The subscription sweeper: every interval, writes down (and logs) the time-driven subscription
//! changes that have come due, so that the change log records each transition even if nobody
//! reads the subscription, then records the notices due (trial ends, termination alerts). Reads
//! never wait for it: they compute (and write) due transitions themselves.

use std::time::Duration;

use entitlements_domain::TerminationAlertDays;
use entitlements_store::{SUBSCRIPTION_SWEEP_BATCH, Store, StoreError};
use tokio_util::sync::CancellationToken;

use crate::metrics::SubscriptionSweepMetrics;

/// Sweeps every `interval` (starting one interval after start-up) until `shutdown`; a step that
/// found a full batch is followed by another at once. Each sweep is counted in `metrics`, if any.
pub(crate) async fn sweep_subscriptions(
    store: Store,
    interval: Duration,
    alert_days: TerminationAlertDays,
    shutdown: CancellationToken,
    metrics: Option<SubscriptionSweepMetrics>,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        if !store.is_migrated() {
            continue;
        }
        let succeeded = loop {
            let step = tokio::select! {
                () = shutdown.cancelled() => return,
                step = sweep_step(&store, &alert_days) => step,
            };
            match step {
                Ok(count) if count >= SUBSCRIPTION_SWEEP_BATCH => {}
                Ok(_) => break true,
                Err(error) => {
                    tracing::warn!(%error, "subscription sweep failed");
                    break false;
                }
            }
        };
        if let Some(metrics) = &metrics {
            metrics.swept(succeeded);
        }
    }
}

/// One step: the transitions due, then the notices (so that a subscription whose `ending_at`
/// passed is terminated rather than alerted); the larger of the two counts.
async fn sweep_step(store: &Store, alert_days: &TerminationAlertDays) -> Result<usize, StoreError> {
    let transitions = store.sweep_subscription_transitions().await?;
    let notices = store.sweep_subscription_notices(alert_days).await?;
    Ok(transitions.max(notices))
}
