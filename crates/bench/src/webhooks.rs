//! Webhook delivery throughput: a local receiver (answering 200 at once) is registered for
//! `subscription.updated`, then the PATCH scenario runs again, so that every write also renders
//! its subscription into the outbox and the dispatcher sends it. The row shows what the outbox
//! costs the writes (beside the plain PATCH row); the summary how fast deliveries arrive and how
//! far they trail the last write.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::load::{self, Load};
use crate::report::Row;
use crate::scenario::Scenario;

/// How long the receiver must stay quiet before every delivery counts as made.
const QUIET: Duration = Duration::from_secs(3);

/// What the receiver saw.
#[derive(Debug)]
pub(crate) struct DeliverySummary {
    pub(crate) delivered: u64,
    /// From the first delivery to the last.
    pub(crate) span: Duration,
    /// From the end of the writes to the last delivery.
    pub(crate) trailing: Duration,
}

impl DeliverySummary {
    pub(crate) fn render(&self) -> String {
        let per_second = self.delivered as f64 / self.span.as_secs_f64().max(f64::EPSILON);
        format!(
            "Webhook deliveries: {} `subscription.updated` delivered at {per_second:.0}/s to a local receiver; the \
             last arrived {:.0?} after the last write\n",
            self.delivered, self.trailing
        )
    }
}

#[derive(Debug, Default)]
struct Arrivals {
    count: AtomicU64,
    first: Mutex<Option<Instant>>,
    last: Mutex<Option<Instant>>,
}

/// Runs `patch` with a webhook endpoint registered, and answers its row and the deliveries.
///
/// # Errors
/// When the receiver cannot listen or the endpoint cannot be registered.
pub(crate) async fn measure(load: &Load, patch: &Scenario) -> Result<(Row, DeliverySummary), String> {
    let arrivals = Arc::new(Arrivals::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|error| format!("the webhook receiver cannot listen: {error}"))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    let receiver = tokio::spawn(serve(listener, Arc::clone(&arrivals)));
    let endpoint = register(load, address).await?;

    let outcome = load::run(patch, load).await?;
    let writes_ended = Instant::now();
    let mut row = Row::new(patch, &outcome);
    row.name = "REST PATCH /api/v1/subscriptions/{id}/entitlements, with a webhook endpoint";
    loop {
        let seen = arrivals.count.load(Ordering::Relaxed);
        tokio::time::sleep(QUIET).await;
        if arrivals.count.load(Ordering::Relaxed) == seen {
            break;
        }
    }
    receiver.abort();
    delete(load, &endpoint).await?;
    let first = arrivals.first.lock().map_err(|_| "poisoned")?.ok_or("no webhook arrived")?;
    let last = arrivals.last.lock().map_err(|_| "poisoned")?.ok_or("no webhook arrived")?;
    let summary = DeliverySummary {
        delivered: arrivals.count.load(Ordering::Relaxed),
        span: last.duration_since(first),
        trailing: last.saturating_duration_since(writes_ended),
    };
    Ok((row, summary))
}

async fn serve(listener: tokio::net::TcpListener, arrivals: Arc<Arrivals>) {
    let router = axum::Router::new().fallback(move || {
        let arrivals = Arc::clone(&arrivals);
        async move {
            let now = Instant::now();
            arrivals.count.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut first) = arrivals.first.lock() {
                first.get_or_insert(now);
            }
            if let Ok(mut last) = arrivals.last.lock() {
                *last = Some(now);
            }
            ""
        }
    });
    if let Err(error) = axum::serve(listener, router).await {
        eprintln!("the webhook receiver stopped: {error}");
    }
}

async fn register(load: &Load, receiver: SocketAddr) -> Result<String, String> {
    let body = json!({"webhook_endpoint": {
        "webhook_url": format!("http://{receiver}/webhooks"),
        "signature_algo": "hmac",
        "event_types": ["subscription.updated"],
    }});
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/v1/webhook_endpoints", load.http_address))
        .bearer_auth(&load.api_key)
        .json(&body)
        .send()
        .await
        .map_err(|error| format!("register the webhook endpoint: {error}"))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.map_err(|error| error.to_string())?;
    if !status.is_success() {
        return Err(format!("register the webhook endpoint: {status} {body}"));
    }
    body["webhook_endpoint"]["lago_id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no lago_id in {body}"))
}

async fn delete(load: &Load, endpoint: &str) -> Result<(), String> {
    reqwest::Client::new()
        .delete(format!("http://{}/api/v1/webhook_endpoints/{endpoint}", load.http_address))
        .bearer_auth(&load.api_key)
        .send()
        .await
        .map_err(|error| format!("delete the webhook endpoint: {error}"))?;
    Ok(())
}
