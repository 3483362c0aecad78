//! `entitlements-server`: `serve` (the default), `migrate`, `admin create-organization`.

use std::process::ExitCode;

use clap::Parser;
use entitlements_server::config::{AdminCommand, Cli, Command, bootstrap_api_key};
use entitlements_server::{Application, ServeConfig, ServerError, admin, shutdown_signal, telemetry};
use entitlements_store::{Clock, Store};

/// mimalloc rather than the system's allocator: the in-memory view holds millions of small
/// allocations, loaded in bulk by several threads, and glibc's per-thread arenas kept about half
/// as much again in freed memory they did not return; requests allocate and free a lot as well.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let traces = match telemetry::init_from_environment(cli.log_format) {
        Ok(traces) => traces,
        Err(error) => {
            tracing::error!(%error, "cannot export traces; exiting");
            return ExitCode::FAILURE;
        }
    };
    let result = run(cli).await;
    // The spans of the last requests are still queued: sent before the process exits, from a
    // blocking thread, while the runtime keeps driving the exporter's connection.
    if let Err(error) = tokio::task::spawn_blocking(move || traces.shutdown()).await {
        tracing::warn!(%error, "cannot flush the last spans");
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "exiting");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), ServerError> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let config = ServeConfig {
                database_url: cli.database_url,
                args: cli.serve,
                bootstrap_api_key: bootstrap_api_key(),
                clock: Clock::system(),
            };
            Application::build(config).await?.run_until(shutdown_signal()).await
        }
        Command::Migrate => {
            Store::connect(&cli.database_url).await?.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Admin(AdminCommand::CreateOrganization { name }) => {
            let store = Store::connect(&cli.database_url).await?;
            let key = admin::create_organization(&store, &name).await?;
            // The key is shown once, on stdout, so scripts can capture it; only its hash is stored.
            println!("{key}");
            Ok(())
        }
        Command::Admin(AdminCommand::ShowWebhookHmacKey { organization }) => {
            let store = Store::connect(&cli.database_url).await?;
            println!("{}", admin::webhook_hmac_key(&store, &organization).await?);
            Ok(())
        }
        Command::Admin(AdminCommand::RotateWebhookHmacKey { organization }) => {
            let store = Store::connect(&cli.database_url).await?;
            println!("{}", admin::rotate_webhook_hmac_key(&store, &organization).await?);
            Ok(())
        }
    }
}
