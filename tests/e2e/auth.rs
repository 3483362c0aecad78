//! Authentication and tenancy, on REST and gRPC: no key, an unknown key or a malformed header is
//! refused (401 / UNAUTHENTICATED); another organization's objects are indistinguishable from
//! missing ones; the same codes live independently in two organizations. Also the ways an
//! organization comes to exist (the bootstrap key, `admin create-organization`) and gateway-only
//! mode, where the gateway forwards the caller's key to a remote gRPC server.

use std::net::SocketAddr;
use std::time::Duration;

use entitlements::v1 as pb;
use entitlements_domain::{Error, ErrorCode};
use entitlements_server::config::ServeArgs;
use entitlements_server::{Application, ServeConfig, ServerError};
use entitlements_store::{ApiKey, ChangeEvent, Clock};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_stream::StreamExt;
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

use crate::support::{
    API_KEY, Backend, HttpResponse, OTHER_API_KEY, TestApp, assert_body, authorized, authorized_as,
    backend_tests, into_response, not_found, spawn_app_with, unauthorized,
};

const BOOTSTRAP_KEY: &str = "bootstrap-key";

/// `Authorization` values that must not authenticate anyone.
const REFUSED_AUTHORIZATIONS: &[Option<&str>] = &[
    None,
    Some("Bearer wrong-key"),
    Some("Bearer"),
    Some(""),
    // The key without a scheme word: the token is the second word, and there is none.
    Some(API_KEY),
    // Keys are compared exactly.
    Some("Bearer TEST-API-KEY"),
];

/// Sends a request to `base` with the given `Authorization` header value, if any.
async fn send_with_authorization(
    base: SocketAddr,
    authorization: Option<&str>,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> HttpResponse {
    let mut request = reqwest::Client::new().request(method, format!("http://{base}{path}"));
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    into_response(request.send().await.expect("the request reaches the server")).await
}

async fn send_with_key(
    base: SocketAddr,
    key: Option<&str>,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> HttpResponse {
    send_with_authorization(base, key.map(|key| format!("Bearer {key}")).as_deref(), method, path, body).await
}

/// A gRPC request carrying `authorization` metadata with exactly this value, if any.
fn with_authorization<T>(authorization: Option<&str>, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(value) = authorization {
        request.metadata_mut().insert("authorization", value.parse().expect("ascii metadata"));
    }
    request
}

/// The ErrorInfo reason of a status, such as `feature_not_found`.
fn reason(status: &tonic::Status) -> String {
    status.get_error_details().error_info().map(|info| info.reason.clone()).unwrap_or_default()
}

/// `(field, codes)` of a validation error, to compare in one assertion.
fn fields(errors: &entitlements_domain::ValidationErrors) -> Vec<(String, Vec<ErrorCode>)> {
    errors.fields().map(|(field, codes)| (field.to_owned(), codes.to_vec())).collect()
}

fn seats() -> Value {
    json!({"code": "seats", "name": "Seats", "privileges": [
        {"code": "max", "value_type": "integer"},
        {"code": "root", "value_type": "boolean"}
    ]})
}

/// The REST requests of every feature route, each of which would succeed with the right key.
fn feature_requests() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/api/v1/features", None),
        (Method::POST, "/api/v1/features", Some(json!({"feature": {"code": "new"}}))),
        (Method::GET, "/api/v1/features/seats", None),
        (Method::PATCH, "/api/v1/features/seats", Some(json!({"feature": {"name": "renamed"}}))),
        (Method::PUT, "/api/v1/features/seats", Some(json!({"feature": {"name": "renamed"}}))),
        (Method::DELETE, "/api/v1/features/seats/privileges/max", None),
        (Method::DELETE, "/api/v1/features/seats", None),
    ]
}

/// Calls every FeatureService RPC with `authorization` and returns each RPC's status code (`None`
/// when it succeeded).
async fn grpc_codes(app: &TestApp, authorization: Option<&str>) -> Vec<(&'static str, Option<Code>)> {
    let mut client = app.feature_client().await;
    let code = |result: Result<(), tonic::Status>| result.err().map(|status| status.code());
    let create = pb::CreateFeatureRequest {
        feature: Some(pb::FeatureCreateInput { code: "new".to_owned(), ..Default::default() }),
    };
    let update = pb::UpdateFeatureRequest {
        code: "seats".to_owned(),
        feature: Some(pb::FeatureUpdateInput { name: Some("renamed".to_owned()), ..Default::default() }),
        update_mask: None,
    };
    vec![
        (
            "CreateFeature",
            code(client.create_feature(with_authorization(authorization, create)).await.map(drop)),
        ),
        (
            "GetFeature",
            code(
                client
                    .get_feature(with_authorization(
                        authorization,
                        pb::GetFeatureRequest { code: "seats".to_owned() },
                    ))
                    .await
                    .map(drop),
            ),
        ),
        (
            "ListFeatures",
            code(
                client
                    .list_features(with_authorization(authorization, pb::ListFeaturesRequest::default()))
                    .await
                    .map(drop),
            ),
        ),
        (
            "UpdateFeature",
            code(client.update_feature(with_authorization(authorization, update)).await.map(drop)),
        ),
        (
            "DeleteFeaturePrivilege",
            code(
                client
                    .delete_feature_privilege(with_authorization(
                        authorization,
                        pb::DeleteFeaturePrivilegeRequest {
                            feature_code: "seats".to_owned(),
                            privilege_code: "max".to_owned(),
                        },
                    ))
                    .await
                    .map(drop),
            ),
        ),
        (
            "DeleteFeature",
            code(
                client
                    .delete_feature(with_authorization(
                        authorization,
                        pb::DeleteFeatureRequest { code: "seats".to_owned() },
                    ))
                    .await
                    .map(drop),
            ),
        ),
    ]
}

/// Another server in the same test: a second full server on the harness's database, or a
/// gateway-only one.
struct ExtraServer {
    http_address: SocketAddr,
    grpc_address: Option<SocketAddr>,
    shutdown: CancellationToken,
    server: JoinHandle<()>,
}

impl ExtraServer {
    async fn start(config: ServeConfig) -> Self {
        let application = Application::build(config).await.expect("build the application");
        let http_address = application.http_address();
        let grpc_address = application.grpc_address();
        let shutdown = CancellationToken::new();
        let server_shutdown = shutdown.clone();
        let server = tokio::spawn(async move {
            application
                .run_until(server_shutdown.cancelled_owned())
                .await
                .expect("the server runs and stops cleanly");
        });
        Self { http_address, grpc_address, shutdown, server }
    }

    async fn send(
        &self,
        key: Option<&str>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> HttpResponse {
        send_with_key(self.http_address, key, method, path, body).await
    }

    /// Waits, through the gRPC health Watch stream, until the full server reports SERVING.
    async fn wait_until_serving(&self) {
        let address = self.grpc_address.expect("a full server has a grpc listener");
        let channel = Channel::from_shared(format!("http://{address}"))
            .expect("valid uri")
            .connect()
            .await
            .expect("connect to the grpc server");
        let mut stream = HealthClient::new(channel)
            .watch(HealthCheckRequest { service: String::new() })
            .await
            .expect("watch health")
            .into_inner();
        let wait = async {
            while let Some(message) = stream.next().await {
                if message.expect("a health update").status() == ServingStatus::Serving {
                    return;
                }
            }
            panic!("the health stream ended before the server was serving");
        };
        tokio::time::timeout(Duration::from_secs(30), wait).await.expect("the server serves within 30s");
    }

    async fn stop(self) {
        self.shutdown.cancel();
        self.server.await.expect("the server task ends");
    }
}

fn serve_args(grpc_upstream: Option<String>) -> ServeArgs {
    ServeArgs { grpc_upstream, ..crate::support::test_serve_args() }
}

/// Gateway-only settings. The database URL points nowhere usable: this mode must not open it.
fn gateway_only(upstream: String) -> ServeConfig {
    ServeConfig {
        database_url: "sqlite:///nonexistent-dir/never-opened.db".to_owned(),
        args: serve_args(Some(upstream)),
        bootstrap_api_key: None,
        clock: Clock::system(),
    }
}

backend_tests! {
    async fn rest_refuses_missing_unknown_and_malformed_keys(app) {
        let created = app.create_feature(seats()).await;
        for authorization in REFUSED_AUTHORIZATIONS {
            for (method, path, body) in feature_requests() {
                let response =
                    send_with_authorization(app.http_address, *authorization, method.clone(), path, body.as_ref()).await;
                assert_body(&response, 401, &unauthorized(), &format!("{method} {path} with {authorization:?}"));
            }
        }
        // Nothing changed: the feature is as created, and only its creation is in the log.
        let response = app.get("/api/v1/features/seats").await;
        assert_eq!((response.status, &response.body), (200, &created));
        let list = app.get("/api/v1/features").await;
        assert_eq!(list.body["meta"]["total_count"], json!(1), "{}", list.body);
        assert_eq!(app.change_events(API_KEY).await.len(), 1);
    }

    async fn grpc_refuses_missing_unknown_and_malformed_keys(app) {
        app.create_feature(seats()).await;
        for authorization in REFUSED_AUTHORIZATIONS {
            let codes = grpc_codes(&app, *authorization).await;
            let expected: Vec<(&str, Option<Code>)> =
                codes.iter().map(|(rpc, _)| (*rpc, Some(Code::Unauthenticated))).collect();
            assert_eq!(codes, expected, "with {authorization:?}");
        }
        let response = app.get("/api/v1/features/seats").await;
        assert_eq!(response.body["feature"]["privileges"].as_array().map(Vec::len), Some(2), "{}", response.body);
        assert_eq!(app.change_events(API_KEY).await.len(), 1);

        // The right key opens every RPC (the last ones delete what the first ones made).
        let codes = grpc_codes(&app, Some(&format!("Bearer {API_KEY}"))).await;
        assert!(codes.iter().all(|(_, code)| code.is_none()), "{codes:?}");
    }

    async fn another_organizations_feature_is_not_found_on_rest(app) {
        let created = app.create_feature(seats()).await;
        let app_ref = &app;
        let other = move |method: Method, path: &'static str, body: Option<Value>| async move {
            app_ref.send_as(Some(OTHER_API_KEY), method, path, body.as_ref()).await
        };
        let requests = [
            (Method::GET, "/api/v1/features/seats", None),
            (Method::PATCH, "/api/v1/features/seats", Some(json!({"feature": {"name": "stolen"}}))),
            (Method::PUT, "/api/v1/features/seats", Some(json!({"feature": {"name": "stolen"}}))),
            // Lookup before body: a malformed body is still a 404 for someone else's feature.
            (Method::PATCH, "/api/v1/features/seats", Some(json!({}))),
            (Method::DELETE, "/api/v1/features/seats/privileges/max", None),
            (Method::DELETE, "/api/v1/features/seats", None),
        ];
        for (method, path, body) in requests {
            let response = other(method.clone(), path, body).await;
            assert_body(&response, 404, &not_found("feature_not_found"), &format!("{method} {path} as the other organization"));
        }
        let list = other(Method::GET, "/api/v1/features", None).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(list.body["features"], json!([]));
        assert_eq!(list.body["meta"]["total_count"], json!(0));
        let search = other(Method::GET, "/api/v1/features?search_term=seats", None).await;
        assert_eq!(search.body["features"], json!([]), "{}", search.body);

        // The owner's feature is untouched and nothing was logged for either organization.
        let response = app.get("/api/v1/features/seats").await;
        assert_eq!((response.status, &response.body), (200, &created));
        assert_eq!(app.change_events(API_KEY).await.len(), 1);
        assert_eq!(app.change_events(OTHER_API_KEY).await, vec![]);
    }

    async fn another_organizations_feature_is_not_found_on_grpc(app) {
        let created = app.create_feature(seats()).await;
        let mut client = app.feature_client().await;
        let seats_code = || "seats".to_owned();

        let mut failures = Vec::new();
        failures.push(("GetFeature", client.get_feature(authorized_as(OTHER_API_KEY, pb::GetFeatureRequest { code: seats_code() })).await.err()));
        failures.push((
            "UpdateFeature",
            client
                .update_feature(authorized_as(
                    OTHER_API_KEY,
                    pb::UpdateFeatureRequest {
                        code: seats_code(),
                        feature: Some(pb::FeatureUpdateInput {
                            name: Some("stolen".to_owned()),
                            ..Default::default()
                        }),
                        update_mask: None,
                    },
                ))
                .await
                .err(),
        ));
        failures.push((
            "UpdateFeature without a feature",
            client.update_feature(authorized_as(OTHER_API_KEY, pb::UpdateFeatureRequest { code: seats_code(), feature: None, update_mask: None })).await.err(),
        ));
        failures.push((
            "DeleteFeaturePrivilege",
            client
                .delete_feature_privilege(authorized_as(
                    OTHER_API_KEY,
                    pb::DeleteFeaturePrivilegeRequest { feature_code: seats_code(), privilege_code: "max".to_owned() },
                ))
                .await
                .err(),
        ));
        failures.push(("DeleteFeature", client.delete_feature(authorized_as(OTHER_API_KEY, pb::DeleteFeatureRequest { code: seats_code() })).await.err()));
        for (rpc, status) in failures {
            let status = status.unwrap_or_else(|| panic!("{rpc} succeeded on another organization's feature"));
            assert_eq!((status.code(), reason(&status)), (Code::NotFound, "feature_not_found".to_owned()), "{rpc}: {status:?}");
        }
        let list = client
            .list_features(authorized_as(OTHER_API_KEY, pb::ListFeaturesRequest::default()))
            .await
            .expect("list as the other organization")
            .into_inner();
        assert_eq!(list.features, vec![]);
        assert_eq!(list.meta.map(|meta| meta.total_count), Some(0));

        // Still there for its owner, as it was.
        let own = client
            .get_feature(authorized(pb::GetFeatureRequest { code: seats_code() }))
            .await
            .expect("get as the owner")
            .into_inner()
            .feature
            .expect("a feature");
        assert_eq!(own.name.as_deref(), Some("Seats"));
        assert_eq!(own.privileges.iter().map(|privilege| privilege.code.as_str()).collect::<Vec<_>>(), vec!["max", "root"]);
        let response = app.get("/api/v1/features/seats").await;
        assert_eq!((response.status, &response.body), (200, &created));
        assert_eq!(app.change_events(API_KEY).await.len(), 1);
    }

    async fn the_same_codes_live_independently_in_two_organizations(app) {
        let ours = app.create_feature(json!({"code": "seats", "name": "Our seats", "privileges": [
            {"code": "max", "value_type": "integer"}
        ]}))
        .await;
        let response = app
            .send_as(
                Some(OTHER_API_KEY),
                Method::POST,
                "/api/v1/features",
                Some(&json!({"feature": {"code": "seats", "name": "Their seats", "privileges": [
                    {"code": "max", "value_type": "string"},
                    {"code": "provider", "value_type": "select", "config": {"select_options": ["okta"]}}
                ]}})),
            )
            .await;
        assert_eq!(response.status, 200, "the other organization can use the same code: {}", response.body);
        let theirs = response.body;
        assert_eq!(theirs["feature"]["name"], json!("Their seats"));

        let response = app.get("/api/v1/features/seats").await;
        assert_eq!((response.status, &response.body), (200, &ours));
        let response = app.send_as(Some(OTHER_API_KEY), Method::GET, "/api/v1/features/seats", None).await;
        assert_eq!((response.status, &response.body), (200, &theirs));

        // Changing and deleting one organization's feature leaves the other's alone.
        let response = app
            .send_as(
                Some(OTHER_API_KEY),
                Method::PATCH,
                "/api/v1/features/seats",
                Some(&json!({"feature": {"name": "Renamed"}})),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        let response =
            app.send_as(Some(OTHER_API_KEY), Method::DELETE, "/api/v1/features/seats/privileges/max", None).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let response = app.send_as(Some(OTHER_API_KEY), Method::DELETE, "/api/v1/features/seats", None).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let response = app.get("/api/v1/features/seats").await;
        assert_eq!((response.status, &response.body), (200, &ours));
        let list = app.get("/api/v1/features").await;
        assert_eq!(list.body["features"], json!([ours["feature"]]), "{}", list.body);

        // Each organization's log holds only its own changes, numbered on from its setup events.
        let summary = |events: Vec<ChangeEvent>| -> Vec<(i64, String)> {
            events.into_iter().map(|event| (event.sequence, event.event_type)).collect()
        };
        assert_eq!(summary(app.change_events(API_KEY).await), vec![(3, "feature.created".to_owned())]);
        assert_eq!(
            summary(app.change_events(OTHER_API_KEY).await),
            vec![
                (3, "feature.created".to_owned()),
                (4, "feature.updated".to_owned()),
                (5, "feature.updated".to_owned()),
                (6, "feature.deleted".to_owned()),
            ]
        );
    }

    async fn admin_create_organization_prints_a_working_key_once_per_name(app) {
        let key = entitlements_server::admin::create_organization(&app.store, "acme").await.expect("create acme");
        let secret = key.strip_prefix("ent_").unwrap_or_else(|| panic!("the key starts with ent_: {key}"));
        assert_eq!(secret.len(), 64, "256 random bits, hex-encoded: {key}");
        assert!(secret.chars().all(|character| character.is_ascii_hexdigit()), "{key}");

        let response = app.send_as(Some(&key), Method::GET, "/api/v1/features", None).await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.body["features"], json!([]));
        let response = app.send_as(Some(&key), Method::POST, "/api/v1/features", Some(&json!({"feature": {"code": "sso"}}))).await;
        assert_eq!(response.status, 200, "{}", response.body);
        // acme is its own organization: the test organization does not see its feature.
        let response = app.get("/api/v1/features/sso").await;
        assert_body(&response, 404, &not_found("feature_not_found"), "acme's feature as the test organization");
        // The key works on gRPC too.
        let list = app
            .feature_client()
            .await
            .list_features(authorized_as(&key, pb::ListFeaturesRequest::default()))
            .await
            .expect("list as acme")
            .into_inner();
        assert_eq!(list.features.iter().map(|feature| feature.code.as_str()).collect::<Vec<_>>(), vec!["sso"]);

        match entitlements_server::admin::create_organization(&app.store, "acme").await {
            Err(ServerError::Domain(Error::Validation(errors))) => {
                assert_eq!(fields(&errors), vec![("name".to_owned(), vec![ErrorCode::ValueAlreadyExist])]);
            }
            other => panic!("a second acme must fail with a validation error, got {other:?}"),
        }
        // The first key still opens acme.
        let response = app.send_as(Some(&key), Method::GET, "/api/v1/features/sso", None).await;
        assert_eq!(response.status, 200, "{}", response.body);

        // Another name gives another organization, with another key.
        let globex = entitlements_server::admin::create_organization(&app.store, "globex").await.expect("create globex");
        assert_ne!(globex, key);
        let response = app.send_as(Some(&globex), Method::GET, "/api/v1/features", None).await;
        assert_eq!((response.status, &response.body["features"]), (200, &json!([])), "{}", response.body);
    }

    async fn gateway_only_mode_forwards_to_the_grpc_server(app) {
        let gateway = ExtraServer::start(gateway_only(format!("http://{}", app.grpc_address))).await;
        assert_eq!(gateway.grpc_address, None, "gateway-only mode serves no gRPC itself");

        let response = gateway.send(None, Method::GET, "/health", None).await;
        assert_eq!((response.status, &response.body), (200, &json!({"status": "serving"})));

        let response = gateway.send(Some(API_KEY), Method::POST, "/api/v1/features", Some(&json!({"feature": seats()}))).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let created = response.body;
        assert_eq!(created["feature"]["code"], json!("seats"));
        assert_eq!(created["feature"]["privileges"].as_array().map(Vec::len), Some(2), "{created}");
        let response = gateway.send(Some(API_KEY), Method::GET, "/api/v1/features/seats", None).await;
        assert_eq!((response.status, &response.body), (200, &created));
        // It went to the same server and database.
        let response = app.get("/api/v1/features/seats").await;
        assert_eq!((response.status, &response.body), (200, &created));

        // Errors cross the network with everything Lago's envelope needs.
        let response = gateway.send(None, Method::GET, "/api/v1/features", None).await;
        assert_body(&response, 401, &unauthorized(), "no key through the gateway");
        let response = gateway.send(Some("wrong-key"), Method::GET, "/api/v1/features", None).await;
        assert_body(&response, 401, &unauthorized(), "a wrong key through the gateway");
        let response = gateway.send(Some(OTHER_API_KEY), Method::GET, "/api/v1/features/seats", None).await;
        assert_body(&response, 404, &not_found("feature_not_found"), "another organization through the gateway");
        let response = gateway.send(Some(API_KEY), Method::POST, "/api/v1/features", Some(&json!({"feature": {"code": "seats"}}))).await;
        assert_body(
            &response,
            422,
            &json!({"status": 422, "error": "Unprocessable Entity", "code": "validation_errors", "error_details": {"code": ["value_already_exist"]}}),
            "a duplicate through the gateway",
        );
        let response = gateway.send(Some(API_KEY), Method::POST, "/api/v1/features", Some(&json!({}))).await;
        assert_body(
            &response,
            400,
            &json!({"status": 400, "error": "BadRequest: param is missing or the value is empty or invalid: feature"}),
            "a missing root through the gateway",
        );
        let response = gateway.send(Some(API_KEY), Method::GET, "/api/v1/nope", None).await;
        assert_body(&response, 404, &not_found("resource_not_found"), "an unknown route on the gateway");

        gateway.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_only_mode_without_its_upstream_is_unavailable() {
    // A port bound but not listening: connections to it are refused for as long as we hold it.
    let closed = tokio::net::TcpSocket::new_v4().expect("a socket");
    closed.bind("127.0.0.1:0".parse().expect("valid address")).expect("bind a port");
    let closed_address = closed.local_addr().expect("the bound address");
    let gateway = ExtraServer::start(gateway_only(format!("http://{closed_address}"))).await;

    let unavailable = json!({"status": 503, "error": "Service Unavailable"});
    let response = gateway.send(Some(API_KEY), Method::GET, "/api/v1/features", None).await;
    assert_body(&response, 503, &unavailable, "list without an upstream");
    let response = gateway
        .send(Some(API_KEY), Method::POST, "/api/v1/features", Some(&json!({"feature": {"code": "x"}})))
        .await;
    assert_body(&response, 503, &unavailable, "create without an upstream");
    let response = gateway.send(Some(API_KEY), Method::GET, "/api/v1/features/x", None).await;
    assert_body(&response, 503, &unavailable, "get without an upstream");
    let response = gateway.send(None, Method::GET, "/health", None).await;
    assert_eq!((response.status, &response.body), (503, &json!({"status": "not_serving"})));
    // Unknown routes never need the upstream.
    let response = gateway.send(None, Method::GET, "/nope", None).await;
    assert_body(&response, 404, &not_found("resource_not_found"), "an unknown route without an upstream");

    gateway.stop().await;
    drop(closed);
}

/// `ENTITLEMENTS_API_KEY`: the server makes sure an organization `default` opens with that key,
/// and keeps doing so across restarts.
mod bootstrap_api_key {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        scenario(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        scenario(Backend::Postgres).await;
    }

    async fn scenario(backend: Backend) {
        let Some(app) =
            spawn_app_with(backend, |config| config.bootstrap_api_key = Some(BOOTSTRAP_KEY.into())).await
        else {
            assert_eq!(backend, Backend::Postgres, "sqlite is always available");
            return;
        };
        let response = app.send_as(Some(BOOTSTRAP_KEY), Method::GET, "/api/v1/features", None).await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.body["features"], json!([]));
        assert_eq!(response.body["meta"]["total_count"], json!(0));

        // The bootstrap organization is its own: neither it nor the test organization sees the other's features.
        let response = app
            .send_as(
                Some(BOOTSTRAP_KEY),
                Method::POST,
                "/api/v1/features",
                Some(&json!({"feature": {"code": "sso"}})),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        let sso = response.body;
        app.create_feature(json!({"code": "seats"})).await;
        let response = app.send_as(Some(BOOTSTRAP_KEY), Method::GET, "/api/v1/features", None).await;
        assert_eq!(response.body["features"], json!([sso["feature"]]), "{}", response.body);
        let response = app.get("/api/v1/features/sso").await;
        assert_body(&response, 404, &not_found("feature_not_found"), "the bootstrap organization's feature");

        // It is named `default`: that name is taken now, and the failed creation added no key.
        match app.store.create_organization("default", &ApiKey::new("another-key")).await.map_err(Error::from)
        {
            Err(Error::Validation(errors)) => {
                assert_eq!(fields(&errors), vec![("name".to_owned(), vec![ErrorCode::ValueAlreadyExist])]);
            }
            other => panic!("`default` must exist already, got {other:?}"),
        }
        let response = app.send_as(Some("another-key"), Method::GET, "/api/v1/features", None).await;
        assert_body(&response, 401, &unauthorized(), "the key of the failed creation");
        let bootstrap_organization = app
            .store
            .organization_for_api_key(&ApiKey::new(BOOTSTRAP_KEY))
            .await
            .expect("query the organization")
            .expect("the bootstrap key opens an organization");

        // A restart with the same key starts serving and finds the same organization.
        let restarted = ExtraServer::start(ServeConfig {
            database_url: app.database_url.clone(),
            args: serve_args(None),
            bootstrap_api_key: Some(BOOTSTRAP_KEY.to_owned()),
            clock: Clock::system(),
        })
        .await;
        restarted.wait_until_serving().await;
        let response = restarted.send(Some(BOOTSTRAP_KEY), Method::GET, "/api/v1/features/sso", None).await;
        assert_eq!((response.status, &response.body), (200, &sso));
        restarted.stop().await;

        // A restart with a new key gives that key to the same `default` organization.
        let rotated = ExtraServer::start(ServeConfig {
            database_url: app.database_url.clone(),
            args: serve_args(None),
            bootstrap_api_key: Some("rotated-key".to_owned()),
            clock: Clock::system(),
        })
        .await;
        rotated.wait_until_serving().await;
        let response = rotated.send(Some("rotated-key"), Method::GET, "/api/v1/features/sso", None).await;
        assert_eq!((response.status, &response.body), (200, &sso));
        rotated.stop().await;
        let rotated_organization = app
            .store
            .organization_for_api_key(&ApiKey::new("rotated-key"))
            .await
            .expect("query the organization")
            .expect("the rotated key opens an organization");
        assert_eq!(rotated_organization, bootstrap_organization);

        // Each of those changes is in the organization's change log, in order; the restart with the
        // same key changed nothing.
        let log: Vec<(i64, String, String)> = app
            .store
            .change_events(bootstrap_organization, 0, 100)
            .await
            .expect("read the change log")
            .into_iter()
            .map(|event| (event.sequence, event.event_type, event.object_code))
            .collect();
        let entry =
            |sequence: i64, event_type: &str, code: &str| (sequence, event_type.to_owned(), code.to_owned());
        assert_eq!(
            log,
            vec![
                entry(1, "organization.created", "default"),
                entry(2, "api_key.created", ""),
                entry(3, "feature.created", "sso"),
                entry(4, "api_key.created", ""),
            ]
        );
    }
}
