//! The webhook dispatcher: a background task of every replica that takes due deliveries from the
//! outbox and sends them. Claims lease each delivery to one replica for one attempt (see the
//! store's `webhook::dispatch`), so with several replicas every attempt is made once; a replica
//! killed mid-attempt leaves a lease that expires, and the delivery is attempted again.
//!
//! At most `--webhook-concurrency` requests are in flight, and at most
//! `--webhook-endpoint-concurrency` to one endpoint, so that a slow receiver holds back only its
//! own deliveries.

mod attempt;
mod http_client;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entitlements_domain::webhook::delivery::RetryPolicy;
use entitlements_store::{DeliveryAttempt, DueDelivery, Store};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::config::WebhookArgs;
use crate::metrics::WebhookAttemptMetrics;
use attempt::{SigningKeys, attempt};

/// How long past its timeout an attempt's lease lasts: the time to record its outcome. It is also
/// how soon after a crash the attempts it interrupted are made again.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// How long a shutdown waits for the attempts in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Everything the dispatcher needs, resolved from the flags.
#[derive(Debug, Clone)]
pub(crate) struct DispatchSettings {
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) concurrency: usize,
    pub(crate) endpoint_concurrency: usize,
    pub(crate) poll_interval: Duration,
    pub(crate) allow_private_networks: bool,
    pub(crate) jwt_issuer: Option<String>,
}

impl From<&WebhookArgs> for DispatchSettings {
    fn from(args: &WebhookArgs) -> Self {
        Self {
            retry_policy: args.retry_policy(),
            timeout: args.timeout(),
            concurrency: args.webhook_concurrency.max(1),
            endpoint_concurrency: args.webhook_endpoint_concurrency.max(1),
            poll_interval: args.poll_interval(),
            allow_private_networks: args.webhook_allow_private_networks,
            jwt_issuer: args.public_api_url.clone(),
        }
    }
}

/// Sends due deliveries until `shutdown`, then gives the attempts in flight a moment to finish.
/// Each attempt is counted in `metrics`, if any.
///
/// # Errors
/// When the HTTP client cannot be built.
pub(crate) async fn dispatch_webhooks(
    store: Store,
    settings: DispatchSettings,
    shutdown: CancellationToken,
    metrics: Option<WebhookAttemptMetrics>,
) -> Result<(), String> {
    let client = http_client::webhook_client(settings.timeout, settings.allow_private_networks)?;
    let dispatcher = Arc::new(Dispatcher {
        store: store.clone(),
        client,
        settings: settings.clone(),
        in_flight: Mutex::new(HashMap::new()),
        finished: Notify::new(),
        metrics,
    });
    let mut signals = store.change_signals();
    let mut attempts = JoinSet::new();
    let lease = settings.timeout + LEASE_MARGIN;
    loop {
        while attempts.try_join_next().is_some() {}
        let free = settings.concurrency.saturating_sub(attempts.len());
        if free > 0 && store.is_migrated() {
            let in_flight = dispatcher.in_flight_snapshot();
            match store.claim_webhook_deliveries(free, settings.endpoint_concurrency, &in_flight, lease).await
            {
                Ok(claimed) => {
                    for delivery in claimed {
                        dispatcher.started(delivery.endpoint.id);
                        let dispatcher = Arc::clone(&dispatcher);
                        attempts.spawn(async move { dispatcher.deliver(delivery).await });
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot claim webhook deliveries"),
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = signals.next() => {}
            () = dispatcher.finished.notified() => {}
            () = tokio::time::sleep(settings.poll_interval) => {}
        }
    }
    // Attempts in flight get a moment to finish and be recorded; the rest are dropped, their
    // leases expire, and they are made again (by another replica, or after the restart): the
    // shutdown is not held up by a slow receiver.
    let drain = async { while attempts.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        tracing::info!(
            attempts = attempts.len(),
            "webhook attempts still in flight at shutdown; they will be retried"
        );
        attempts.abort_all();
    }
    Ok(())
}

#[derive(Debug)]
struct Dispatcher {
    store: Store,
    client: reqwest::Client,
    settings: DispatchSettings,
    /// Attempts in flight per endpoint.
    in_flight: Mutex<HashMap<Uuid, usize>>,
    /// Wakes the loop when an attempt ends, so that its slot is filled at once.
    finished: Notify,
    metrics: Option<WebhookAttemptMetrics>,
}

impl Dispatcher {
    fn in_flight_snapshot(&self) -> HashMap<Uuid, usize> {
        self.in_flight.lock().map(|counts| counts.clone()).unwrap_or_default()
    }

    fn started(&self, endpoint_id: Uuid) {
        if let Ok(mut counts) = self.in_flight.lock() {
            *counts.entry(endpoint_id).or_default() += 1;
        }
    }

    fn ended(&self, endpoint_id: Uuid) {
        if let Ok(mut counts) = self.in_flight.lock()
            && let Some(count) = counts.get_mut(&endpoint_id)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&endpoint_id);
            }
        }
        self.finished.notify_one();
    }

    /// Makes one attempt and records it. A failure to record leaves the lease to expire, and the
    /// delivery is attempted again: a duplicate rather than a loss.
    async fn deliver(&self, delivery: DueDelivery) {
        let endpoint_id = delivery.endpoint.id;
        if let Err(error) = self.attempt_and_record(&delivery).await {
            tracing::warn!(%error, delivery_id = %delivery.id, "webhook attempt not recorded; it will be retried");
        }
        self.ended(endpoint_id);
    }

    async fn attempt_and_record(&self, delivery: &DueDelivery) -> Result<(), entitlements_store::StoreError> {
        let jwt = self.store.webhook_signing_key().await?;
        let hmac_key = match &delivery.endpoint.hmac_key {
            Some(key) => key.clone(),
            None => self.store.webhook_hmac_key(delivery.organization_id).await?,
        };
        let keys = SigningKeys { jwt, jwt_issuer: self.settings.jwt_issuer.as_deref(), hmac_key: &hmac_key };
        let started = self.store.now();
        // Timed by the monotonic clock: the store's may be a test's manual one.
        let timer = std::time::Instant::now();
        let result =
            attempt(&self.client, delivery, &keys, started.timestamp(), self.settings.allow_private_networks)
                .await;
        let elapsed = timer.elapsed();
        let finished = self.store.now();
        let attempts = delivery.attempts.saturating_add(1);
        let step = self.settings.retry_policy.next_step(attempts, &result.outcome, finished, fastrand::f64());
        tracing::debug!(
            delivery_id = %delivery.id,
            webhook_type = %delivery.webhook_type,
            attempts,
            http_status = ?result.http_status,
            ?step,
            "webhook attempt"
        );
        if let Some(metrics) = &self.metrics {
            metrics.attempted(&step, elapsed);
        }
        self.store
            .record_webhook_attempt(DeliveryAttempt {
                delivery_id: delivery.id,
                endpoint_id: delivery.endpoint.id,
                leased_until: Some(delivery.leased_until),
                step,
                http_status: result.http_status,
                response: result.response,
                attempted_at: finished,
            })
            .await
    }
}
