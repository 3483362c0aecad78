//! The real `entitlements-server` binary as a child process of a test: started on port 0 with
//! JSON logs, which tell the test its addresses and when things happen, so that nothing waits by
//! sleeping.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// The bound on every single wait, so that a broken server fails the test instead of hanging it.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub(crate) struct ServerProcess {
    pub(crate) child: Child,
    pub(crate) logs: ServerLogs,
    pub(crate) http_address: SocketAddr,
    pub(crate) grpc_address: SocketAddr,
}

impl ServerProcess {
    /// Starts the server on port 0 and learns its addresses from its logs.
    /// Starts the binary on `database_url` with `arguments` added, its `default` organization's
    /// key `api_key`, and JSON logs that the test reads.
    pub(crate) async fn spawn(database_url: &str, api_key: &str, arguments: &[&str]) -> Self {
        Self::spawn_with_env(database_url, api_key, arguments, &[]).await
    }

    /// [`ServerProcess::spawn`] with the environment variables `environment` set too.
    pub(crate) async fn spawn_with_env(
        database_url: &str,
        api_key: &str,
        arguments: &[&str],
        environment: &[(&str, &str)],
    ) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_entitlements-server"));
        command
            .args([
                "--database-url",
                database_url,
                "--grpc-addr",
                "127.0.0.1:0",
                "--http-addr",
                "127.0.0.1:0",
            ])
            .args(arguments)
            .env_remove("ENTITLEMENTS_GRPC_UPSTREAM")
            .env("ENTITLEMENTS_API_KEY", api_key)
            .env("ENTITLEMENTS_LOG_FORMAT", "json")
            // tower_http says when a request starts; axum and tonic say when their listener closed.
            .env("RUST_LOG", "info,tower_http=debug,axum::serve=trace,tonic::transport::server=trace")
            // After the defaults, so that a test can replace one (`RUST_LOG`).
            .envs(environment.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("start entitlements-server");
        let (sender, receiver) = mpsc::unbounded_channel();
        forward_lines(child.stdout.take().expect("piped stdout"), "", sender.clone());
        forward_lines(child.stderr.take().expect("piped stderr"), "stderr: ", sender);
        let mut logs = ServerLogs { lines: receiver, seen: Vec::new() };

        let (mut http_address, mut grpc_address) = (None, None);
        while http_address.is_none() || grpc_address.is_none() {
            let event = logs
                .wait_for("the listening addresses", |event| {
                    matches!(message(event), "http listening" | "grpc listening")
                })
                .await;
            let address: SocketAddr =
                event["address"].as_str().and_then(|a| a.parse().ok()).expect("an address");
            match message(&event) {
                "http listening" => http_address = Some(address),
                _ => grpc_address = Some(address),
            }
        }
        let (Some(http_address), Some(grpc_address)) = (http_address, grpc_address) else {
            unreachable!("the loop ends once both are known")
        };
        Self { child, logs, http_address, grpc_address }
    }

    /// Sends SIGTERM, as Kubernetes does.
    pub(crate) fn terminate(&self) {
        let pid = self.child.id().expect("the server is still running");
        let status =
            std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("run kill");
        assert!(status.success(), "kill -TERM {pid} failed: {status}");
    }
}

/// Sends each line `reader` yields to `lines`, until EOF.
fn forward_lines(
    reader: impl AsyncRead + Unpin + Send + 'static,
    prefix: &'static str,
    lines: mpsc::UnboundedSender<String>,
) {
    tokio::spawn(async move {
        let mut reader = BufReader::new(reader).lines();
        // Keeps reading even when nobody listens any more, so the server never blocks on a full pipe.
        while let Ok(Some(line)) = reader.next_line().await {
            let _ = lines.send(format!("{prefix}{line}"));
        }
    });
}

/// The server's output, line by line as it comes, and all lines seen so far for failure messages.
#[derive(Debug)]
pub(crate) struct ServerLogs {
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

impl ServerLogs {
    /// Reads until a JSON log event satisfies `matches`, and returns it.
    pub(crate) async fn wait_for(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let search = async {
            while let Some(line) = self.lines.recv().await {
                // Log events are JSON lines on stderr, which `forward_lines` prefixes.
                let text = line.strip_prefix("stderr: ").unwrap_or(&line);
                let event = serde_json::from_str::<Value>(text).ok();
                self.seen.push(line);
                if let Some(event) = event.filter(|event| matches(event)) {
                    return Some(event);
                }
            }
            None
        };
        match timeout(WAIT, search).await {
            Ok(Some(event)) => event,
            Ok(None) => panic!("the server's output ended before {what}:\n{}", self.transcript()),
            Err(_) => panic!("waited {WAIT:?} for {what}; the server's output:\n{}", self.transcript()),
        }
    }

    /// Reads until the server closed its output (it has exited).
    pub(crate) async fn read_to_end(&mut self) {
        let read = async {
            while let Some(line) = self.lines.recv().await {
                self.seen.push(line);
            }
        };
        if timeout(WAIT, read).await.is_err() {
            panic!("the server's output stayed open {WAIT:?} after it exited:\n{}", self.transcript());
        }
    }

    /// Everything the server wrote so far.
    pub(crate) fn transcript(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }
}

pub(crate) fn message(event: &Value) -> &str {
    event["message"].as_str().unwrap_or_default()
}

/// Waits until the server on `database_url` has bootstrapped the `default` organization of
/// `api_key` (its log says it is listening before the bootstrap is done).
pub(crate) async fn wait_for_bootstrap(database_url: &str, api_key: &str) {
    let store = entitlements_store::Store::connect(database_url).await.expect("connect");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = store.organization_for_api_key(&entitlements_store::ApiKey::new(api_key)).await;
        if let Ok(Some(_)) = found {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server never bootstrapped its organization: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
