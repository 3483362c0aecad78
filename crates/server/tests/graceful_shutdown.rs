//! Graceful shutdown of the real `entitlements-server` process, on SQLite and PostgreSQL.
//!
//! The binary runs on port 0 with JSON logs on stderr, which tell the test its addresses and when
//! things happen, so nothing waits by sleeping. A write request is held in flight by a database
//! lock the test holds; then SIGTERM must, in order: turn gRPC health NOT_SERVING and end the Watch
//! stream (opened before the signal), close both listeners (new connections are refused) while the
//! request is still in flight, let that request finish with its normal answer once the lock goes,
//! and exit with status 0 well before the shutdown timeout, without logging an error.

#[allow(dead_code, reason = "the harness's PostgreSQL helpers are shared with tests that use all of them")]
#[path = "../../../tests/e2e/support/postgres.rs"]
mod postgres;
#[allow(dead_code, reason = "shared by the tests of the binary, not all of which use every helper")]
#[path = "support/server_process.rs"]
mod server_process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sea_orm::sqlx::{Connection as _, Executor as _, PgConnection, SqliteConnection};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::time::timeout;

use server_process::{ServerLogs, ServerProcess, WAIT, message};
use tonic::Streaming;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// The `default` organization's key, bootstrapped by the server from `ENTITLEMENTS_API_KEY`.
const API_KEY: &str = "graceful-shutdown-key";
/// Longer than `WAIT`: an exit within `WAIT` of the signal then proves that the server drained its
/// requests, rather than giving up on them at the timeout.
const SHUTDOWN_TIMEOUT_SECS: u64 = 60;
/// What the server logs when it gives up on requests in flight.
const DRAIN_TIMEOUT_MESSAGE: &str = "requests still in flight at the shutdown timeout";

#[tokio::test]
async fn sigterm_drains_requests_in_flight_then_exits_cleanly_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temp dir for the SQLite database");
    let path = dir.path().join("entitlements.db");
    graceful_shutdown_scenario(TestDatabase::Sqlite { path }).await;
}

#[tokio::test]
async fn sigterm_drains_requests_in_flight_then_exits_cleanly_on_postgres() {
    let Some(server) = postgres::require_postgres_or_skip("graceful_shutdown (PostgreSQL)") else {
        return;
    };
    let url = tokio::task::spawn_blocking(|| server.create_database()).await.expect("create a test database");
    graceful_shutdown_scenario(TestDatabase::Postgres { url }).await;
}

async fn graceful_shutdown_scenario(database: TestDatabase) {
    let started = Instant::now();
    let mut server = ServerProcess::spawn(
        &database.url(),
        API_KEY,
        &["--shutdown-timeout-secs", &SHUTDOWN_TIMEOUT_SECS.to_string()],
    )
    .await;

    // Opened before the signal, so that it shows the NOT_SERVING the shutdown announces.
    let mut health = HealthWatch::open(server.grpc_address).await;
    health.wait_for(ServingStatus::Serving, &mut server.logs).await;

    // The request queues behind this lock, so it is still in flight whatever the timing.
    let lock = WriteLock::acquire(&database).await;
    let http = reqwest::Client::new();
    let request = http
        .post(format!("http://{}/api/v1/features", server.http_address))
        .bearer_auth(API_KEY)
        .json(&json!({ "feature": { "code": "in_flight" } }))
        .timeout(WAIT);
    let in_flight = tokio::spawn(async move {
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok::<_, reqwest::Error>((status, response.text().await?))
    });
    server
        .logs
        .wait_for("the server to start processing POST /api/v1/features", |event| {
            message(event) == "started processing request"
                && event["span"]["method"] == "POST"
                && event["span"]["uri"] == "/api/v1/features"
        })
        .await;

    let signalled = Instant::now();
    server.terminate();
    health.wait_for(ServingStatus::NotServing, &mut server.logs).await;
    // Then the server ends the stream, so that watchers (whose connection stays open until the exit
    // below) do not hold the gRPC server's drain open until the shutdown timeout.
    health.wait_for_end(&mut server.logs).await;

    // Health said NOT_SERVING before either listener closed: the log is read in order, so a
    // listener closed earlier would be passed over here and never found below.
    server
        .logs
        .wait_for("health to be NOT_SERVING before the listeners close", |event| {
            message(event) == "health is NOT_SERVING; closing the listeners"
        })
        .await;
    // Both listeners are closed (each server logs this right after dropping its listener, in no
    // particular order) while the request is still waiting for the lock.
    let (mut rest_closed, mut grpc_closed) = (false, false);
    while !(rest_closed && grpc_closed) {
        let event =
            server.logs.wait_for("both listeners to close", |event| closed_listener(event).is_some()).await;
        match closed_listener(&event) {
            Some(Listener::Rest) => rest_closed = true,
            Some(Listener::Grpc) => grpc_closed = true,
            None => unreachable!("only listener events match"),
        }
    }
    assert_refused(server.http_address, "REST", &mut server.logs).await;
    assert_refused(server.grpc_address, "gRPC", &mut server.logs).await;
    assert!(
        !in_flight.is_finished(),
        "the request finished while the database was locked:\n{}",
        server.logs.transcript()
    );

    lock.release().await;
    let (status, body) = match timeout(WAIT, in_flight).await {
        Ok(Ok(Ok(answer))) => answer,
        Ok(Ok(Err(error))) => panic!("the request in flight failed: {error:?}\n{}", server.logs.transcript()),
        Ok(Err(error)) => panic!("the request task failed: {error}"),
        Err(_) => {
            panic!("the request in flight got no answer within {WAIT:?}:\n{}", server.logs.transcript())
        }
    };
    assert_eq!(status, 200, "the request in flight was answered with {body}\n{}", server.logs.transcript());
    let body: Value = serde_json::from_str(&body).expect("the answer is JSON");
    assert_eq!(body["feature"]["code"], "in_flight", "{body}");

    let exit = match timeout(WAIT, server.child.wait()).await {
        Ok(exit) => exit.expect("wait for the server process"),
        Err(_) => panic!(
            "the server did not exit within {WAIT:?} of finishing its last request:\n{}",
            server.logs.transcript()
        ),
    };
    let shutdown_took = signalled.elapsed();
    drop(health);
    server.logs.read_to_end().await;
    assert!(exit.success(), "the server exited with {exit}:\n{}", server.logs.transcript());
    let transcript = server.logs.transcript();
    for expected in ["received SIGTERM", "shutting down: health NOT_SERVING, finishing requests in flight"] {
        assert!(transcript.contains(expected), "the server did not log {expected:?}:\n{transcript}");
    }
    assert!(!transcript.contains(DRAIN_TIMEOUT_MESSAGE), "the drain timed out:\n{transcript}");
    assert!(!transcript.contains(r#""level":"ERROR""#), "the server logged an error:\n{transcript}");
    eprintln!(
        "graceful shutdown on {}: SIGTERM to exit {shutdown_took:?}, whole scenario {:?}",
        database.backend_name(),
        started.elapsed()
    );
}

/// A fresh database for one test.
#[derive(Debug)]
enum TestDatabase {
    /// A file in a temp dir that the test owns.
    Sqlite {
        path: PathBuf,
    },
    Postgres {
        url: String,
    },
}

impl TestDatabase {
    fn url(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite://{}?mode=rwc", path.display()),
            Self::Postgres { url } => url.clone(),
        }
    }

    fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "SQLite",
            Self::Postgres { .. } => "PostgreSQL",
        }
    }
}

/// A lock, held by the test on its own connection, that makes the server's feature writes wait.
#[derive(Debug)]
enum WriteLock {
    /// `BEGIN IMMEDIATE`: the database's write lock (the server waits up to its 10 s busy timeout).
    Sqlite(SqliteConnection),
    /// `LOCK TABLE entitlement_features IN ACCESS EXCLUSIVE MODE` inside an open transaction.
    Postgres(PgConnection),
}

impl WriteLock {
    async fn acquire(database: &TestDatabase) -> Self {
        let acquire = async {
            match database {
                TestDatabase::Sqlite { path } => {
                    // The server put the file in WAL mode; keep it so (the default would undo it).
                    let options = SqliteConnectOptions::new()
                        .filename(path)
                        .journal_mode(SqliteJournalMode::Wal)
                        .busy_timeout(WAIT);
                    let mut connection = SqliteConnection::connect_with(&options).await?;
                    connection.execute("BEGIN IMMEDIATE").await?;
                    Ok::<_, sea_orm::sqlx::Error>(Self::Sqlite(connection))
                }
                TestDatabase::Postgres { url } => {
                    let mut connection = PgConnection::connect(url).await?;
                    connection.execute("BEGIN").await?;
                    connection.execute("LOCK TABLE entitlement_features IN ACCESS EXCLUSIVE MODE").await?;
                    Ok(Self::Postgres(connection))
                }
            }
        };
        timeout(WAIT, acquire).await.expect("lock the database in time").expect("lock the database")
    }

    async fn release(self) {
        let release = async {
            match self {
                Self::Sqlite(mut connection) => {
                    connection.execute("ROLLBACK").await?;
                    connection.close().await
                }
                Self::Postgres(mut connection) => {
                    connection.execute("ROLLBACK").await?;
                    connection.close().await
                }
            }
        };
        timeout(WAIT, release).await.expect("unlock the database in time").expect("unlock the database");
    }
}

/// The server binary, running; killed if the test ends before it exits.
#[derive(Debug, Clone, Copy)]
enum Listener {
    Rest,
    Grpc,
}

/// Which listener a log event says was just closed: axum and tonic log how many connections they
/// wait for right after dropping theirs.
fn closed_listener(event: &Value) -> Option<Listener> {
    if !message(event).starts_with("waiting for") {
        return None;
    }
    match event["target"].as_str() {
        Some("axum::serve") => Some(Listener::Rest),
        Some("tonic::transport::server") => Some(Listener::Grpc),
        _ => None,
    }
}

/// A gRPC health Watch stream on the overall status (`""`).
#[derive(Debug)]
struct HealthWatch {
    /// Kept so that the connection stays open as long as a real watcher's would.
    _channel: Channel,
    stream: Streaming<HealthCheckResponse>,
}

impl HealthWatch {
    async fn open(address: SocketAddr) -> Self {
        let open = async {
            let channel =
                Channel::from_shared(format!("http://{address}")).expect("a valid URI").connect().await?;
            let request = HealthCheckRequest { service: String::new() };
            let response = HealthClient::new(channel.clone()).watch(request).await?;
            Ok::<_, Box<dyn std::error::Error>>((channel, response))
        };
        let (channel, response) = match timeout(WAIT, open).await {
            Ok(Ok(opened)) => opened,
            Ok(Err(error)) => panic!("cannot watch the health of {address}: {error}"),
            Err(_) => panic!("no health Watch stream from {address} within {WAIT:?}"),
        };
        Self { _channel: channel, stream: response.into_inner() }
    }

    /// Reads statuses until `expected`.
    async fn wait_for(&mut self, expected: ServingStatus, logs: &mut ServerLogs) {
        let mut seen = Vec::new();
        let watch = async {
            loop {
                match self.stream.message().await {
                    Ok(Some(response)) if response.status() == expected => return Ok(()),
                    Ok(Some(response)) => seen.push(response.status()),
                    Ok(None) => return Err("the stream ended".to_owned()),
                    Err(status) => return Err(format!("the stream failed: {status}")),
                }
            }
        };
        match timeout(WAIT, watch).await {
            Ok(Ok(())) => {}
            Ok(Err(why)) => panic!("health never {expected:?} ({why}; saw {seen:?}):\n{}", logs.transcript()),
            Err(_) => {
                panic!("health not {expected:?} within {WAIT:?} (saw {seen:?}):\n{}", logs.transcript())
            }
        }
    }
}

impl HealthWatch {
    /// Asserts that the server ends the stream cleanly, with no further status.
    async fn wait_for_end(&mut self, logs: &mut ServerLogs) {
        match timeout(WAIT, self.stream.message()).await {
            Ok(Ok(None)) => {}
            Ok(Ok(Some(response))) => {
                panic!("health Watch sent {:?} instead of ending:\n{}", response.status(), logs.transcript())
            }
            Ok(Err(status)) => {
                panic!("health Watch failed instead of ending: {status}\n{}", logs.transcript())
            }
            Err(_) => panic!("health Watch still open {WAIT:?} after NOT_SERVING:\n{}", logs.transcript()),
        }
    }
}

/// Asserts that nothing accepts connections at `address` any more.
async fn assert_refused(address: SocketAddr, listener: &str, logs: &mut ServerLogs) {
    match timeout(WAIT, TcpStream::connect(address)).await {
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {}
        Ok(Err(error)) => panic!("connecting to the closed {listener} listener failed oddly: {error}"),
        Ok(Ok(_)) => {
            panic!("the {listener} listener at {address} still accepts connections:\n{}", logs.transcript())
        }
        Err(_) => panic!("connecting to the closed {listener} listener at {address} hung"),
    }
}
