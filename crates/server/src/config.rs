//! The operator interface: every flag has a long name, an environment variable, a default and a
//! doc comment that becomes `--help`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

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

    /// How long a read that asks for a revision (CheckService's `min_revision`) waits for the
    /// organization to reach it, in milliseconds; then it answers UNAVAILABLE
    /// `revision_not_reached` (HTTP 503) rather than answer from an older state.
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
