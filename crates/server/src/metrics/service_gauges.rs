//! The service's gauges, set at each scrape from what they measure: the database pools, the
//! in-memory view against the change log, the webhook outbox's depth, and the services' own
//! counters (Check answers by reason, Watch streams open). A reading that fails (the database
//! is down) leaves its gauges out of that scrape rather than failing it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use entitlements_engine::EntitlementsView;
use entitlements_service::ServiceCounters;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::database::PoolLabels;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PoolStateLabels {
    pool: &'static str,
    state: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

/// The gauges of a server that runs the services.
#[derive(Debug)]
pub(crate) struct ServiceGauges {
    view: EntitlementsView,
    counters: Arc<ServiceCounters>,
    pool_connections: Family<PoolStateLabels, Gauge>,
    pool_max_connections: Family<PoolLabels, Gauge>,
    view_ready: Gauge,
    /// The revision gauges and the outbox's depth are read from the database: registered in a
    /// registry of their own, encoded only when the reading succeeded.
    database_readings: DatabaseReadings,
    check_answers: Family<ReasonLabels, Counter>,
    watch_streams_open: Gauge,
}

#[derive(Debug, Default)]
struct DatabaseReadings {
    view_revision: Gauge,
    change_log_revision: Gauge,
    view_lag_revisions: Gauge,
    webhook_deliveries_pending: Gauge,
}

impl ServiceGauges {
    pub(crate) fn register(
        registry: &mut Registry,
        view: EntitlementsView,
        counters: Arc<ServiceCounters>,
    ) -> Self {
        let gauges = Self {
            view,
            counters,
            pool_connections: Family::default(),
            pool_max_connections: Family::default(),
            view_ready: Gauge::default(),
            database_readings: DatabaseReadings::default(),
            check_answers: Family::default(),
            watch_streams_open: Gauge::default(),
        };
        registry.register(
            "entitlements_db_pool_connections",
            "Pooled database connections, by pool and state",
            gauges.pool_connections.clone(),
        );
        registry.register(
            "entitlements_db_pool_max_connections",
            "The most connections a pool opens",
            gauges.pool_max_connections.clone(),
        );
        registry.register(
            "entitlements_view_ready",
            "Whether the in-memory view has loaded every organization (1) or not yet (0)",
            gauges.view_ready.clone(),
        );
        registry.register(
            "entitlements_check_answers",
            "Check answers (one per Check and per CheckBulk item, gRPC and REST), by reason",
            gauges.check_answers.clone(),
        );
        registry.register(
            "entitlements_watch_streams_open",
            "Watch streams open on this server",
            gauges.watch_streams_open.clone(),
        );
        gauges
    }

    /// The readings that need the database, in a registry encoded after the main one when they
    /// were read.
    pub(crate) fn register_database_readings(&self, registry: &mut Registry) {
        let readings = &self.database_readings;
        registry.register(
            "entitlements_view_revision",
            "Sum over organizations of the revision the in-memory view has applied",
            readings.view_revision.clone(),
        );
        registry.register(
            "entitlements_change_log_revision",
            "Sum over organizations of the change log's latest revision",
            readings.change_log_revision.clone(),
        );
        registry.register(
            "entitlements_view_lag_revisions",
            "Revisions in the change log the in-memory view has not applied yet, summed over organizations",
            readings.view_lag_revisions.clone(),
        );
        registry.register(
            "entitlements_webhook_deliveries_pending",
            "Webhook deliveries not yet delivered nor failed, of every endpoint",
            readings.webhook_deliveries_pending.clone(),
        );
    }

    /// Sets every gauge from what it measures now; answers whether the database readings
    /// succeeded (else they are left out of this scrape).
    pub(crate) async fn refresh(&self) -> bool {
        let store = self.view.store();
        for status in store.pool_statuses() {
            let pool = status.pool.as_str();
            self.pool_connections
                .get_or_create(&PoolStateLabels { pool, state: "in_use" })
                .set(i64::from(status.in_use()));
            self.pool_connections
                .get_or_create(&PoolStateLabels { pool, state: "idle" })
                .set(i64::from(status.idle));
            self.pool_max_connections.get_or_create(&PoolLabels { pool }).set(i64::from(status.max));
        }
        self.view_ready.set(i64::from(self.view.is_ready()));
        for (reason, count) in self.counters.check_answers() {
            // The services' count is the counter's value.
            self.check_answers
                .get_or_create(&ReasonLabels { reason })
                .inner()
                .store(count, Ordering::Relaxed);
        }
        self.watch_streams_open.set(self.counters.watch_streams_open());
        self.refresh_database_readings().await
    }

    async fn refresh_database_readings(&self) -> bool {
        let store = self.view.store();
        let revisions = match store.organization_revisions().await {
            Ok(revisions) => revisions,
            Err(error) => {
                tracing::debug!(%error, "cannot read the change log's revisions for the metrics");
                return false;
            }
        };
        let pending = match store.pending_webhook_delivery_count().await {
            Ok(pending) => pending,
            Err(error) => {
                tracing::debug!(%error, "cannot count the pending webhook deliveries for the metrics");
                return false;
            }
        };
        // The view's sum is read after the log's, so that the lag is never below zero for a
        // revision applied between the two reads (it may be above it by as much, briefly).
        let log_sum = revisions.iter().map(|(_, revision)| *revision).fold(0, u64::saturating_add);
        let lag: u64 = revisions
            .iter()
            .map(|(organization_id, revision)| {
                revision.saturating_sub(self.view.revision(*organization_id).unwrap_or_default())
            })
            .fold(0, u64::saturating_add);
        let readings = &self.database_readings;
        readings.change_log_revision.set(gauge_value(log_sum));
        readings.view_revision.set(gauge_value(self.view.applied_revision_sum()));
        readings.view_lag_revisions.set(gauge_value(lag));
        readings.webhook_deliveries_pending.set(gauge_value(pending));
        true
    }
}

fn gauge_value(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
