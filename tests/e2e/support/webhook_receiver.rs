//! A webhook receiver for the tests: a real HTTP server on loopback that records every request and
//! answers as the scenario scripted (a status, a `Retry-After`, or no answer at all), and a
//! verifier that checks every signature the way a receiver would, with its own code (the RSA,
//! HMAC and Base64 crates), not the server's.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::Notify;

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Status(u16),
    /// A status with `Retry-After: <seconds>`.
    StatusRetryAfter(u16, u64),
    /// Never answers (the sender's timeout ends the attempt).
    Hang,
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct ReceivedWebhook {
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl ReceivedWebhook {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a webhook body is JSON")
    }

    pub(crate) fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a webhook body is UTF-8")
    }

    pub(crate) fn unique_key(&self) -> &str {
        self.header("x-lago-unique-key")
    }
}

#[derive(Debug, Default)]
struct ReceiverState {
    received: Vec<ReceivedWebhook>,
    /// Scripted answers per path, used up in order; then 200.
    script: HashMap<String, VecDeque<Answer>>,
}

/// The running receiver; stops when dropped.
#[derive(Debug)]
pub(crate) struct WebhookReceiver {
    address: SocketAddr,
    state: Arc<Mutex<ReceiverState>>,
    arrived: Arc<Notify>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl WebhookReceiver {
    pub(crate) async fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().expect("an address")).await
    }

    /// Starts on `address` (a test restarting a receiver on the port it had).
    pub(crate) async fn start_on(address: SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind(address).await.expect("bind the webhook receiver");
        let address = listener.local_addr().expect("the receiver's address");
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let arrived = Arc::new(Notify::new());
        let router =
            axum::Router::new().fallback(receive).with_state((Arc::clone(&state), Arc::clone(&arrived)));
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("the webhook receiver serves");
        });
        Self { address, state, arrived, server }
    }

    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Scripts the next answers to requests on `path`; later ones get 200.
    pub(crate) fn answer(&self, path: &str, answers: impl IntoIterator<Item = Answer>) {
        let mut state = self.state.lock().expect("receiver state");
        state.script.entry(path.to_owned()).or_default().extend(answers);
    }

    /// Every request on `path` so far, in arrival order.
    pub(crate) fn received(&self, path: &str) -> Vec<ReceivedWebhook> {
        let state = self.state.lock().expect("receiver state");
        state.received.iter().filter(|webhook| webhook.path == path).cloned().collect()
    }

    /// Waits until `path` got at least `count` requests (failing after `timeout`), and answers them.
    pub(crate) async fn wait_for(&self, path: &str, count: usize, timeout: Duration) -> Vec<ReceivedWebhook> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.arrived.notified();
            let received = self.received(path);
            if received.len() >= count {
                return received;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("{path} got {} webhooks, expected {count}: {:#?}", received.len(), received);
            }
        }
    }
}

async fn receive(
    State((state, arrived)): State<(Arc<Mutex<ReceiverState>>, Arc<Notify>)>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), usize::MAX).await.unwrap_or_default();
    let answer = {
        let mut state = state.lock().expect("receiver state");
        state.received.push(ReceivedWebhook { path: path.clone(), headers, body });
        state.script.get_mut(&path).and_then(VecDeque::pop_front).unwrap_or(Answer::Status(200))
    };
    arrived.notify_waiters();
    match answer {
        Answer::Status(status) => status_code(status).into_response(),
        Answer::StatusRetryAfter(status, seconds) => {
            (status_code(status), [("retry-after", seconds.to_string())]).into_response()
        }
        Answer::Hang => std::future::pending().await,
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).expect("a scripted status")
}

/// What a receiver knows to verify deliveries: the public key from `json_public_key`, the
/// organization's HMAC key and the endpoint's Standard Webhooks secret.
#[derive(Debug, Clone)]
pub(crate) struct WebhookVerifier {
    /// `webhook.public_key` of `GET /api/v1/webhooks/json_public_key`: Base64 of a PEM.
    pub(crate) public_key_base64: String,
    pub(crate) hmac_key: String,
    pub(crate) endpoint_secret: String,
    /// The `iss` the JWT must carry.
    pub(crate) issuer: Option<String>,
}

impl WebhookVerifier {
    /// Checks every signature and header of `webhook` against its raw body; panics with the
    /// reason when one does not verify.
    pub(crate) fn verify(&self, webhook: &ReceivedWebhook) {
        assert_eq!(webhook.header("content-type"), "application/json");
        let body = webhook.body_text();
        let unique_key = webhook.unique_key();
        assert!(uuid::Uuid::parse_str(unique_key).is_ok(), "X-Lago-Unique-Key {unique_key}");
        assert_eq!(webhook.header("webhook-id"), unique_key);
        assert!(webhook.header("x-entitlements-revision").parse::<i64>().is_ok());
        let signature = webhook.header("x-lago-signature");
        match webhook.header("x-lago-signature-algorithm") {
            "jwt" => self.verify_jwt(signature, body),
            "hmac" => {
                let mut mac = Hmac::<Sha256>::new_from_slice(self.hmac_key.as_bytes()).expect("an HMAC key");
                mac.update(body.as_bytes());
                assert_eq!(
                    signature,
                    STANDARD.encode(mac.finalize().into_bytes()),
                    "X-Lago-Signature (hmac)"
                );
            }
            other => panic!("unknown X-Lago-Signature-Algorithm {other:?}"),
        }
        self.verify_standard_webhooks(webhook, body);
    }

    fn verify_jwt(&self, token: &str, body: &str) {
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3, "a compact JWS");
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("b64")).expect("json");
        assert_eq!(header, serde_json::json!({"alg": "RS256"}));
        let pem = String::from_utf8(STANDARD.decode(self.public_key_base64.replace('\n', "")).expect("b64"))
            .expect("a PEM");
        let key = rsa::RsaPublicKey::from_public_key_pem(&pem).expect("an RSA public key");
        let signature = Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).expect("b64").as_slice())
            .expect("a signature");
        VerifyingKey::<Sha256>::new(key)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("the JWT's RS256 signature verifies with the public key");
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
        assert_eq!(claims["data"], Value::String(body.to_owned()), "the JWT carries the raw body");
        assert_eq!(claims["iss"], serde_json::json!(self.issuer));
    }

    fn verify_standard_webhooks(&self, webhook: &ReceivedWebhook, body: &str) {
        let timestamp: i64 = webhook.header("webhook-timestamp").parse().expect("webhook-timestamp");
        let now = chrono::Utc::now().timestamp();
        assert!((now - timestamp).abs() < 300, "webhook-timestamp {timestamp} is not recent");
        let secret = self.endpoint_secret.strip_prefix("whsec_").expect("a whsec_ secret");
        let mut mac = Hmac::<Sha256>::new_from_slice(&STANDARD.decode(secret).expect("b64")).expect("a key");
        mac.update(format!("{}.{timestamp}.{body}", webhook.header("webhook-id")).as_bytes());
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        assert!(
            webhook.header("webhook-signature").split(' ').any(|signature| signature == expected),
            "webhook-signature {} does not verify",
            webhook.header("webhook-signature")
        );
    }
}
