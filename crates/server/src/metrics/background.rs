//! The background tasks' families: webhook attempts by outcome and their duration, and the
//! subscription sweeper's runs by result. Neither is a hot path: series are looked up by label.

use std::time::Duration;

use entitlements_domain::webhook::delivery::NextStep;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::WEBHOOK_ATTEMPT_BUCKETS;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

/// What the webhook dispatcher reports.
#[derive(Debug, Clone)]
pub(crate) struct WebhookAttemptMetrics {
    attempts: Family<OutcomeLabels, Counter>,
    duration: Histogram,
}

impl WebhookAttemptMetrics {
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let metrics = Self { attempts: Family::default(), duration: Histogram::new(WEBHOOK_ATTEMPT_BUCKETS) };
        registry.register(
            "entitlements_webhook_attempts",
            "Webhook delivery attempts, by what was decided after them",
            metrics.attempts.clone(),
        );
        registry.register(
            "entitlements_webhook_attempt_duration_seconds",
            "Time a webhook delivery attempt took (sending the request and reading the answer)",
            metrics.duration.clone(),
        );
        // Every outcome is served from the start, at zero: the first failure is then an increase
        // that `increase()` and the alerts see, and the family is never missing from a scrape.
        for outcome in ["delivered", "retry_scheduled", "failed", "endpoint_disabled"] {
            drop(metrics.attempts.get_or_create(&OutcomeLabels { outcome }));
        }
        metrics
    }

    /// An attempt that took `elapsed` and was followed by `step`.
    pub(crate) fn attempted(&self, step: &NextStep, elapsed: Duration) {
        let outcome = match step {
            NextStep::Succeeded => "delivered",
            NextStep::RetryAt(_) => "retry_scheduled",
            NextStep::Failed => "failed",
            NextStep::DisableEndpoint => "endpoint_disabled",
        };
        self.attempts.get_or_create(&OutcomeLabels { outcome }).inc();
        self.duration.observe(elapsed.as_secs_f64());
    }
}

/// What the subscription sweeper reports.
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionSweepMetrics {
    sweeps: Family<ResultLabels, Counter>,
}

impl SubscriptionSweepMetrics {
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let metrics = Self { sweeps: Family::default() };
        registry.register(
            "entitlements_subscription_sweeps",
            "Runs of the subscription sweeper, by result",
            metrics.sweeps.clone(),
        );
        // Both results from the start, at zero, as the webhook outcomes.
        for result in ["ok", "error"] {
            drop(metrics.sweeps.get_or_create(&ResultLabels { result }));
        }
        metrics
    }

    pub(crate) fn swept(&self, succeeded: bool) {
        let result = if succeeded { "ok" } else { "error" };
        self.sweeps.get_or_create(&ResultLabels { result }).inc();
    }
}
