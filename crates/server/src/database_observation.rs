//! What the server does with the store's observations of its database work (see the store's
//! `DatabaseObserver`): statement durations and errors, and transaction waits, as metrics. It is
//! installed only when something observes (with `--metrics false` and no tracing, the store runs
//! without an observer, at no cost).

use std::time::Duration;

use entitlements_store::{DatabaseObserver, PoolName, StatementRecord};

use crate::metrics::DatabaseMetrics;

/// The server's observer of the store.
#[derive(Debug)]
pub(crate) struct ServerDatabaseObserver {
    metrics: Option<DatabaseMetrics>,
    // Traces: a span per statement is made here too, beside the metrics (see `statement`).
}

impl ServerDatabaseObserver {
    /// An observer reporting to `metrics`, if any; `None` when it would observe nothing, so
    /// that the caller installs none.
    pub(crate) fn new(metrics: Option<DatabaseMetrics>) -> Option<Self> {
        metrics.is_some().then_some(Self { metrics })
    }
}

impl DatabaseObserver for ServerDatabaseObserver {
    fn statement(&self, statement: &StatementRecord<'_>) {
        if let Some(metrics) = &self.metrics {
            metrics.statement(statement.operation, statement.elapsed.as_secs_f64(), statement.failed);
        }
        // Traces: the statement's span (a child of the caller's, whose task this runs on) goes here.
    }

    fn transaction_began(&self, pool: PoolName, waited: Duration) {
        if let Some(metrics) = &self.metrics {
            metrics.transaction_began(pool, waited.as_secs_f64());
        }
    }
}
