//! Migrated databases without migrating each one (DESIGN.md, "Testing"): once per backend and
//! test process the migrations run into a template, and every test gets a copy of it.
//!
//! - SQLite: the template is built in a temp dir, its bytes are kept in memory and the dir is
//!   removed; each test writes them to its own file.
//! - PostgreSQL: a template database, named after the process so that test processes sharing a
//!   cluster do not collide, copied with `CREATE DATABASE ... TEMPLATE`.
//!
//! Tests that need an unmigrated database (the migrations themselves, a server started before its
//! database) ask `PostgresServer::create_database` or make their own file instead.

use std::path::Path;
use std::process::ChildStdin;
use std::time::{Duration, Instant};

use entitlements_store::Migrator;
use sea_orm::{ConnectOptions, ConnectionTrait as _, Database, DatabaseConnection, TransactionTrait as _};
use sea_orm_migration::MigratorTrait as _;
use tokio::sync::OnceCell;

use super::postgres::PostgresServer;

/// How long the template's own connections may take to leave after their pool closed.
const TEMPLATE_RELEASE_TIMEOUT: Duration = Duration::from_secs(10);

/// A new SQLite database file in `dir`, migrated; returns its URL.
pub(crate) async fn migrated_sqlite_database(dir: &Path) -> String {
    static TEMPLATE: OnceCell<Vec<u8>> = OnceCell::const_new();
    let template = TEMPLATE.get_or_init(build_sqlite_template).await;
    let path = dir.join("entitlements.db");
    tokio::fs::write(&path, template)
        .await
        .unwrap_or_else(|error| panic!("copy the sqlite template to {}: {error}", path.display()));
    sqlite_url(&path)
}

/// A new PostgreSQL database on `server`, migrated; returns its URL.
pub(crate) async fn migrated_postgres_database(server: &PostgresServer) -> String {
    let template = postgres_template(server).await;
    tokio::task::block_in_place(|| server.copy_database(&template.name))
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Migrates a database in a temp dir and returns a complete image of it. `VACUUM INTO` writes a
/// self-contained file, with nothing left behind in a write-ahead log, and returns once it is
/// written; the `OnceCell` makes every other test wait until then.
async fn build_sqlite_template() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temp dir for the sqlite template");
    let migrated = dir.path().join("migrated.db");
    let image = dir.path().join("template.db");
    let connection = connect_for_migrations(&sqlite_url(&migrated)).await;
    migrate(&connection).await;
    let image_literal = image.display().to_string().replace('\'', "''");
    connection
        .execute_unprepared(&format!("VACUUM INTO '{image_literal}'"))
        .await
        .expect("write the sqlite template");
    connection.close().await.expect("close the sqlite template");
    tokio::fs::read(&image).await.expect("read the sqlite template")
}

/// The process's PostgreSQL template database.
#[derive(Debug)]
struct PostgresTemplate {
    name: String,
    /// Held for the life of the process, on a cluster we did not start: see
    /// `PostgresServer::drop_database_at_exit`.
    _dropped_at_exit: Option<ChildStdin>,
}

async fn postgres_template(server: &PostgresServer) -> &'static PostgresTemplate {
    static TEMPLATE: OnceCell<PostgresTemplate> = OnceCell::const_new();
    TEMPLATE.get_or_init(|| build_postgres_template(server)).await
}

/// Creates and migrates the template, then makes sure no one is or gets connected to it, since
/// PostgreSQL refuses to copy a database that is in use ("source database ... is being accessed
/// by other users"). Copies themselves do not connect to it, so they may run concurrently.
async fn build_postgres_template(server: &PostgresServer) -> PostgresTemplate {
    let name = format!("template_{}_{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let url = tokio::task::block_in_place(|| server.create_database_named(&name, None));
    let dropped_at_exit = server
        .drop_database_at_exit(&name)
        .unwrap_or_else(|error| panic!("could not arrange for {name} to be dropped at exit: {error}"));
    let connection = connect_for_migrations(&url).await;
    migrate(&connection).await;
    connection.close().await.expect("close the postgres template");
    admin_sql(server, &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
    wait_until_unused(server, &name).await;
    PostgresTemplate { name, _dropped_at_exit: dropped_at_exit }
}

/// Waits until no session is connected to `database`: a closed pool's connections may take a
/// moment to end on the server.
async fn wait_until_unused(server: &PostgresServer, database: &str) {
    let sql = format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'");
    let deadline = Instant::now() + TEMPLATE_RELEASE_TIMEOUT;
    loop {
        let sessions = admin_sql(server, &sql);
        if sessions == "0" {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{sessions} sessions still connected to {database} after {TEMPLATE_RELEASE_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs SQL on the server's admin database (psql is blocking); returns psql's output.
fn admin_sql(server: &PostgresServer, sql: &str) -> String {
    tokio::task::block_in_place(|| server.execute_admin_sql(server.admin_url(), sql))
        .unwrap_or_else(|error| panic!("admin SQL {sql:?} failed: {error}"))
}

/// Applies every migration in one transaction, as `Store::migrate` does: on SQLite a commit per
/// migration would cost a second.
async fn migrate(connection: &DatabaseConnection) {
    let transaction = connection.begin().await.expect("begin migrating the template");
    Migrator::up(&transaction, None).await.expect("migrate the template");
    transaction.commit().await.expect("commit the template's migrations");
}

/// A plain pool for running the migrations, without the server's settings: the template only
/// needs the schema.
async fn connect_for_migrations(url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    Database::connect(options).await.unwrap_or_else(|error| panic!("connect to the template {url}: {error}"))
}
