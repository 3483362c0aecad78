//! The real `entitlements-server` binary as a child process: found (and built, under `cargo run`)
//! next to this binary, started on free local ports, timed until gRPC health answers SERVING,
//! measured through `/proc/<pid>/status`, and stopped with SIGTERM as Kubernetes does.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// The binary's name, in the same target dir as this one.
const SERVER_BINARY: &str = "entitlements-server";
/// How long a start may take before the run gives up (a large database on a slow disk).
const START_TIMEOUT: Duration = Duration::from_secs(600);
/// How often start-up polls health: the resolution of the start-up time.
const START_POLL: Duration = Duration::from_millis(5);
/// How long the server may drain after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// The server binary to run: `explicit`, or the one beside this binary, which is built first
/// (with this binary's profile) when `cargo run` started us, so that it is never stale.
///
/// # Errors
/// When the build fails or there is no binary.
pub(crate) fn locate_server_binary(explicit: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = explicit {
        return Ok(path.to_owned());
    }
    let own = std::env::current_exe().map_err(|error| format!("where is this binary: {error}"))?;
    let sibling = own.with_file_name(SERVER_BINARY);
    // `cargo run` sets CARGO for the program it runs; anywhere else the binary must exist already.
    if let Some(cargo) = std::env::var_os("CARGO") {
        let profile = if cfg!(debug_assertions) { "dev" } else { "release" };
        eprintln!("building {SERVER_BINARY} (profile {profile})");
        let status = std::process::Command::new(cargo)
            .args(["build", "--quiet", "--profile", profile, "-p", SERVER_BINARY])
            .status()
            .map_err(|error| format!("could not run cargo build: {error}"))?;
        if !status.success() {
            return Err(format!("cargo build -p {SERVER_BINARY} failed: {status}"));
        }
    }
    if sibling.is_file() {
        Ok(sibling)
    } else {
        Err(format!(
            "no {} (build it: cargo build --release -p {SERVER_BINARY}, or pass --server-binary)",
            sibling.display()
        ))
    }
}

/// Resident memory of a process, from `/proc/<pid>/status`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Memory {
    /// `VmRSS`: resident now.
    pub(crate) resident_kib: u64,
    /// `VmHWM`: the most it was resident so far.
    pub(crate) peak_kib: u64,
}

/// A running server; killed if dropped before `stop`.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    child: Child,
    pid: u32,
    pub(crate) http_address: SocketAddr,
    pub(crate) grpc_address: SocketAddr,
    log_path: PathBuf,
}

impl ServerProcess {
    /// Starts the server on `database_url` with the `default` organization's key `api_key`,
    /// its output appended to `log_path`, and waits until it answers SERVING. Answers the server
    /// and how long that took from the spawn.
    ///
    /// # Errors
    /// When it does not start, exits, or is not SERVING within `START_TIMEOUT`.
    pub(crate) async fn start(
        binary: &Path,
        database_url: &str,
        api_key: &str,
        log_path: &Path,
    ) -> Result<(Self, Duration), String> {
        let http_address = free_local_address()?;
        let grpc_address = free_local_address()?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)
            .map_err(|error| format!("could not open {}: {error}", log_path.display()))?;
        let log_for_stderr =
            log.try_clone().map_err(|error| format!("could not share the log file: {error}"))?;
        let started = Instant::now();
        let child = Command::new(binary)
            .args(["--database-url", database_url])
            .args(["--grpc-addr", &grpc_address.to_string(), "--http-addr", &http_address.to_string()])
            .env_remove("ENTITLEMENTS_GRPC_UPSTREAM")
            .env("ENTITLEMENTS_API_KEY", api_key)
            // The webhook receiver of the delivery measurement listens on loopback.
            .env("ENTITLEMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
            .env("ENTITLEMENTS_LOG_FORMAT", "text")
            // The default level, as deployed; requests themselves are logged at debug.
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_for_stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| format!("could not start {}: {error}", binary.display()))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let mut server = Self { child, pid, http_address, grpc_address, log_path: log_path.to_owned() };
        server.wait_until_serving(started).await?;
        Ok((server, started.elapsed()))
    }

    async fn wait_until_serving(&mut self, started: Instant) -> Result<(), String> {
        let endpoint = Endpoint::from_shared(format!("http://{}", self.grpc_address))
            .map_err(|error| format!("bad gRPC address: {error}"))?
            .connect_timeout(Duration::from_secs(1));
        let mut channel: Option<Channel> = None;
        while started.elapsed() < START_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the server exited with {status}:\n{}", self.log_tail()));
            }
            if channel.is_none() {
                channel = endpoint.connect().await.ok();
            }
            if let Some(connected) = &channel {
                let answer = HealthClient::new(connected.clone())
                    .check(HealthCheckRequest { service: String::new() })
                    .await;
                match answer {
                    Ok(response) if response.get_ref().status == ServingStatus::Serving as i32 => {
                        return Ok(());
                    }
                    Ok(_) => {}
                    Err(_) => channel = None,
                }
            }
            tokio::time::sleep(START_POLL).await;
        }
        Err(format!("the server was not SERVING after {START_TIMEOUT:?}:\n{}", self.log_tail()))
    }

    /// The server's resident memory now and at its peak.
    ///
    /// # Errors
    /// When `/proc/<pid>/status` cannot be read (not Linux, or the server is gone).
    pub(crate) fn memory(&self) -> Result<Memory, String> {
        let path = format!("/proc/{}/status", self.pid);
        let status =
            std::fs::read_to_string(&path).map_err(|error| format!("could not read {path}: {error}"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .ok_or_else(|| format!("no {name} in {path}"))
        };
        Ok(Memory { resident_kib: field("VmRSS:")?, peak_kib: field("VmHWM:")? })
    }

    /// Sends SIGTERM and waits for the exit (killing the server after `STOP_TIMEOUT`).
    ///
    /// # Errors
    /// When the server does not exit cleanly.
    pub(crate) async fn stop(mut self) -> Result<(), String> {
        let signalled = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .map_err(|error| format!("could not run kill: {error}"))?;
        if !signalled.success() {
            return Err(format!("kill -TERM {} failed: {signalled}", self.pid));
        }
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => Err(format!("the server exited with {status}:\n{}", self.log_tail())),
            Ok(Err(error)) => Err(format!("could not wait for the server: {error}")),
            Err(_) => {
                let _ = self.child.kill().await;
                Err(format!("the server did not exit within {STOP_TIMEOUT:?} of SIGTERM"))
            }
        }
    }

    /// The last lines of the server's log, for error messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// A local address that was free a moment ago (the kernel hands out ephemeral ports in random
/// order, so the race with another process binding it is not worth a retry loop).
fn free_local_address() -> Result<SocketAddr, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|error| format!("no free local port: {error}"))
}
