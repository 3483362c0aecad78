//! The database families: statement durations and errors by operation, transaction waits by
//! pool. Each series' handle is made on first use and kept, so that a statement (the store's
//! hottest path) finds it without hashing its labels.

use std::sync::OnceLock;

use entitlements_store::{PoolName, StatementOperation};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::GRPC_HANDLING_BUCKETS;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct PoolLabels {
    pub(crate) pool: &'static str,
}

/// Database work is timed with the gRPC buckets: from half a millisecond, as a statement on a
/// local database takes, to seconds.
#[derive(Debug, Clone, Copy)]
struct DatabaseBuckets;

impl MetricConstructor<Histogram> for DatabaseBuckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(GRPC_HANDLING_BUCKETS)
    }
}

const OPERATIONS: [StatementOperation; 5] = [
    StatementOperation::Select,
    StatementOperation::Insert,
    StatementOperation::Update,
    StatementOperation::Delete,
    StatementOperation::Other,
];

const POOLS: [PoolName; 2] = [PoolName::Main, PoolName::Writer];

#[derive(Debug)]
pub(crate) struct DatabaseMetrics {
    statement_duration: Family<OperationLabels, Histogram, DatabaseBuckets>,
    statement_errors: Family<OperationLabels, Counter>,
    transaction_wait: Family<PoolLabels, Histogram, DatabaseBuckets>,
    statement_duration_handles: [OnceLock<Histogram>; OPERATIONS.len()],
    statement_error_handles: [OnceLock<Counter>; OPERATIONS.len()],
    transaction_wait_handles: [OnceLock<Histogram>; POOLS.len()],
}

impl DatabaseMetrics {
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            statement_duration: Family::new_with_constructor(DatabaseBuckets),
            statement_errors: Family::default(),
            transaction_wait: Family::new_with_constructor(DatabaseBuckets),
            statement_duration_handles: std::array::from_fn(|_| OnceLock::new()),
            statement_error_handles: std::array::from_fn(|_| OnceLock::new()),
            transaction_wait_handles: std::array::from_fn(|_| OnceLock::new()),
        };
        registry.register(
            "entitlements_db_statement_duration_seconds",
            "Time the database took to run a statement, by operation",
            metrics.statement_duration.clone(),
        );
        registry.register(
            "entitlements_db_statement_errors",
            "Statements that failed, by operation",
            metrics.statement_errors.clone(),
        );
        registry.register(
            "entitlements_db_transaction_wait_seconds",
            "Time a transaction waited to begin (a free pooled connection, then BEGIN), by pool",
            metrics.transaction_wait.clone(),
        );
        // Errors of every operation are served from the start, at zero, so that the first one is
        // an increase alerts and `rate()` see.
        for (operation, cell) in OPERATIONS.iter().zip(&metrics.statement_error_handles) {
            cell.get_or_init(|| {
                metrics
                    .statement_errors
                    .get_or_create_owned(&OperationLabels { operation: operation.as_str() })
            });
        }
        metrics
    }

    pub(crate) fn statement(&self, operation: StatementOperation, seconds: f64, failed: bool) {
        let index = operation_index(operation);
        let labels = || OperationLabels { operation: operation.as_str() };
        if let Some(cell) = self.statement_duration_handles.get(index) {
            cell.get_or_init(|| self.statement_duration.get_or_create_owned(&labels())).observe(seconds);
        }
        if failed && let Some(cell) = self.statement_error_handles.get(index) {
            cell.get_or_init(|| self.statement_errors.get_or_create_owned(&labels())).inc();
        }
    }

    pub(crate) fn transaction_began(&self, pool: PoolName, seconds: f64) {
        let index = match pool {
            PoolName::Main => 0,
            PoolName::Writer => 1,
        };
        if let Some(cell) = self.transaction_wait_handles.get(index) {
            cell.get_or_init(|| {
                self.transaction_wait.get_or_create_owned(&PoolLabels { pool: pool.as_str() })
            })
            .observe(seconds);
        }
    }
}

fn operation_index(operation: StatementOperation) -> usize {
    match operation {
        StatementOperation::Select => 0,
        StatementOperation::Insert => 1,
        StatementOperation::Update => 2,
        StatementOperation::Delete => 3,
        StatementOperation::Other => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_and_pool_has_its_own_handle() {
        for (index, operation) in OPERATIONS.into_iter().enumerate() {
            assert_eq!(operation_index(operation), index);
        }
        assert_eq!(POOLS.map(PoolName::as_str), ["main", "writer"]);
    }
}
