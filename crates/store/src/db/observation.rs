//! What the store lets a server observe of its database work, without depending on any metrics or
//! tracing library: every statement (its kind, SQL text, duration and outcome), the time each
//! transaction waited to begin (a free pooled connection, then `BEGIN`), and the pools' state.
//! The server turns these into metrics and trace spans.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

use crate::Store;

/// One statement the store ran.
#[derive(Debug, Clone, Copy)]
pub struct StatementRecord<'a> {
    /// The SQL text, with placeholders for its values (never the values themselves).
    pub sql: &'a str,
    pub operation: StatementOperation,
    pub elapsed: Duration,
    pub failed: bool,
}

/// The kind of a statement, from its first keyword: a label with a handful of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatementOperation {
    Select,
    Insert,
    Update,
    Delete,
    Other,
}

impl StatementOperation {
    /// The kind of `sql`, from its first keyword.
    pub fn of(sql: &str) -> Self {
        let keyword = sql.trim_start().split(|character: char| !character.is_ascii_alphabetic()).next();
        match keyword {
            Some(word) if word.eq_ignore_ascii_case("select") => Self::Select,
            Some(word) if word.eq_ignore_ascii_case("insert") => Self::Insert,
            Some(word) if word.eq_ignore_ascii_case("update") => Self::Update,
            Some(word) if word.eq_ignore_ascii_case("delete") => Self::Delete,
            _ => Self::Other,
        }
    }

    /// The lowercase keyword (`other` for the rest), as OpenTelemetry's `db.operation.name`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Select => "select",
            Self::Insert => "insert",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Other => "other",
        }
    }
}

/// Which pool a transaction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PoolName {
    /// Every read, and every write on PostgreSQL.
    Main,
    /// SQLite's single writer connection.
    Writer,
}

impl PoolName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Main => "main",
            Self::Writer => "writer",
        }
    }
}

/// One pool's connections at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub pool: PoolName,
    /// Connections open, idle or in use.
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl PoolStatus {
    pub fn in_use(&self) -> u32 {
        self.open.saturating_sub(self.idle)
    }
}

/// Receives the store's observations. Called on the task that ran the statement, inside its
/// request's tracing span, so an implementation can make the statement a child span. It must be
/// cheap: it runs once per statement.
pub trait DatabaseObserver: Send + Sync + Debug {
    fn statement(&self, statement: &StatementRecord<'_>);

    /// A transaction began on `pool` after waiting `waited` for a connection and its `BEGIN`.
    fn transaction_began(&self, pool: PoolName, waited: Duration);
}

impl Store {
    /// The same store, reporting its statements and transaction waits to `observer` from now on
    /// (replacing any observer or statement counter attached before).
    #[must_use]
    pub fn with_database_observer(mut self, observer: Arc<dyn DatabaseObserver>) -> Self {
        for connection in std::iter::once(&mut self.connection).chain(self.writer.as_deref_mut()) {
            let statement_observer = Arc::clone(&observer);
            connection.set_metric_callback(move |info| {
                statement_observer.statement(&StatementRecord {
                    sql: &info.statement.sql,
                    operation: StatementOperation::of(&info.statement.sql),
                    elapsed: info.elapsed,
                    failed: info.failed,
                });
            });
        }
        self.database_observer = Some(observer);
        self
    }

    /// Reports a transaction that began at `started` on `pool`, if anyone observes.
    pub(crate) fn observe_transaction_began(&self, pool: PoolName, started: Instant) {
        if let Some(observer) = &self.database_observer {
            observer.transaction_began(pool, started.elapsed());
        }
    }

    /// Every pool's connections now: the main pool, and on SQLite the writer's.
    pub fn pool_statuses(&self) -> Vec<PoolStatus> {
        let mut statuses = vec![pool_status(PoolName::Main, &self.connection)];
        if let Some(writer) = self.writer.as_deref() {
            statuses.push(pool_status(PoolName::Writer, writer));
        }
        statuses
    }
}

fn pool_status(pool: PoolName, connection: &DatabaseConnection) -> PoolStatus {
    match connection.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let sqlx_pool = connection.get_postgres_connection_pool();
            PoolStatus {
                pool,
                open: sqlx_pool.size(),
                idle: u32::try_from(sqlx_pool.num_idle()).unwrap_or(u32::MAX),
                max: sqlx_pool.options().get_max_connections(),
            }
        }
        sea_orm::DbBackend::Sqlite => {
            let sqlx_pool = connection.get_sqlite_connection_pool();
            PoolStatus {
                pool,
                open: sqlx_pool.size(),
                idle: u32::try_from(sqlx_pool.num_idle()).unwrap_or(u32::MAX),
                max: sqlx_pool.options().get_max_connections(),
            }
        }
        // The store connects to nothing else (see `Store::connect`).
        _ => PoolStatus { pool, open: 0, idle: 0, max: 0 },
    }
}

#[cfg(test)]
mod tests {
    use super::StatementOperation;

    #[test]
    fn a_statement_is_known_by_its_first_keyword() {
        assert_eq!(StatementOperation::of("SELECT 1"), StatementOperation::Select);
        assert_eq!(StatementOperation::of("  insert INTO t"), StatementOperation::Insert);
        assert_eq!(StatementOperation::of("UPDATE\"t\""), StatementOperation::Update);
        assert_eq!(StatementOperation::of("DELETE FROM t"), StatementOperation::Delete);
        assert_eq!(StatementOperation::of("WITH x AS (SELECT 1) SELECT 1"), StatementOperation::Other);
        assert_eq!(StatementOperation::of(""), StatementOperation::Other);
    }
}
