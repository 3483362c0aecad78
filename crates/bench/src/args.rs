//! The command line: how many subscriptions, which database, how long and how concurrently to
//! load the server.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// Seeds a fresh database with N subscriptions, starts the release `entitlements-server` on it
/// and prints throughput, p50 and p99 of each scenario beside its floor (the health check of the
/// same protocol, measured in the same run), with start-up time and resident memory.
#[derive(Debug, Parser)]
#[command(name = "entitlements-bench", version)]
pub(crate) struct Args {
    /// How many subscriptions to seed (at least 50: each of the 5 plans has two template
    /// subscriptions created through the API).
    #[arg(long, env = "ENTITLEMENTS_BENCH_SUBSCRIPTIONS", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(50..))]
    pub(crate) subscriptions: u64,

    /// The database the server runs on: a SQLite file in a temp dir, or a fresh database on the
    /// end-to-end tests' PostgreSQL (`ENTITLEMENTS_TEST_POSTGRES_URL`, else a throwaway cluster
    /// started from the machine's binaries).
    #[arg(long, env = "ENTITLEMENTS_BENCH_DATABASE", value_enum, default_value_t = DatabaseKind::Sqlite)]
    pub(crate) database: DatabaseKind,

    /// How long each scenario is measured, in seconds.
    #[arg(long, env = "ENTITLEMENTS_BENCH_DURATION_SECS", default_value_t = 10)]
    pub(crate) duration_secs: u64,

    /// How long each scenario runs before it is measured, in seconds (connections open, caches
    /// warm).
    #[arg(long, env = "ENTITLEMENTS_BENCH_WARMUP_SECS", default_value_t = 1)]
    pub(crate) warmup_secs: u64,

    /// REST: how many HTTP/1.1 connections, each with one request in flight at a time.
    #[arg(long, env = "ENTITLEMENTS_BENCH_HTTP_CONNECTIONS", default_value_t = 16)]
    pub(crate) http_connections: usize,

    /// gRPC: how many HTTP/2 connections (channels) the streams are spread over.
    #[arg(long, env = "ENTITLEMENTS_BENCH_GRPC_CHANNELS", default_value_t = 2)]
    pub(crate) grpc_channels: usize,

    /// gRPC: how many calls are in flight at a time, over all channels.
    #[arg(long, env = "ENTITLEMENTS_BENCH_GRPC_STREAMS", default_value_t = 64)]
    pub(crate) grpc_streams: usize,

    /// Only the scenarios whose name contains this text (the floors always run).
    #[arg(long, env = "ENTITLEMENTS_BENCH_ONLY")]
    pub(crate) only: Option<String>,

    /// The server binary. By default the `entitlements-server` next to this binary, built first
    /// with the same profile when this binary was started by `cargo run`.
    #[arg(long, env = "ENTITLEMENTS_BENCH_SERVER_BINARY")]
    pub(crate) server_binary: Option<PathBuf>,
}

impl Args {
    pub(crate) fn duration(&self) -> Duration {
        Duration::from_secs(self.duration_secs)
    }

    pub(crate) fn warmup(&self) -> Duration {
        Duration::from_secs(self.warmup_secs)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}
