//! gRPC-Web on the gRPC listener: a raw HTTP/1.1 gRPC-Web call (framed by hand, so that the test
//! proves the wire format rather than a client library) reaches the services behind the same
//! authentication, and CORS headers appear only for the origins the operator allowed.

use prost::Message as _;
use reqwest::header::HeaderMap;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use entitlements::v1::{GetFeatureRequest, GetFeatureResponse};

use crate::support::{API_KEY, Backend, TestApp, backend_tests, spawn_app_with};

const GET_FEATURE: &str = "/entitlements.v1.FeatureService/GetFeature";
const GRPC_WEB_PROTO: &str = "application/grpc-web+proto";
const ALLOWED_ORIGIN: &str = "https://app.example.com";

/// A gRPC-Web answer taken apart: the HTTP status, its headers, the messages of its data frames
/// and the trailers of its trailer frame.
#[derive(Debug)]
struct GrpcWebAnswer {
    http_status: u16,
    headers: HeaderMap,
    messages: Vec<Vec<u8>>,
    body_trailers: Vec<(String, String)>,
}

impl GrpcWebAnswer {
    /// `grpc-status`: from the trailer frame, or from the headers of a trailers-only answer (what
    /// gRPC sends for an error before any message).
    fn grpc_status(&self) -> Option<String> {
        self.body_trailer("grpc-status").or_else(|| header(&self.headers, "grpc-status"))
    }

    fn body_trailer(&self, name: &str) -> Option<String> {
        self.body_trailers.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
}

/// One length-prefixed gRPC-Web frame: a flag byte (0x00 data, 0x80 trailers), a big-endian u32
/// length, the payload.
fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len()).expect("a small test message");
    let mut framed = vec![flag];
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(payload);
    framed
}

/// Splits a gRPC-Web body into its data messages and the lines of its trailer frame.
fn split_frames(mut body: &[u8]) -> (Vec<Vec<u8>>, Vec<(String, String)>) {
    let (mut messages, mut trailers) = (Vec::new(), Vec::new());
    while let [flag, l0, l1, l2, l3, rest @ ..] = body {
        let length = usize::try_from(u32::from_be_bytes([*l0, *l1, *l2, *l3])).expect("a usize length");
        assert!(rest.len() >= length, "a truncated gRPC-Web frame in {body:?}");
        let (payload, next) = rest.split_at(length);
        if flag & 0x80 == 0 {
            messages.push(payload.to_vec());
        } else {
            let text = String::from_utf8(payload.to_vec()).expect("trailers are text");
            for line in text.split("\r\n").filter(|line| !line.is_empty()) {
                let (key, value) = line.split_once(':').expect("a `key: value` trailer");
                trailers.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        body = next;
    }
    assert!(body.is_empty(), "trailing bytes after the last gRPC-Web frame: {body:?}");
    (messages, trailers)
}

/// POSTs one gRPC-Web call over HTTP/1.1 to the gRPC listener.
async fn grpc_web_call(
    app: &TestApp,
    path: &str,
    api_key: Option<&str>,
    origin: Option<&str>,
    message: &impl prost::Message,
) -> GrpcWebAnswer {
    let client = reqwest::Client::builder().http1_only().build().expect("an HTTP/1.1 client");
    let mut request = client
        .post(format!("http://{}{path}", app.grpc_address))
        .header("content-type", GRPC_WEB_PROTO)
        .header("x-grpc-web", "1")
        .body(frame(0x00, &message.encode_to_vec()));
    if let Some(key) = api_key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.expect("the gRPC listener answers HTTP/1.1");
    let (http_status, headers) = (response.status().as_u16(), response.headers().clone());
    let body = response.bytes().await.expect("read the gRPC-Web body");
    let (messages, body_trailers) = split_frames(&body);
    GrpcWebAnswer { http_status, headers, messages, body_trailers }
}

/// Reads one HTTP/1.1 answer without a body (`content-length: 0`, as a trailers-only gRPC-Web
/// error is), up to its blank line.
async fn read_http1_head(connection: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0_u8; 1];
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), connection.read(&mut byte))
            .await
            .expect("an answer within 5 s")
            .unwrap_or_else(|error| {
                panic!("read the answer after {:?}: {error}", String::from_utf8_lossy(&head))
            });
        assert_eq!(read, 1, "the connection closed after {:?}", String::from_utf8_lossy(&head));
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("an ASCII head").to_ascii_lowercase();
    assert!(head.contains("content-length: 0"), "a trailers-only answer: {head}");
    head
}

/// A browser's CORS preflight for a gRPC-Web call from `origin`.
async fn preflight(app: &TestApp, origin: &str) -> (u16, HeaderMap) {
    let response = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("http://{}{GET_FEATURE}", app.grpc_address))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type,x-grpc-web")
        .send()
        .await
        .expect("the gRPC listener answers a preflight");
    (response.status().as_u16(), response.headers().clone())
}

fn cors_headers(headers: &HeaderMap) -> Vec<String> {
    headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

async fn spawn_app_allowing(backend: Backend, origins: &str) -> Option<TestApp> {
    let origins = origins.parse().expect("valid origins");
    spawn_app_with(backend, |config| config.args.grpc_web_cors_allowed_origins = origins).await
}

backend_tests! {
    async fn a_grpc_web_call_over_http1_reaches_the_service(app) {
        app.create_feature(json!({"code": "seats", "name": "Seats"})).await;
        let answer =
            grpc_web_call(&app, GET_FEATURE, Some(API_KEY), None, &GetFeatureRequest { code: "seats".into() })
                .await;
        assert_eq!(answer.http_status, 200, "{answer:?}");
        assert_eq!(header(&answer.headers, "content-type").as_deref(), Some(GRPC_WEB_PROTO));
        // The status travels in the trailer frame at the end of the body, as gRPC-Web says.
        assert_eq!(answer.body_trailer("grpc-status").as_deref(), Some("0"), "{answer:?}");
        let [message] = answer.messages.as_slice() else { panic!("one message: {answer:?}") };
        let feature = GetFeatureResponse::decode(message.as_slice()).expect("a GetFeatureResponse").feature;
        let feature = feature.expect("the feature");
        assert_eq!((feature.code.as_str(), feature.name.as_deref()), ("seats", Some("Seats")));
    }

    async fn a_grpc_web_call_needs_the_api_key_and_reports_errors_as_grpc_statuses(app) {
        let request = GetFeatureRequest { code: "missing".into() };
        let unauthenticated = grpc_web_call(&app, GET_FEATURE, None, None, &request).await;
        assert_eq!(unauthenticated.http_status, 200, "{unauthenticated:?}");
        assert_eq!(unauthenticated.grpc_status().as_deref(), Some("16"), "{unauthenticated:?}");
        let not_found = grpc_web_call(&app, GET_FEATURE, Some(API_KEY), None, &request).await;
        assert_eq!(not_found.grpc_status().as_deref(), Some("5"), "{not_found:?}");
        assert!(not_found.messages.is_empty(), "{not_found:?}");
    }

    async fn a_rejected_http1_call_whose_body_comes_late_keeps_the_connection(app) {
        // Node's HTTP/1.1 client writes the headers, then the body. An answer given before the
        // body is read (a wrong API key) must not close the connection under the client's feet:
        // two such calls on one connection both get their UNAUTHENTICATED.
        let mut connection =
            tokio::net::TcpStream::connect(app.grpc_address).await.expect("connect to the gRPC listener");
        let body = frame(0x00, &GetFeatureRequest { code: "seats".into() }.encode_to_vec());
        for attempt in 1..=2 {
            let head = format!(
                "POST {GET_FEATURE} HTTP/1.1\r\nhost: {}\r\ncontent-type: {GRPC_WEB_PROTO}\r\n\
                 authorization: Bearer not-a-key\r\ncontent-length: {}\r\n\r\n",
                app.grpc_address,
                body.len()
            );
            connection
                .write_all(head.as_bytes())
                .await
                .unwrap_or_else(|error| panic!("call {attempt}: write the headers: {error}"));
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            connection.write_all(&body).await.unwrap_or_else(|error| panic!("call {attempt}: write the body: {error}"));
            let answer = read_http1_head(&mut connection).await;
            assert!(answer.starts_with("http/1.1 200"), "call {attempt}: {answer}");
            assert!(answer.contains("grpc-status: 16"), "call {attempt}: {answer}");
        }
    }

    async fn without_allowed_origins_no_cors_header_is_sent(app) {
        let (_, preflight_headers) = preflight(&app, ALLOWED_ORIGIN).await;
        assert_eq!(cors_headers(&preflight_headers), Vec::<String>::new(), "{preflight_headers:?}");
        // The call itself still works (a non-browser client sends no preflight), without CORS.
        let request = GetFeatureRequest { code: "missing".into() };
        let answer = grpc_web_call(&app, GET_FEATURE, Some(API_KEY), Some(ALLOWED_ORIGIN), &request).await;
        assert_eq!(answer.grpc_status().as_deref(), Some("5"), "{answer:?}");
        assert_eq!(cors_headers(&answer.headers), Vec::<String>::new(), "{answer:?}");
    }
}

/// Declares a scenario that needs its own server settings on both databases.
macro_rules! on_both_backends {
    ($(async fn $name:ident($backend:ident) $body:block)*) => {
        $(
            mod $name {
                use super::*;

                async fn scenario($backend: Backend) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    scenario(Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    scenario(Backend::Postgres).await;
                }
            }
        )*
    };
}

on_both_backends! {
    async fn an_allowed_origin_passes_the_preflight_and_reads_the_grpc_headers(backend) {
        let Some(app) = spawn_app_allowing(backend, &format!("{ALLOWED_ORIGIN}, http://localhost:5173")).await
        else {
            return;
        };
        let (status, headers) = preflight(&app, ALLOWED_ORIGIN).await;
        assert_eq!(status, 200, "{headers:?}");
        assert_eq!(header(&headers, "access-control-allow-origin").as_deref(), Some(ALLOWED_ORIGIN));
        assert_eq!(header(&headers, "access-control-allow-methods").as_deref(), Some("POST"));
        let allowed_headers = header(&headers, "access-control-allow-headers").unwrap_or_default();
        for needed in ["authorization", "content-type", "x-grpc-web"] {
            assert!(allowed_headers.contains(needed), "{needed} in {allowed_headers:?}");
        }

        let request = GetFeatureRequest { code: "missing".into() };
        let answer = grpc_web_call(&app, GET_FEATURE, Some(API_KEY), Some(ALLOWED_ORIGIN), &request).await;
        assert_eq!(answer.grpc_status().as_deref(), Some("5"), "{answer:?}");
        assert_eq!(header(&answer.headers, "access-control-allow-origin").as_deref(), Some(ALLOWED_ORIGIN));
        let exposed = header(&answer.headers, "access-control-expose-headers").unwrap_or_default();
        for needed in ["grpc-status", "grpc-message", "grpc-status-details-bin"] {
            assert!(exposed.contains(needed), "{needed} in {exposed:?}");
        }

        // Another origin gets no permission.
        let (_, other) = preflight(&app, "https://elsewhere.example").await;
        assert_eq!(header(&other, "access-control-allow-origin"), None, "{other:?}");
        app.stop().await;
    }

    async fn a_star_allows_any_origin(backend) {
        let Some(app) = spawn_app_allowing(backend, "*").await else {
            return;
        };
        let (status, headers) = preflight(&app, "https://anywhere.example").await;
        assert_eq!(status, 200, "{headers:?}");
        assert_eq!(header(&headers, "access-control-allow-origin").as_deref(), Some("*"));
        app.stop().await;
    }
}
