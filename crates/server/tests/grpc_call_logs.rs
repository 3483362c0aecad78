//! The real `entitlements-server` binary logs a gRPC call that the client got wrong (NOT_FOUND,
//! UNAUTHENTICATED, INVALID_ARGUMENT) at DEBUG with its code, never at ERROR: ERROR is kept for
//! faults of the server, for whoever alerts on it.

#[allow(dead_code, reason = "shared by the tests of the binary, not all of which use every helper")]
#[path = "support/server_process.rs"]
mod server_process;

use entitlements::v1::feature_service_client::FeatureServiceClient;
use entitlements::v1::{CreateFeatureRequest, GetFeatureRequest};

use server_process::{ServerProcess, message};

const API_KEY: &str = "grpc-call-logs-key";

#[tokio::test]
async fn client_errors_are_logged_at_debug_with_their_code_and_never_at_error() {
    let dir = tempfile::tempdir().expect("a temp dir for the SQLite database");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("entitlements.db").display());
    let mut server = ServerProcess::spawn_with_env(
        &url,
        API_KEY,
        &[],
        &[("RUST_LOG", "info,entitlements_server::grpc_call_logs=debug")],
    )
    .await;
    server_process::wait_for_bootstrap(&url, API_KEY).await;
    let mut features = FeatureServiceClient::connect(format!("http://{}", server.grpc_address))
        .await
        .expect("connect over gRPC");
    let missing = GetFeatureRequest { code: "missing_feature".to_owned() };
    let not_found = features.get_feature(authorized(missing.clone())).await.expect_err("NOT_FOUND");
    let unauthenticated =
        features.get_feature(tonic::Request::new(missing)).await.expect_err("UNAUTHENTICATED");
    let invalid = features
        .create_feature(authorized(CreateFeatureRequest::default()))
        .await
        .expect_err("INVALID_ARGUMENT: a feature needs a code");
    for (status, expected) in [
        (not_found, tonic::Code::NotFound),
        (unauthenticated, tonic::Code::Unauthenticated),
        (invalid, tonic::Code::InvalidArgument),
    ] {
        assert_eq!(status.code(), expected, "{status:?}");
        let logged = server
            .logs
            .wait_for("the call's log line", |event| {
                message(event) == "call answered with a client error"
                    && event["grpc_code"] == format!("{expected:?}")
            })
            .await;
        assert_eq!(logged["level"], "DEBUG", "{logged}");
    }
    server.terminate();
    server.logs.read_to_end().await;
    let transcript = server.logs.transcript();
    assert!(!transcript.contains(r#""level":"ERROR""#), "no ERROR line: {transcript}");
}

/// `message` with the API key.
fn authorized<Message>(message: Message) -> tonic::Request<Message> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {API_KEY}").parse().expect("ascii"));
    request
}
