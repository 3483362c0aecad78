//! `entitlements-bench`: seeds a fresh database with N subscriptions (catalog and templates
//! through the REST API, the rest in bulk), restarts the real server binary on it to time its
//! start-up, then loads it scenario by scenario and prints one table: throughput, p50 and p99
//! beside the floor of each protocol (its health check, measured in the same run), with the
//! server's resident memory. The load generator runs on the same machine as the server and
//! shares its cores; nothing is pinned.

mod args;
mod database;
mod load;
#[allow(dead_code, reason = "the end-to-end harness's PostgreSQL module, of which the benchmark uses a part")]
#[path = "../../../tests/e2e/support/postgres.rs"]
mod postgres;
mod report;
mod scenario;
mod seed;
mod server_process;
mod system;
mod webhooks;

use std::process::ExitCode;

use clap::Parser as _;

use crate::args::Args;
use crate::database::BenchDatabase;
use crate::load::Load;
use crate::report::{Header, Row, thousands};
use crate::server_process::{ServerProcess, locate_server_binary};

/// The `default` organization's key, bootstrapped by the server.
const API_KEY: &str = "entitlements-bench-key";

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("entitlements-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let binary = locate_server_binary(args.server_binary.as_deref())?;
    let logs = tempfile::Builder::new()
        .prefix("entitlements-bench-logs-")
        .tempdir()
        .map_err(|error| format!("no temp dir for the server's logs: {error}"))?;
    let log_path = logs.path().join("server.log");
    let database = BenchDatabase::create(args.database).await?;
    eprintln!("seeding {} subscriptions on {}", thousands(args.subscriptions), database.kind().label());

    let (server, _) = ServerProcess::start(&binary, database.url(), API_KEY, &log_path).await?;
    let catalog = seed::catalog::create_catalog_and_templates(server.http_address, API_KEY).await?;
    server.stop().await?;
    eprintln!("  catalog and templates through the API: {catalog:.1?}");
    let bulk = seed::bulk::copy_templates(database.url(), args.subscriptions).await?;

    // Restarted on the seeded database, so that start-up is measured with the data in place.
    let (server, start_up) = ServerProcess::start(&binary, database.url(), API_KEY, &log_path).await?;
    let memory_after_start = server.memory()?;
    let load = Load {
        http_address: server.http_address,
        grpc_channels: load::grpc_channels(server.grpc_address, args.grpc_channels).await?,
        grpc_streams: args.grpc_streams,
        http_connections: args.http_connections,
        warmup: args.warmup(),
        duration: args.duration(),
        api_key: API_KEY.to_owned(),
        subscriptions: args.subscriptions,
    };
    let load_before = system::load_average();
    let mut rows = Vec::new();
    for scenario in scenario::scenarios() {
        let selected = args.only.as_deref().is_none_or(|only| scenario.name.contains(only));
        if !(scenario.is_floor || selected) {
            continue;
        }
        eprintln!("  running {}", scenario.name);
        let outcome = load::run(&scenario, &load).await?;
        rows.push(Row::new(&scenario, &outcome));
    }
    // Last, because the endpoint's deliveries would load the scenarios after it: the PATCH
    // scenario again, with a webhook endpoint receiving its events (`--only PATCH` runs both).
    let mut deliveries = None;
    let scenarios = scenario::scenarios();
    let patch = scenarios
        .iter()
        .find(|scenario| scenario.name.starts_with("REST PATCH"))
        .ok_or("no PATCH scenario")?;
    if args.only.as_deref().is_none_or(|only| patch.name.contains(only)) {
        eprintln!("  running webhook delivery");
        let (row, summary) = webhooks::measure(&load, patch).await?;
        rows.push(row);
        deliveries = Some(summary);
    }
    let load_after = system::load_average();
    let memory_after_load = server.memory()?;
    drop(load);
    server.stop().await?;

    let header = Header {
        subscriptions: args.subscriptions,
        database: database.kind().label(),
        machine: system::describe(),
        load_before,
        load_after,
        server_binary: binary,
        catalog,
        bulk,
        start_up,
        memory_after_start,
        memory_after_load,
        warmup: args.warmup(),
        duration: args.duration(),
        grpc_streams: args.grpc_streams,
        grpc_channels: args.grpc_channels,
        http_connections: args.http_connections,
    };
    print!("{}\n{}", header.render(), report::table(&rows));
    if let Some(deliveries) = deliveries {
        print!("\n{}", deliveries.render());
    }
    Ok(())
}
