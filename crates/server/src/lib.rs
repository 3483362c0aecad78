//! The `entitlements-server` binary as a library: configuration, telemetry, wiring and shutdown,
//! so that end-to-end tests run the real server in-process.

pub mod admin;
pub mod application;
pub mod config;
mod database_observation;
mod grpc_call_logs;
pub mod grpc_web;
mod health;
mod http1_request_body;
mod metrics;
mod pruner;
mod served_methods;
mod server_tasks;
mod subscription_sweeper;
pub mod telemetry;
mod webhook_dispatcher;
pub mod webhook_renderer;

pub use application::{Application, ServeConfig, shutdown_signal};
pub use health::LIVENESS_SERVICE;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("startup failed: {0}")]
    Startup(String),
    /// A long-running task (a server, the health supervisor, the sweeper) failed.
    #[error("{task} failed: {source}")]
    TaskFailed { task: &'static str, source: Box<dyn std::error::Error + Send + Sync> },
    /// A long-running task ended before shutdown was asked for.
    #[error("{task} stopped unexpectedly")]
    TaskStopped { task: &'static str },
    #[error(transparent)]
    Domain(#[from] entitlements_domain::Error),
}

impl From<entitlements_store::StoreError> for ServerError {
    fn from(error: entitlements_store::StoreError) -> Self {
        Self::Domain(error.into_domain())
    }
}
