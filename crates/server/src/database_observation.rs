//! What the server does with the store's observations of its database work (see the store's
//! `DatabaseObserver`): statement durations and errors, and transaction waits, as metrics; and,
//! while traces are exported, each statement of a traced request as a span. It is installed only
//! when something observes (with `--metrics false` and no traces, the store runs without an
//! observer, at no cost).

use std::time::Duration;

use entitlements_store::{DatabaseObserver, PoolName, StatementRecord};

use crate::metrics::DatabaseMetrics;
use crate::telemetry::StatementSpans;

/// The server's observer of the store.
#[derive(Debug)]
pub(crate) struct ServerDatabaseObserver {
    metrics: Option<DatabaseMetrics>,
    spans: Option<StatementSpans>,
}

impl ServerDatabaseObserver {
    /// An observer reporting to `metrics` and `spans`, if any; `None` when it would observe
    /// nothing, so that the caller installs none.
    pub(crate) fn new(metrics: Option<DatabaseMetrics>, spans: Option<StatementSpans>) -> Option<Self> {
        (metrics.is_some() || spans.is_some()).then_some(Self { metrics, spans })
    }
}

impl DatabaseObserver for ServerDatabaseObserver {
    fn statement(&self, statement: &StatementRecord<'_>) {
        if let Some(metrics) = &self.metrics {
            metrics.statement(statement.operation, statement.elapsed.as_secs_f64(), statement.failed);
        }
        if let Some(spans) = &self.spans {
            spans.record(statement);
        }
    }

    fn transaction_began(&self, pool: PoolName, waited: Duration) {
        if let Some(metrics) = &self.metrics {
            metrics.transaction_began(pool, waited.as_secs_f64());
        }
    }
}
