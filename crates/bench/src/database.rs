//! The fresh database a run seeds and serves: a SQLite file in a temp dir, or a new database on
//! the end-to-end tests' PostgreSQL (the harness's module, shared by path, decides where that
//! comes from and stops a throwaway cluster when this process ends, however it ends).

use std::process::ChildStdin;

use tempfile::TempDir;

use crate::args::DatabaseKind;
use crate::postgres::{PostgresAvailability, PostgresServer};

/// A database that lives as long as this value (or, on PostgreSQL, this process).
#[derive(Debug)]
pub(crate) struct BenchDatabase {
    url: String,
    kind: DatabaseKind,
    /// Removed on drop.
    _sqlite_dir: Option<TempDir>,
    /// On a PostgreSQL we did not start: the pipe whose closing at exit drops the database.
    _drop_at_exit: Option<ChildStdin>,
}

impl BenchDatabase {
    /// Creates an empty database (the server migrates it when it starts).
    ///
    /// # Errors
    /// When there is no PostgreSQL to use, or the database cannot be created.
    pub(crate) async fn create(kind: DatabaseKind) -> Result<Self, String> {
        match kind {
            DatabaseKind::Sqlite => {
                let dir = tempfile::Builder::new()
                    .prefix("entitlements-bench-")
                    .tempdir()
                    .map_err(|error| format!("no temp dir for the SQLite database: {error}"))?;
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("entitlements.db").display());
                Ok(Self { url, kind, _sqlite_dir: Some(dir), _drop_at_exit: None })
            }
            DatabaseKind::Postgres => tokio::task::spawn_blocking(create_postgres_database)
                .await
                .map_err(|error| format!("creating the PostgreSQL database panicked: {error}"))?,
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn kind(&self) -> DatabaseKind {
        self.kind
    }
}

/// Blocking: `initdb` and `psql` run as child processes.
fn create_postgres_database() -> Result<BenchDatabase, String> {
    let server: &PostgresServer = match PostgresServer::shared() {
        PostgresAvailability::Available(server) => server,
        PostgresAvailability::Missing(why) => return Err(format!("no PostgreSQL: {why}")),
    };
    let name = format!("entitlements_bench_{}", uuid::Uuid::new_v4().simple());
    server.execute_admin_sql(server.admin_url(), &format!("CREATE DATABASE {name}"))?;
    let drop_at_exit = server.drop_database_at_exit(&name)?;
    Ok(BenchDatabase {
        url: server.database_url(&name),
        kind: DatabaseKind::Postgres,
        _sqlite_dir: None,
        _drop_at_exit: drop_at_exit,
    })
}
