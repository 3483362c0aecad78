//! Storage of the entitlements service on SQLite (the embedded default) or PostgreSQL, through
//! SeaORM. Callers see domain types only. Every write method is one transaction that also appends
//! its change events, so a failed request leaves neither rows nor events behind.

mod billable_metric;
mod change_log;
mod charge;
mod check;
mod clock;
mod customer;
mod db;
mod entitlement;
mod entity;
mod feature;
mod migration;
mod organization;
mod plan;
pub mod revision;
mod subscription;
mod subscription_lifecycle;
mod tax;
mod view_source;
mod webhook;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use entitlements_domain::webhook::WebhookRenderer;
use entitlements_domain::webhook::signing::WebhookSigningKey;
use entitlements_domain::{Error, OrganizationId};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

pub use change_log::notifier::{ChangeSignal, ChangeSignals};
pub use change_log::retention::CHANGE_LOG_PRUNE_BATCH;
pub use change_log::{ChangeEvent, ChangeEventType};
pub use clock::Clock;
pub use db::error::StoreError;
pub use db::observation::{DatabaseObserver, PoolName, PoolStatus, StatementOperation, StatementRecord};
pub use migration::Migrator;
pub use organization::{ApiKey, NewOrganization};
pub use subscription_lifecycle::transitions::SUBSCRIPTION_SWEEP_BATCH;
pub use view_source::{ApiKeyHash, OrganizationChanges, OrganizationImage, ViewUpdate};
pub use webhook::{
    DeliveryAttempt, DeliveryEndpoint, DueDelivery, TraceParentSource, WEBHOOK_DELIVERY_PRUNE_BATCH,
    WEBHOOK_RESPONSE_KEPT_BYTES,
};

/// How long a connection may wait for the database (a lock, a free pool slot) before the request
/// fails as unavailable.
const DATABASE_WAIT: Duration = Duration::from_secs(10);

/// The PostgreSQL advisory lock that serializes migrations (an arbitrary constant of this service).
const MIGRATION_LOCK_KEY: i64 = 7_413_920_551;

/// How a SQLite commit is made durable (its `synchronous` setting, in WAL mode); PostgreSQL's
/// durability is the server's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SqliteDurability {
    /// `synchronous = FULL`: every commit waits for the write-ahead log to reach the disk, so a
    /// committed write survives a power loss.
    #[default]
    Full,
    /// `synchronous = NORMAL`: commits do not wait for the disk (the log is synced at
    /// checkpoints). A committed write survives the process crashing or being killed, but the
    /// last commits before a power loss or kernel crash may be lost (the database stays
    /// consistent). Writes commit about 40 % faster.
    Normal,
}

/// Whether a write is carried out, or decided and answered without a trace (a request's
/// `validate_only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    Commit,
    ValidateOnly,
}

/// How many statements a store sent since its counter was attached.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A handle on the database, cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct Store {
    connection: DatabaseConnection,
    /// On SQLite, a pool of one connection that every write transaction runs on (`begin_write`).
    /// SQLite lets one writer in at a time; writers queue for this connection in arrival order
    /// (the pool hands it out fairly) instead of on SQLite's busy handler, whose growing sleeps
    /// let late arrivals overtake and gave `PATCH` a p99 of 350 ms at 16 connections. `None` on
    /// PostgreSQL, where writers lock rows, not the database. Boxed: a pool handle is large.
    writer: Option<Box<DatabaseConnection>>,
    /// Set once this process has applied the migrations; until then requests are refused as
    /// unavailable rather than failing on missing tables.
    migrated: Arc<AtomicBool>,
    clock: Clock,
    /// Wakes followers of the change log after each commit.
    change_notifier: change_log::notifier::ChangeNotifier,
    local_revisions: revision::LocalRevisions,
    /// Renders webhook payloads in the transactions that commit their events; `None` in stores
    /// that send no webhooks (the admin CLI's).
    webhook_renderer: Option<Arc<dyn WebhookRenderer>>,
    /// The installation's JWT signing key, loaded (or generated) on first use, or configured.
    webhook_signing_key: Arc<tokio::sync::OnceCell<WebhookSigningKey>>,
    /// Told of every statement and transaction wait (`with_database_observer`), if set.
    database_observer: Option<Arc<dyn DatabaseObserver>>,
    /// The trace each write's webhook deliveries continue (`with_trace_parent_source`), if set.
    trace_parent_source: Option<webhook::TraceParentSource>,
}

impl Store {
    /// Prepares a connection pool for `database_url` (`sqlite://path?mode=rwc` or
    /// `postgres://...`). Connections are opened lazily, so a server can start (and report
    /// NOT_SERVING) before its database answers.
    ///
    /// # Errors
    /// `Unavailable` when the URL cannot be used.
    pub async fn connect(database_url: &str) -> Result<Self, StoreError> {
        Self::connect_with(database_url, SqliteDurability::default()).await
    }

    /// [`Store::connect`], with SQLite commits made durable as `durability` says.
    ///
    /// # Errors
    /// `Unavailable` when the URL cannot be used.
    pub async fn connect_with(database_url: &str, durability: SqliteDurability) -> Result<Self, StoreError> {
        let synchronous = match durability {
            SqliteDurability::Full => SqliteSynchronous::Full,
            SqliteDurability::Normal => SqliteSynchronous::Normal,
        };
        let mut options = ConnectOptions::new(database_url.to_owned());
        options
            .sqlx_logging(false)
            .connect_lazy(true)
            .acquire_timeout(DATABASE_WAIT)
            .connect_timeout(DATABASE_WAIT)
            // WAL lets readers proceed while one writer holds the lock. Writers queue for the
            // writer connection; the busy timeout makes anything else that writes the file (another
            // store on it, a migration) wait instead of failing.
            .map_sqlx_sqlite_opts(move |sqlite| {
                sqlite
                    .journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(DATABASE_WAIT)
                    .foreign_keys(true)
                    .synchronous(synchronous)
            });
        let mut writer = None;
        if database_url.starts_with("sqlite:") {
            let mut writer_options = options.clone();
            writer_options.max_connections(1);
            writer = Some(Box::new(Database::connect(writer_options).await?));
            // One SQLite file serves one process; a few connections are enough and keep memory low.
            options.max_connections(8);
        }
        let connection = Database::connect(options).await?;
        Ok(Self {
            connection,
            writer,
            migrated: Arc::new(AtomicBool::new(false)),
            clock: Clock::system(),
            change_notifier: change_log::notifier::ChangeNotifier::new(),
            local_revisions: revision::LocalRevisions::default(),
            webhook_renderer: None,
            webhook_signing_key: Arc::new(tokio::sync::OnceCell::new()),
            database_observer: None,
            trace_parent_source: None,
        })
    }

    /// Applies the migrations that have not run yet.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when a migration fails.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        // Replicas starting together (or a migration Job beside them) migrate at once, so the
        // migrations run in one write transaction: SQLite's write lock, or on PostgreSQL an
        // advisory lock, makes the others wait for it and then find nothing left to apply.
        let transaction = self.begin_write().await?;
        if self.backend() == DbBackend::Postgres {
            transaction
                .execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
                .await?;
        }
        Migrator::up(&transaction, None).await?;
        transaction.commit().await?;
        self.migrated.store(true, Ordering::Release);
        Ok(())
    }

    /// Whether this process has applied the migrations.
    pub fn is_migrated(&self) -> bool {
        self.migrated.load(Ordering::Acquire)
    }

    /// Answers whether the database serves queries, for health checks.
    ///
    /// # Errors
    /// `Unavailable` when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        // A read of a real table, not `SELECT 1`: SQLite answers that without touching the file.
        self.connection
            .execute_unprepared("SELECT count(*) FROM organizations WHERE id IS NULL")
            .await
            .map_err(|error| Error::Unavailable(error.to_string()))?;
        Ok(())
    }

    pub fn backend(&self) -> DbBackend {
        self.connection.get_database_backend()
    }

    /// The same store, counting every statement it sends from now on: for tests and benchmarks
    /// that prove how many queries a request costs.
    #[must_use]
    pub fn with_statement_counter(mut self) -> (Self, StatementCounter) {
        let counter = StatementCounter::default();
        for connection in std::iter::once(&mut self.connection).chain(self.writer.as_deref_mut()) {
            let count = Arc::clone(&counter.0);
            connection.set_metric_callback(move |_| {
                count.fetch_add(1, Ordering::Relaxed);
            });
        }
        (self, counter)
    }

    /// Starts a write transaction. On SQLite it runs on the writer connection, taken in arrival
    /// order, and takes the write lock at once (`BEGIN IMMEDIATE`), so two read-decide-write
    /// sequences queue rather than fail; on PostgreSQL the writers lock the rows they decide on
    /// (`SELECT ... FOR UPDATE`).
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let (pool, connection) = match self.writer.as_deref() {
            Some(writer) => (PoolName::Writer, writer),
            None => (PoolName::Main, &self.connection),
        };
        let started = std::time::Instant::now();
        let transaction = connection.begin_with_options(options).await?;
        self.observe_transaction_began(pool, started);
        Ok(transaction)
    }

    pub(crate) fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }

    /// The store's current time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The same store rendering webhook payloads with `renderer`, so that writes of organizations
    /// with webhook endpoints fill the outbox.
    #[must_use]
    pub fn with_webhook_renderer(mut self, renderer: Arc<dyn WebhookRenderer>) -> Self {
        self.webhook_renderer = Some(renderer);
        self
    }

    /// The same store recording, with each write's webhook deliveries, the trace `source` names
    /// (the server's current span, while it exports traces).
    #[must_use]
    pub fn with_trace_parent_source(mut self, source: TraceParentSource) -> Self {
        self.trace_parent_source = Some(source);
        self
    }

    /// The same store reading the time from `clock` (tests move a manual one).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Appends the mutation's change events and their webhook deliveries, then commits: the only
    /// way a write transaction ends, so that no committed change can skip the change log or the
    /// webhook outbox.
    pub(crate) async fn commit_with_changes(
        &self,
        transaction: DatabaseTransaction,
        organization_id: OrganizationId,
        changes: Vec<change_log::PendingChange>,
    ) -> Result<(), StoreError> {
        let deliveries = webhook::outbox::render(
            &transaction,
            organization_id,
            &changes,
            self.webhook_renderer.as_deref(),
            self.now(),
        )
        .await?;
        let count =
            i64::try_from(changes.len()).map_err(|_| Error::Internal("too many change events".to_owned()))?;
        let revision = match change_log::append(&transaction, organization_id, changes, self.now()).await? {
            Some(last_sequence) => {
                if !deliveries.is_empty() {
                    // Inserting new rows into a table no other statement locks: nothing is waited
                    // for while the organization's row is held.
                    let first_revision = last_sequence - count + 1;
                    let trace_parent = self.trace_parent_source.as_ref().and_then(TraceParentSource::current);
                    webhook::outbox::insert(
                        &transaction,
                        organization_id,
                        deliveries,
                        first_revision,
                        trace_parent,
                        self.now(),
                    )
                    .await?;
                }
                last_sequence
            }
            None => revision::current(&transaction, organization_id).await?,
        };
        transaction.commit().await?;
        revision::record(revision);
        self.local_revisions.record(organization_id, revision);
        self.change_notifier.send(ChangeSignal::Committed(organization_id));
        Ok(())
    }

    /// Ends a write as `mode` says: committed with its change events, or rolled back (nothing
    /// happened, so nothing is logged).
    pub(crate) async fn end_write(
        &self,
        transaction: DatabaseTransaction,
        organization_id: OrganizationId,
        changes: Vec<change_log::PendingChange>,
        mode: WriteMode,
    ) -> Result<(), StoreError> {
        match mode {
            WriteMode::Commit => self.commit_with_changes(transaction, organization_id, changes).await,
            WriteMode::ValidateOnly => Ok(transaction.rollback().await?),
        }
    }
}
