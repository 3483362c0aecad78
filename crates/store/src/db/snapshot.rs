//! Read transactions that see one consistent snapshot: every query of the transaction reads the
//! database as of one instant, so that rows and the organization's revision read together agree.
//! On SQLite (WAL) a transaction's reads share the snapshot its first read takes; on PostgreSQL
//! READ COMMITTED would take a new one per statement, so the transaction is REPEATABLE READ.

use sea_orm::{
    AccessMode, DatabaseTransaction, DbBackend, IsolationLevel, TransactionOptions, TransactionTrait,
};

use crate::Store;
use crate::db::error::StoreError;
use crate::db::observation::PoolName;

impl Store {
    /// Starts a read-only transaction over one snapshot. End it with `commit` (nothing is
    /// written either way).
    pub(crate) async fn begin_snapshot(&self) -> Result<DatabaseTransaction, StoreError> {
        let options = match self.backend() {
            DbBackend::Postgres => TransactionOptions {
                isolation_level: Some(IsolationLevel::RepeatableRead),
                access_mode: Some(AccessMode::ReadOnly),
                ..TransactionOptions::default()
            },
            // SQLite has neither setting (sea-orm warns when given them): its transactions are
            // snapshots already.
            _ => TransactionOptions::default(),
        };
        let started = std::time::Instant::now();
        let transaction = self.connection().begin_with_options(options).await?;
        self.observe_transaction_began(PoolName::Main, started);
        Ok(transaction)
    }
}
