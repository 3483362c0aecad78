//! Webhooks survive `kill -9` of the real `entitlements-server` process, on SQLite and PostgreSQL.
//!
//! The receiver hangs on the first requests, so that when the server is killed some deliveries
//! are in flight (leased) and the rest have not been attempted. A new server process on the same
//! database then delivers every one of them: the pending ones at once, the interrupted ones when
//! their lease expires. Every delivery verifies with the installation's key.

#[allow(dead_code, reason = "the harness's PostgreSQL helpers are shared with tests that use all of them")]
#[path = "../../../tests/e2e/support/postgres.rs"]
mod postgres;
#[allow(dead_code, reason = "shared by the tests of the binary, not all of which use every helper")]
#[path = "support/server_process.rs"]
mod server_process;
#[allow(dead_code, reason = "the receiver's helpers are shared with the end-to-end tests")]
#[path = "../../../tests/e2e/support/webhook_receiver.rs"]
mod webhook_receiver;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use server_process::ServerProcess;
use webhook_receiver::{Answer, WebhookReceiver, WebhookVerifier};

const API_KEY: &str = "webhook-crash-key";
/// Deliveries made before the crash.
const EVENTS: usize = 24;
/// Requests in flight to one endpoint (`--webhook-endpoint-concurrency`): the receiver hangs on
/// that many, so the dispatcher is saturated when the server is killed.
const IN_FLIGHT: usize = 4;
const DELIVERED_WITHIN: Duration = Duration::from_secs(60);

#[tokio::test]
async fn deliveries_pending_at_kill_9_are_all_made_after_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temp dir for the SQLite database");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("entitlements.db").display());
    crash_scenario(&url).await;
}

#[tokio::test]
async fn deliveries_pending_at_kill_9_are_all_made_after_a_restart_on_postgres() {
    let Some(server) = postgres::require_postgres_or_skip("webhook_crash (PostgreSQL)") else {
        return;
    };
    let url = tokio::task::spawn_blocking(|| server.create_database()).await.expect("create a test database");
    crash_scenario(&url).await;
}

/// The flags of both server processes: loopback receivers allowed, attempts that time out after a
/// second, retries every 500 ms, polling every 100 ms.
const FLAGS: [&str; 11] = [
    "--webhook-allow-private-networks=true",
    "--webhook-timeout-ms",
    "1000",
    "--webhook-retry-schedule",
    "500ms",
    "--webhook-max-attempts",
    "1000",
    "--webhook-endpoint-concurrency",
    "4",
    "--webhook-poll-interval-ms",
    "100",
];

async fn crash_scenario(database_url: &str) {
    let receiver = WebhookReceiver::start().await;
    receiver.answer("/hook", [Answer::Hang; IN_FLIGHT]);
    let mut first = ServerProcess::spawn(database_url, API_KEY, &FLAGS).await;
    let http = reqwest::Client::new();
    server_process::wait_for_bootstrap(database_url, API_KEY).await;
    let secret = register_endpoint(&http, first.http_address, &receiver.url("/hook")).await;

    for index in 0..EVENTS {
        let response = http
            .post(format!("http://{}/api/v1/features", first.http_address))
            .bearer_auth(API_KEY)
            .json(&json!({"feature": {"code": format!("feature_{index}")}}))
            .send()
            .await
            .expect("create a feature");
        assert_eq!(response.status().as_u16(), 200);
    }
    // The dispatcher's slots for the endpoint are all held by requests the receiver never answers.
    receiver.wait_for("/hook", IN_FLIGHT, server_process::WAIT).await;
    first.child.start_kill().expect("kill -9 the server");
    first.child.wait().await.expect("the killed server exits");
    let before_restart = receiver.received("/hook").len();
    assert_eq!(before_restart, IN_FLIGHT, "only the hung attempts were made before the kill");

    let restarted = Instant::now();
    let second = ServerProcess::spawn(database_url, API_KEY, &FLAGS).await;
    let deadline = Instant::now() + DELIVERED_WITHIN;
    let answered_keys = loop {
        // Requests after the hung ones are answered 200.
        let answered: HashSet<String> = receiver.received("/hook")[IN_FLIGHT..]
            .iter()
            .map(|webhook| webhook.unique_key().to_owned())
            .collect();
        if answered.len() == EVENTS {
            break answered;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {EVENTS} deliveries made after the restart",
            answered.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let all_delivered = restarted.elapsed();
    let public_key = get(&http, second.http_address, "/api/v1/webhooks/json_public_key").await;
    let hmac_key = get(&http, second.http_address, "/api/v1/webhooks/hmac_key").await;
    let verifier = WebhookVerifier {
        public_key_base64: public_key["webhook"]["public_key"].as_str().expect("a key").to_owned(),
        hmac_key: hmac_key["webhook"]["hmac_key"].as_str().expect("an HMAC key").to_owned(),
        endpoint_secret: secret,
        issuer: None,
    };
    let received = receiver.received("/hook");
    for webhook in &received {
        verifier.verify(webhook);
    }
    // The interrupted attempts were made again under the same unique keys.
    for hung in &received[..IN_FLIGHT] {
        assert!(
            answered_keys.contains(hung.unique_key()),
            "interrupted delivery {} never made",
            hung.unique_key()
        );
    }
    drop(second);
    eprintln!(
        "webhook crash on {}: {EVENTS} deliveries all made {all_delivered:?} after the restart",
        if database_url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" }
    );
}

/// Registers an endpoint for `url` (signed with JWT) through the REST API; answers its Standard
/// Webhooks secret.
async fn register_endpoint(http: &reqwest::Client, server: SocketAddr, url: &str) -> String {
    let created: Value = http
        .post(format!("http://{server}/api/v1/webhook_endpoints"))
        .bearer_auth(API_KEY)
        .json(&json!({"webhook_endpoint": {"webhook_url": url, "signature_algo": "jwt"}}))
        .send()
        .await
        .expect("register the endpoint")
        .json()
        .await
        .expect("JSON");
    let id = created["webhook_endpoint"]["lago_id"].as_str().expect("a lago_id");
    let secret = get(http, server, &format!("/api/v1/webhook_endpoints/{id}/signing_secret")).await;
    secret["webhook_endpoint"]["signing_secret"].as_str().expect("a secret").to_owned()
}

async fn get(http: &reqwest::Client, server: SocketAddr, path: &str) -> Value {
    http.get(format!("http://{server}{path}"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .expect("a GET")
        .json()
        .await
        .expect("JSON")
}
