//! The gRPC health service and what drives it. Every service starts NOT_SERVING; a supervisor
//! applies the migrations (retrying until the database answers), then checks the database every
//! interval and flips all statuses together. Shutdown sets NOT_SERVING before connections close.
//! One more name, `liveness`, answers SERVING for as long as the process runs, whatever the
//! database: liveness probes use it, so that a database outage makes pods unready, never
//! restarted.

use std::time::Duration;

use entitlements_engine::EntitlementsView;
use entitlements_store::{ApiKey, Store};
use tokio_util::sync::CancellationToken;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// The health name that is SERVING while the process runs, for liveness probes.
pub const LIVENESS_SERVICE: &str = "liveness";

/// Sets the overall status (`""`) and every API service's status at once (not liveness).
pub(crate) async fn set_all(
    reporter: &HealthReporter,
    service_names: &[&'static str],
    status: ServingStatus,
) {
    reporter.set_service_status("", status).await;
    for service_name in service_names {
        reporter.set_service_status(service_name, status).await;
    }
}

/// Forgets every status, which ends open Watch streams (after they delivered NOT_SERVING), so
/// that their connections do not hold a graceful shutdown open until its timeout.
pub(crate) async fn end_watch_streams(reporter: &mut HealthReporter, service_names: &[&'static str]) {
    reporter.clear_service_status("").await;
    reporter.clear_service_status(LIVENESS_SERVICE).await;
    for service_name in service_names {
        reporter.clear_service_status(service_name).await;
    }
}

/// Migrates (and bootstraps the API key) once the database answers, waits for the in-memory
/// view's first load, then keeps the health statuses in step with the database until
/// `shutdown`.
pub(crate) async fn supervise_database(
    view: EntitlementsView,
    reporter: HealthReporter,
    service_names: Vec<&'static str>,
    bootstrap_api_key: Option<String>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let store = view.store();
    let mut serving = false;
    loop {
        let check = async {
            if store.is_migrated() {
                store.ping().await.is_ok()
            } else {
                // Serving before the view is loaded would answer the hot reads from the database.
                prepare(store, bootstrap_api_key.as_deref()).await && {
                    view.until_ready().await;
                    true
                }
            }
        };
        let healthy = tokio::select! {
            () = shutdown.cancelled() => return,
            healthy = check => healthy,
        };
        if healthy != serving {
            serving = healthy;
            let status = if healthy { ServingStatus::Serving } else { ServingStatus::NotServing };
            tracing::info!(serving, "database health changed");
            set_all(&reporter, &service_names, status).await;
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

/// Applies migrations and the bootstrap key; false (and logged) while the database refuses.
async fn prepare(store: &Store, bootstrap_api_key: Option<&str>) -> bool {
    if let Err(error) = store.migrate().await {
        tracing::warn!(%error, "migrations not applied yet");
        return false;
    }
    if let Some(key) = bootstrap_api_key
        && let Err(error) = store.ensure_organization_with_api_key("default", &ApiKey::new(key)).await
    {
        tracing::warn!(%error, "default organization not ready yet");
        return false;
    }
    true
}
