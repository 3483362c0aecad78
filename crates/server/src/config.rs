//! The operator interface: every flag has a long name, an environment variable, a default and a
//! doc comment that becomes `--help`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use entitlements_domain::TerminationAlertDays;
use entitlements_domain::webhook::delivery::{RetryPolicy, RetrySchedule};

use crate::grpc_web::CorsAllowedOrigins;

/// The entitlements service: Lago-compatible REST and gRPC for features, plans and entitlements.
#[derive(Debug, Parser)]
#[command(
    name = "entitlements-server",
    version,
    after_help = "Environment only:\n  ENTITLEMENTS_API_KEY  when set, ensure an organization `default` exists whose API key is this value\n  RUST_LOG              log filter (default: info)"
)]
pub struct Cli {
    /// Database URL: `sqlite://PATH?mode=rwc` (embedded) or `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(
        long,
        env = "ENTITLEMENTS_DATABASE_URL",
        default_value = "sqlite://entitlements.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Log format.
    #[arg(long, env = "ENTITLEMENTS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

/// What to do; `serve` when none is given.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve gRPC and REST until SIGTERM or SIGINT (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// Administrative tasks.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an organization and print its new API key once (only its hash is stored).
    CreateOrganization {
        /// The organization's unique name.
        #[arg(long)]
        name: String,
    },
    /// Print the organization's key for `hmac` webhook signatures (made on first use), which
    /// receivers use to verify `X-Lago-Signature`.
    ShowWebhookHmacKey {
        /// The organization's name.
        #[arg(long)]
        organization: String,
    },
    /// Replace the organization's `hmac` webhook key with a new one and print it: every attempt
    /// from now on (retries of older deliveries included) is signed with the new key, so update
    /// the receivers first or accept both keys for a while.
    RotateWebhookHmacKey {
        /// The organization's name.
        #[arg(long)]
        organization: String,
    },
}

/// Settings of `serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address of the gRPC server.
    #[arg(long, env = "ENTITLEMENTS_GRPC_ADDR", default_value = "0.0.0.0:50051")]
    pub grpc_addr: SocketAddr,

    /// Address of the REST gateway (`/api/v1`, `/v1/check`, `GET /health`).
    #[arg(long, env = "ENTITLEMENTS_HTTP_ADDR", default_value = "0.0.0.0:3000")]
    pub http_addr: SocketAddr,

    /// Run only the REST gateway, forwarding to this gRPC server (e.g. `http://entitlements:50051`).
    #[arg(long, env = "ENTITLEMENTS_GRPC_UPSTREAM")]
    pub grpc_upstream: Option<String>,

    /// How often the database is checked for the health service, in milliseconds.
    #[arg(long, env = "ENTITLEMENTS_HEALTH_CHECK_INTERVAL_MS", default_value_t = 2000)]
    pub health_check_interval_ms: u64,

    /// How often time-driven subscription changes (a start date that came, an `ending_at` that
    /// passed, a downgrade at its period boundary) are written down and logged, in
    /// milliseconds. Reads show them as soon as they are due either way.
    #[arg(long, env = "ENTITLEMENTS_SUBSCRIPTION_SWEEP_INTERVAL_MS", default_value_t = 60_000)]
    pub subscription_sweep_interval_ms: u64,

    /// The days before an active subscription's `ending_at` at which the sweeper records a
    /// `subscription.termination_alert` (once per threshold and `ending_at`), comma-separated;
    /// empty records none. Lago's `LAGO_SUBSCRIPTION_TERMINATION_ALERT_SENT_AT_DAYS`.
    #[arg(
        long,
        env = "ENTITLEMENTS_SUBSCRIPTION_TERMINATION_ALERT_DAYS",
        default_value = "15,45",
        value_parser = parse_termination_alert_days
    )]
    pub subscription_termination_alert_days: TerminationAlertDays,

    /// How long a read that asks for a revision (the metadata or header
    /// `x-entitlements-min-revision`, or CheckService's `min_revision`) waits for this server's
    /// in-memory view to reach it, in milliseconds; then it reads the database, and answers
    /// UNAVAILABLE `revision_not_reached` (HTTP 503) only when the database has not reached it
    /// either, rather than answer from an older state.
    #[arg(long, env = "ENTITLEMENTS_MIN_REVISION_WAIT_MS", default_value_t = 250)]
    pub min_revision_wait_ms: u64,

    /// After SIGTERM, how long requests in flight may take to finish, in seconds.
    #[arg(long, env = "ENTITLEMENTS_SHUTDOWN_TIMEOUT_SECS", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,

    /// Browser origins allowed to call the gRPC services over gRPC-Web (served on the gRPC
    /// address, HTTP/1.1 and HTTP/2, always on): empty (the default) sends no CORS headers, so
    /// browsers refuse calls from pages on other origins; `*` allows any origin; or a
    /// comma-separated list such as `https://app.example.com,http://localhost:5173`.
    #[arg(long, env = "ENTITLEMENTS_GRPC_WEB_CORS_ALLOWED_ORIGINS", default_value = "")]
    pub grpc_web_cors_allowed_origins: CorsAllowedOrigins,

    /// How SQLite commits are made durable (ignored on PostgreSQL). `full`: a commit waits for
    /// the disk and survives a power loss. `normal`: a commit survives the process crashing or
    /// being killed, but the last commits before a power loss or kernel crash may be lost (the
    /// database stays consistent); writes commit about 40 % faster.
    #[arg(long, env = "ENTITLEMENTS_SQLITE_SYNCHRONOUS", value_enum, default_value_t = SqliteSynchronous::Full)]
    pub sqlite_synchronous: SqliteSynchronous,

    /// Record Prometheus metrics and serve them at `GET /metrics` (no API key): on the HTTP
    /// address, or on `--metrics-addr` when set. `false` installs nothing that records them.
    #[arg(long, env = "ENTITLEMENTS_METRICS", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub metrics: bool,

    /// Serve `GET /metrics` on this address of its own (e.g. `0.0.0.0:9090`) instead of the HTTP
    /// address.
    #[arg(long, env = "ENTITLEMENTS_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    #[command(flatten)]
    pub change_log: ChangeLogArgs,

    #[command(flatten)]
    pub webhooks: WebhookArgs,
}

const DEFAULT_WEBHOOK_TIMEOUT_MS: u64 = 15_000;
const DEFAULT_WEBHOOK_MAX_ATTEMPTS: u32 = 10;
const DEFAULT_WEBHOOK_RETRY_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,14h,20h,24h";
const DEFAULT_WEBHOOK_ENDPOINT_CONCURRENCY: usize = 16;
const DEFAULT_WEBHOOK_CONCURRENCY: usize = 256;
const DEFAULT_WEBHOOK_POLL_INTERVAL_MS: u64 = 1000;
const DEFAULT_WEBHOOK_DELIVERY_RETENTION_HOURS: u64 = 90 * 24;

/// Settings of webhook delivery.
#[derive(Debug, Clone, clap::Args)]
pub struct WebhookArgs {
    /// Allow webhook endpoints whose URL resolves to loopback, private, link-local or cloud
    /// metadata addresses. Off by default: an API caller chooses the URL, and could otherwise make
    /// the server reach the networks behind it. Checked when an endpoint is saved and again at
    /// every delivery.
    #[arg(long, env = "ENTITLEMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub webhook_allow_private_networks: bool,

    /// How long one delivery attempt may take (connecting, sending, and reading the answer), in
    /// milliseconds; a slower receiver counts as a failed attempt.
    #[arg(long, env = "ENTITLEMENTS_WEBHOOK_TIMEOUT_MS", default_value_t = DEFAULT_WEBHOOK_TIMEOUT_MS)]
    pub webhook_timeout_ms: u64,

    /// How many attempts a delivery gets in all, the first included, before it is marked failed.
    #[arg(long, env = "ENTITLEMENTS_WEBHOOK_MAX_ATTEMPTS", default_value_t = DEFAULT_WEBHOOK_MAX_ATTEMPTS)]
    pub webhook_max_attempts: u32,

    /// The waits after the 1st, 2nd, ... failed attempt (units ms, s, m, h; the last repeats),
    /// each lengthened by up to 10 % of random jitter, and by the receiver's `Retry-After`.
    #[arg(long, env = "ENTITLEMENTS_WEBHOOK_RETRY_SCHEDULE", default_value = DEFAULT_WEBHOOK_RETRY_SCHEDULE)]
    pub webhook_retry_schedule: RetrySchedule,

    /// How many requests this replica sends to one endpoint at once, so that a slow receiver
    /// holds only its own deliveries back.
    #[arg(long, env = "ENTITLEMENTS_WEBHOOK_ENDPOINT_CONCURRENCY", default_value_t = DEFAULT_WEBHOOK_ENDPOINT_CONCURRENCY)]
    pub webhook_endpoint_concurrency: usize,

    /// How many webhook requests this replica sends at once, to all endpoints together.
    #[arg(long, env = "ENTITLEMENTS_WEBHOOK_CONCURRENCY", default_value_t = DEFAULT_WEBHOOK_CONCURRENCY)]
    pub webhook_concurrency: usize,

    /// How often the dispatcher looks for due deliveries without being woken, in milliseconds
    /// (commits on this replica, and on PostgreSQL those of the others, wake it at once): the
    /// longest a retry waits past its time.
    #[arg(long, env = "ENTITLEMENTS_WEBHOOK_POLL_INTERVAL_MS", default_value_t = DEFAULT_WEBHOOK_POLL_INTERVAL_MS)]
    pub webhook_poll_interval_ms: u64,

    /// How long finished deliveries (succeeded, or failed for good) stay in the delivery log, in
    /// hours (Lago keeps 90 days); they are pruned at the change log's prune interval. 0 keeps
    /// them forever.
    #[arg(long, env = "ENTITLEMENTS_WEBHOOK_DELIVERY_RETENTION_HOURS", default_value_t = DEFAULT_WEBHOOK_DELIVERY_RETENTION_HOURS)]
    pub webhook_delivery_retention_hours: u64,

    /// A PEM file with the RSA private key that signs `jwt` webhooks (PKCS#8 or PKCS#1, or that
    /// PEM in Base64 as Lago's LAGO_RSA_PRIVATE_KEY holds it). Without it, the first replica
    /// generates a key and stores it in the database, and every replica uses that one.
    #[arg(long, env = "ENTITLEMENTS_WEBHOOK_SIGNING_KEY_FILE")]
    pub webhook_signing_key_file: Option<std::path::PathBuf>,

    /// The URL clients reach this service's API at, e.g. `https://entitlements.example.com`: the
    /// `iss` claim of `jwt` webhook signatures (Lago's LAGO_API_URL). Unset, `iss` is null.
    #[arg(long, env = "ENTITLEMENTS_PUBLIC_API_URL")]
    pub public_api_url: Option<String>,
}

impl Default for WebhookArgs {
    /// The defaults of the flags.
    fn default() -> Self {
        Self {
            webhook_allow_private_networks: false,
            webhook_timeout_ms: DEFAULT_WEBHOOK_TIMEOUT_MS,
            webhook_max_attempts: DEFAULT_WEBHOOK_MAX_ATTEMPTS,
            webhook_retry_schedule: RetrySchedule::default(),
            webhook_endpoint_concurrency: DEFAULT_WEBHOOK_ENDPOINT_CONCURRENCY,
            webhook_concurrency: DEFAULT_WEBHOOK_CONCURRENCY,
            webhook_poll_interval_ms: DEFAULT_WEBHOOK_POLL_INTERVAL_MS,
            webhook_delivery_retention_hours: DEFAULT_WEBHOOK_DELIVERY_RETENTION_HOURS,
            webhook_signing_key_file: None,
            public_api_url: None,
        }
    }
}

impl WebhookArgs {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.webhook_timeout_ms.max(1))
    }

    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.webhook_poll_interval_ms.max(1))
    }

    /// The delivery log's retention; `None` keeps every delivery.
    pub fn delivery_retention(&self) -> Option<Duration> {
        let hours = self.webhook_delivery_retention_hours;
        (hours > 0).then(|| Duration::from_secs(hours.saturating_mul(3600)))
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.webhook_max_attempts.max(1),
            schedule: self.webhook_retry_schedule.clone(),
        }
    }
}

/// SQLite's `synchronous` setting (in WAL mode), see `--sqlite-synchronous`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SqliteSynchronous {
    /// Every commit waits for the disk.
    #[default]
    Full,
    /// Commits do not wait for the disk; checkpoints do.
    Normal,
}

impl From<SqliteSynchronous> for entitlements_store::SqliteDurability {
    fn from(synchronous: SqliteSynchronous) -> Self {
        match synchronous {
            SqliteSynchronous::Full => Self::Full,
            SqliteSynchronous::Normal => Self::Normal,
        }
    }
}

const DEFAULT_CHANGE_LOG_RETENTION_HOURS: u64 = 168;
const DEFAULT_CHANGE_LOG_PRUNE_INTERVAL_MS: u64 = 600_000;
const DEFAULT_WATCH_CHECKPOINT_INTERVAL_MS: u64 = 5000;
const DEFAULT_WATCH_POLL_INTERVAL_MS: u64 = 1000;
const DEFAULT_VIEW_POLL_INTERVAL_MS: u64 = 1000;

/// Settings of the change log's retention and of the Watch streams that follow it.
#[derive(Debug, Clone, clap::Args)]
pub struct ChangeLogArgs {
    /// How long change events are kept, in hours: how far back a Watch stream can resume. Older
    /// events are pruned, except each organization's latest; 0 keeps every event.
    #[arg(long, env = "ENTITLEMENTS_CHANGE_LOG_RETENTION_HOURS", default_value_t = DEFAULT_CHANGE_LOG_RETENTION_HOURS)]
    pub change_log_retention_hours: u64,

    /// How often change events older than the retention are pruned, in milliseconds.
    #[arg(long, env = "ENTITLEMENTS_CHANGE_LOG_PRUNE_INTERVAL_MS", default_value_t = DEFAULT_CHANGE_LOG_PRUNE_INTERVAL_MS)]
    pub change_log_prune_interval_ms: u64,

    /// How long a Watch stream stays quiet before it sends a checkpoint (the revision it has
    /// caught up to), in milliseconds.
    #[arg(long, env = "ENTITLEMENTS_WATCH_CHECKPOINT_INTERVAL_MS", default_value_t = DEFAULT_WATCH_CHECKPOINT_INTERVAL_MS)]
    pub watch_checkpoint_interval_ms: u64,

    /// How often a Watch stream reads the change log without being woken, in milliseconds: the
    /// longest a change waits to be streamed when its notification was lost (streams are woken
    /// at once by commits on this replica and, on PostgreSQL, by LISTEN/NOTIFY from the others).
    #[arg(long, env = "ENTITLEMENTS_WATCH_POLL_INTERVAL_MS", default_value_t = DEFAULT_WATCH_POLL_INTERVAL_MS)]
    pub watch_poll_interval_ms: u64,

    /// How often the in-memory entitlements view compares every organization's revision with
    /// the database's, in milliseconds: the longest a change takes to reach this replica's view
    /// when its notification was lost (the view is woken at once by commits on this replica and,
    /// on PostgreSQL, by LISTEN/NOTIFY from the others).
    #[arg(long, env = "ENTITLEMENTS_VIEW_POLL_INTERVAL_MS", default_value_t = DEFAULT_VIEW_POLL_INTERVAL_MS)]
    pub view_poll_interval_ms: u64,
}

impl Default for ChangeLogArgs {
    /// The defaults of the flags.
    fn default() -> Self {
        Self {
            change_log_retention_hours: DEFAULT_CHANGE_LOG_RETENTION_HOURS,
            change_log_prune_interval_ms: DEFAULT_CHANGE_LOG_PRUNE_INTERVAL_MS,
            watch_checkpoint_interval_ms: DEFAULT_WATCH_CHECKPOINT_INTERVAL_MS,
            watch_poll_interval_ms: DEFAULT_WATCH_POLL_INTERVAL_MS,
            view_poll_interval_ms: DEFAULT_VIEW_POLL_INTERVAL_MS,
        }
    }
}

impl ChangeLogArgs {
    /// The change log's retention; `None` keeps every event.
    pub fn retention(&self) -> Option<Duration> {
        let hours = self.change_log_retention_hours;
        (hours > 0).then(|| Duration::from_secs(hours.saturating_mul(3600)))
    }

    pub fn view_poll_interval(&self) -> Duration {
        Duration::from_millis(self.view_poll_interval_ms.max(1))
    }

    pub fn prune_interval(&self) -> Duration {
        Duration::from_millis(self.change_log_prune_interval_ms.max(1))
    }

    pub fn watch_checkpoint_interval(&self) -> Duration {
        Duration::from_millis(self.watch_checkpoint_interval_ms.max(1))
    }

    pub fn watch_poll_interval(&self) -> Duration {
        Duration::from_millis(self.watch_poll_interval_ms.max(1))
    }
}

/// `--subscription-termination-alert-days`: `15,45`, in any order; empty for none.
fn parse_termination_alert_days(text: &str) -> Result<TerminationAlertDays, String> {
    text.parse()
}

impl ServeArgs {
    pub fn health_check_interval(&self) -> Duration {
        Duration::from_millis(self.health_check_interval_ms.max(1))
    }

    pub fn subscription_sweep_interval(&self) -> Duration {
        Duration::from_millis(self.subscription_sweep_interval_ms.max(1))
    }

    pub fn min_revision_wait(&self) -> Duration {
        Duration::from_millis(self.min_revision_wait_ms)
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The API key of the `default` organization, from `ENTITLEMENTS_API_KEY` (never a flag, so that
/// it does not show in process listings).
pub fn bootstrap_api_key() -> Option<String> {
    std::env::var("ENTITLEMENTS_API_KEY").ok().filter(|key| !key.trim().is_empty())
}
