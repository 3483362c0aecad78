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

use std::process::ExitCode;

use clap::Parser as _;

use crate::args::Args;
use crate::database::BenchDatabase;
use crate::load::Load;
use crate::report::{Row, milliseconds, thousands};
use crate::server_process::{Memory, ServerProcess, locate_server_binary};

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
    let load_after = system::load_average();
    let memory_after_load = server.memory()?;
    drop(load);
    server.stop().await?;

    println!(
        "## entitlements-bench: {} subscriptions on {}\n",
        thousands(args.subscriptions),
        database.kind().label()
    );
    println!("- machine: {}", system::describe());
    println!(
        "- the load generator runs on the same machine and shares its cores with the server (and the database); nothing is pinned"
    );
    println!("- load average (1, 5, 15 min) before the scenarios: {load_before}; after: {load_after}");
    println!("- server: {} (release build unless this binary is a debug build)", binary.display());
    println!(
        "- seed: catalog and 10 templates through the API in {catalog:.1?}; {} rows in bulk in {:.1?}",
        thousands(bulk.rows),
        bulk.elapsed
    );
    println!(
        "- start-up until gRPC health SERVING: {}; resident memory after start: {}, after the load: {} (peak {})",
        milliseconds(start_up),
        mebibytes(memory_after_start),
        mebibytes(memory_after_load),
        mebibytes_peak(memory_after_load)
    );
    println!(
        "- each scenario: {:?} warm-up, then {:?} measured; gRPC: {} calls in flight over {} channels; REST: {} HTTP/1.1 connections, one request in flight each; random subscriptions\n",
        args.warmup(),
        args.duration(),
        args.grpc_streams,
        args.grpc_channels,
        args.http_connections
    );
    print!("{}", report::table(&rows));
    Ok(())
}

fn mebibytes(memory: Memory) -> String {
    format!("{:.1} MiB", memory.resident_kib as f64 / 1024.0)
}

fn mebibytes_peak(memory: Memory) -> String {
    format!("{:.1} MiB", memory.peak_kib as f64 / 1024.0)
}
