//! Runs one scenario against the server at a fixed concurrency: gRPC workers share a few
//! channels (HTTP/2 connections), each REST worker has its own HTTP/1.1 connection; every worker
//! makes one request at a time for the warm-up and then the measured duration, and records the
//! latency of each request that started inside the measured window.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tonic::Code;
use tonic::transport::{Channel, Endpoint};

use crate::scenario::{Call, Caller, GrpcCall, RestCall, Scenario};

/// Latencies are recorded in microseconds up to a minute, to 3 significant digits.
const LOWEST_MICROS: u64 = 1;
const HIGHEST_MICROS: u64 = 60_000_000;
const SIGNIFICANT_DIGITS: u8 = 3;

/// Where and how hard to load the server.
#[derive(Debug)]
pub(crate) struct Load {
    pub(crate) http_address: SocketAddr,
    pub(crate) grpc_channels: Vec<Channel>,
    pub(crate) grpc_streams: usize,
    pub(crate) http_connections: usize,
    pub(crate) warmup: Duration,
    pub(crate) duration: Duration,
    pub(crate) api_key: String,
    pub(crate) subscriptions: u64,
}

/// What a scenario gave.
#[derive(Debug)]
pub(crate) enum Outcome {
    Measured(Tally),
    /// The server does not implement it (yet).
    NotAvailable(String),
}

/// Requests of the measured window.
#[derive(Debug)]
pub(crate) struct Tally {
    pub(crate) latencies_micros: Histogram<u64>,
    pub(crate) failed: u64,
    pub(crate) first_failure: Option<String>,
    pub(crate) measured: Duration,
}

impl Tally {
    pub(crate) fn new(measured: Duration) -> Result<Self, String> {
        let latencies_micros = Histogram::new_with_bounds(LOWEST_MICROS, HIGHEST_MICROS, SIGNIFICANT_DIGITS)
            .map_err(|error| format!("histogram: {error}"))?;
        Ok(Self { latencies_micros, failed: 0, first_failure: None, measured })
    }

    pub(crate) fn record_success(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latencies_micros.saturating_record(micros.max(LOWEST_MICROS));
    }

    fn record_failure(&mut self, failure: String) {
        self.failed += 1;
        self.first_failure.get_or_insert(failure);
    }

    fn merge(&mut self, other: Self) -> Result<(), String> {
        self.latencies_micros.add(&other.latencies_micros).map_err(|error| format!("histogram: {error}"))?;
        self.failed += other.failed;
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
        Ok(())
    }

    pub(crate) fn succeeded(&self) -> u64 {
        self.latencies_micros.len()
    }

    pub(crate) fn throughput(&self) -> f64 {
        self.succeeded() as f64 / self.measured.as_secs_f64().max(f64::EPSILON)
    }

    /// The latency at `quantile` (0.5 for p50).
    pub(crate) fn latency_at(&self, quantile: f64) -> Duration {
        Duration::from_micros(self.latencies_micros.value_at_quantile(quantile))
    }
}

/// When the measurement starts and when the workers stop.
#[derive(Debug, Clone, Copy)]
struct Window {
    measured_from: Instant,
    end: Instant,
}

impl Window {
    fn record(self, tally: &mut Tally, started: Instant, result: Result<(), String>) {
        if started < self.measured_from {
            return;
        }
        match result {
            Ok(()) => tally.record_success(started.elapsed()),
            Err(failure) => tally.record_failure(failure),
        }
    }
}

/// Probes the scenario with one request, then runs it.
///
/// # Errors
/// When a worker cannot be started or the tallies cannot be merged.
pub(crate) async fn run(scenario: &Scenario, load: &Load) -> Result<Outcome, String> {
    let host = load.http_address.to_string();
    let mut probe = Caller::new(u64::MAX, load.subscriptions, &load.api_key, &host);
    match &scenario.call {
        Call::Grpc(call) => {
            let channel = load.grpc_channels.first().cloned().ok_or("no gRPC channel")?;
            if let Err(status) = call(&mut probe, channel).await
                && status.code() == Code::Unimplemented
            {
                return Ok(Outcome::NotAvailable(
                    format!("UNIMPLEMENTED {}", status.message()).trim_end().to_owned(),
                ));
            }
        }
        Call::Rest(call) => {
            let mut sender = connect_http(load.http_address).await?;
            if let Err(RestFailure::NoSuchRoute(status)) = send_rest(&mut sender, call, &mut probe).await {
                return Ok(Outcome::NotAvailable(format!("no such route (HTTP {status})")));
            }
        }
    }
    let now = Instant::now();
    let window = Window { measured_from: now + load.warmup, end: now + load.warmup + load.duration };
    let (workers, seed_base) = match &scenario.call {
        Call::Grpc(_) => (load.grpc_streams.max(1), 1_000_u64),
        Call::Rest(_) => (load.http_connections.max(1), 2_000_u64),
    };
    let mut handles = Vec::with_capacity(workers);
    for (worker, seed) in (0..workers).zip(seed_base..) {
        let caller = Caller::new(seed, load.subscriptions, &load.api_key, &host);
        let tally = Tally::new(load.duration)?;
        handles.push(match &scenario.call {
            Call::Grpc(call) => {
                let channel = load.grpc_channels.get(worker % load.grpc_channels.len().max(1)).cloned();
                let channel = channel.ok_or("no gRPC channel")?;
                tokio::spawn(grpc_worker(call.clone(), channel, caller, tally, window))
            }
            Call::Rest(call) => {
                tokio::spawn(rest_worker(call.clone(), load.http_address, caller, tally, window))
            }
        });
    }
    let mut total = Tally::new(load.duration)?;
    for handle in handles {
        total.merge(handle.await.map_err(|error| format!("a worker panicked: {error}"))?)?;
    }
    Ok(Outcome::Measured(total))
}

/// Opens `count` gRPC channels (each its own HTTP/2 connection).
///
/// # Errors
/// When the server does not accept a connection.
pub(crate) async fn grpc_channels(address: SocketAddr, count: usize) -> Result<Vec<Channel>, String> {
    let endpoint = Endpoint::from_shared(format!("http://{address}"))
        .map_err(|error| format!("bad gRPC address: {error}"))?
        .tcp_nodelay(true);
    let mut channels = Vec::with_capacity(count);
    for _ in 0..count.max(1) {
        channels.push(endpoint.connect().await.map_err(|error| format!("could not connect gRPC: {error}"))?);
    }
    Ok(channels)
}

async fn grpc_worker(
    call: GrpcCall,
    channel: Channel,
    mut caller: Caller,
    mut tally: Tally,
    window: Window,
) -> Tally {
    loop {
        let started = Instant::now();
        if started >= window.end {
            return tally;
        }
        let result = call(&mut caller, channel.clone()).await;
        window.record(
            &mut tally,
            started,
            result.map_err(|status| format!("{:?}: {}", status.code(), status.message())),
        );
    }
}

async fn rest_worker(
    call: RestCall,
    address: SocketAddr,
    mut caller: Caller,
    mut tally: Tally,
    window: Window,
) -> Tally {
    let mut connection: Option<SendRequest<Full<Bytes>>> = None;
    loop {
        let started = Instant::now();
        if started >= window.end {
            return tally;
        }
        let sender = match &mut connection {
            Some(sender) => sender,
            None => match connect_http(address).await {
                Ok(sender) => connection.insert(sender),
                Err(error) => {
                    window.record(&mut tally, started, Err(error));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let result = send_rest(sender, &call, &mut caller).await;
        if matches!(result, Err(RestFailure::Transport(_))) {
            connection = None;
        }
        window.record(&mut tally, started, result.map_err(|failure| failure.to_string()));
    }
}

async fn connect_http(address: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(address).await.map_err(|error| format!("could not connect: {error}"))?;
    stream.set_nodelay(true).map_err(|error| format!("could not set TCP_NODELAY: {error}"))?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("HTTP handshake: {error}"))?;
    // Ends when the sender is dropped or the server closes the connection.
    tokio::spawn(connection);
    Ok(sender)
}

#[derive(Debug)]
enum RestFailure {
    /// The scenario could not build its request.
    BadRequest(String),
    /// The connection is unusable: it is reopened.
    Transport(String),
    /// The router has no such route (see `is_unknown_route`).
    NoSuchRoute(http::StatusCode),
    Status(http::StatusCode, Bytes),
}

impl std::fmt::Display for RestFailure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadRequest(error) => write!(formatter, "could not build the request: {error}"),
            Self::Transport(error) => write!(formatter, "{error}"),
            Self::NoSuchRoute(status) => write!(formatter, "HTTP {status}: no such route"),
            Self::Status(status, body) => {
                write!(formatter, "HTTP {status}: {}", String::from_utf8_lossy(body))
            }
        }
    }
}

/// Sends the scenario's next request and reads the whole answer.
async fn send_rest(
    sender: &mut SendRequest<Full<Bytes>>,
    call: &RestCall,
    caller: &mut Caller,
) -> Result<(), RestFailure> {
    let request = call(caller).map_err(|error| RestFailure::BadRequest(error.to_string()))?;
    sender.ready().await.map_err(|error| RestFailure::Transport(error.to_string()))?;
    let response =
        sender.send_request(request).await.map_err(|error| RestFailure::Transport(error.to_string()))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|error| RestFailure::Transport(error.to_string()))?
        .to_bytes();
    if status.is_success() {
        Ok(())
    } else if is_unknown_route(status, &body) {
        Err(RestFailure::NoSuchRoute(status))
    } else {
        Err(RestFailure::Status(status, body))
    }
}

/// A 404 or 405 without a body, or with the gateway's catch-all answer for unknown routes (Lago's
/// `resource_not_found`; a missing object names itself, e.g. `subscription_not_found`).
fn is_unknown_route(status: http::StatusCode, body: &[u8]) -> bool {
    if !matches!(status, http::StatusCode::NOT_FOUND | http::StatusCode::METHOD_NOT_ALLOWED) {
        return false;
    }
    body.is_empty()
        || serde_json::from_slice::<serde_json::Value>(body)
            .is_ok_and(|answer| answer["code"].as_str() == Some("resource_not_found"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_catch_all_404_means_an_unknown_route() {
        let catch_all = br#"{"status":404,"error":"Not Found","code":"resource_not_found"}"#;
        let missing_subscription = br#"{"status":404,"error":"Not Found","code":"subscription_not_found"}"#;
        assert!(is_unknown_route(http::StatusCode::NOT_FOUND, catch_all));
        assert!(is_unknown_route(http::StatusCode::METHOD_NOT_ALLOWED, b""));
        assert!(!is_unknown_route(http::StatusCode::NOT_FOUND, missing_subscription));
        assert!(!is_unknown_route(http::StatusCode::UNPROCESSABLE_ENTITY, catch_all));
    }
}
