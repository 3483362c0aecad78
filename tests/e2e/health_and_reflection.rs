//! The gRPC health service (and `GET /health`, which mirrors it) through the server's life: SERVING
//! once the database answers, NOT_SERVING while it does not and SERVING again when it is back
//! (without a restart), NOT_SERVING as soon as shutdown starts. And gRPC server reflection, v1 and
//! v1alpha, which needs no API key.
//!
//! The database outage is real on both backends. PostgreSQL: the test database stops accepting
//! connections and its sessions are terminated. SQLite: the file is corrupted in place (header
//! overwritten, WAL emptied) and the WAL index is zeroed so that the server's open connections drop
//! their page caches and read the file again; the saved bytes are written back to end the outage.

use std::collections::BTreeSet;
use std::time::Duration;

use entitlements::v1::{ListFeaturesRequest, feature_service_client::FeatureServiceClient};
use entitlements_server::LIVENESS_SERVICE;
use prost::Message as _;
use prost_types::FileDescriptorProto;
use serde_json::json;
use tokio_stream::StreamExt as _;
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tonic_types::StatusExt as _;

use crate::support::postgres::{PostgresAvailability, PostgresServer};
use crate::support::{Backend, TestApp, authorized, backend_tests};

/// The per-service health name of the FeatureService.
const FEATURE_SERVICE: &str = "entitlements.v1.FeatureService";
/// Every service the gRPC server serves.
const SERVED_SERVICES: [&str; 13] = [
    "entitlements.v1.BillableMetricService",
    "entitlements.v1.CheckService",
    "entitlements.v1.CustomerService",
    "entitlements.v1.EntitlementService",
    "entitlements.v1.FeatureService",
    "entitlements.v1.PlanService",
    "entitlements.v1.SubscriptionService",
    "entitlements.v1.TaxService",
    "entitlements.v1.WatchService",
    "entitlements.v1.WebhookService",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];
/// How long an event (a status change, a shutdown) may take before the test fails.
const EVENT_TIMEOUT: Duration = Duration::from_secs(30);

fn health_request(service: &str) -> HealthCheckRequest {
    HealthCheckRequest { service: service.to_owned() }
}

/// The status `Check` answers for `service`.
async fn check(client: &mut HealthClient<Channel>, service: &str) -> ServingStatus {
    client.check(health_request(service)).await.expect("health check").into_inner().status()
}

/// `GET /health`, without an API key: status and body.
async fn http_health(app: &TestApp) -> (u16, serde_json::Value) {
    let response = app.send_as(None, reqwest::Method::GET, "/health", None).await;
    (response.status, response.body)
}

async fn list_features(client: &mut FeatureServiceClient<Channel>) -> Result<Vec<String>, tonic::Status> {
    let response = client.list_features(authorized(ListFeaturesRequest::default())).await?;
    Ok(response.into_inner().features.into_iter().map(|feature| feature.code).collect())
}

/// A database made unreachable for the running server, until `end`.
enum Outage {
    Postgres { server: &'static PostgresServer, database: String },
    Sqlite(sqlite_outage::SavedDatabase),
}

impl Outage {
    fn begin(app: &TestApp) -> Self {
        match app.backend {
            Backend::Postgres => {
                let PostgresAvailability::Available(server) = PostgresServer::shared() else {
                    panic!("the app runs on PostgreSQL, so PostgreSQL is available");
                };
                let database = database_name(&app.database_url);
                admin_sql(server, &format!("ALTER DATABASE {database} ALLOW_CONNECTIONS false"));
                admin_sql(
                    server,
                    &format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = '{database}' AND pid <> pg_backend_pid()"
                    ),
                );
                Self::Postgres { server, database }
            }
            Backend::Sqlite => {
                Self::Sqlite(sqlite_outage::corrupt(&sqlite_outage::file_of(&app.database_url)))
            }
        }
    }

    fn end(self) {
        match self {
            Self::Postgres { server, database } => {
                admin_sql(server, &format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true"));
            }
            Self::Sqlite(saved) => sqlite_outage::restore(saved),
        }
    }
}

/// Runs SQL on the `postgres` maintenance database (psql is blocking).
fn admin_sql(server: &PostgresServer, sql: &str) {
    tokio::task::block_in_place(|| server.execute_admin_sql("postgres", sql))
        .unwrap_or_else(|error| panic!("admin SQL {sql:?} failed: {error}"));
}

/// The last path segment of a database URL, without its query.
fn database_name(database_url: &str) -> String {
    let without_query = database_url.split('?').next().unwrap_or(database_url);
    let name = without_query.rsplit('/').next().unwrap_or_default();
    assert!(
        !name.is_empty()
            && name.chars().all(|character| character.is_ascii_alphanumeric() || character == '_'),
        "unexpected database name {name:?} in {database_url}"
    );
    name.to_owned()
}

/// Making a SQLite database in WAL mode unreadable, and readable again, for a process that keeps
/// its connections open. Removing or `chmod`ing the file does nothing to open descriptors (and
/// root ignores permissions), and the connections serve reads from their page caches as long as
/// the WAL index (`-shm`) says nothing changed. So the outage overwrites the file in place: the
/// 100-byte header with garbage and the WAL emptied (committed pages live there until a
/// checkpoint), then zeroes the WAL index in place (never truncated: it is memory-mapped). The next
/// read rebuilds the index from the empty WAL, sees a change, drops its cache and finds no database
/// (`SQLITE_NOTADB`). Restoring writes the saved bytes back and zeroes the index again, so every
/// connection rebuilds it from the restored WAL and drops whatever it cached during the outage.
mod sqlite_outage {
    use std::fs::{self, OpenOptions};
    use std::os::unix::fs::FileExt as _;
    use std::path::{Path, PathBuf};

    /// The database's bytes before the outage.
    pub(super) struct SavedDatabase {
        database: PathBuf,
        database_bytes: Vec<u8>,
        wal_bytes: Vec<u8>,
    }

    /// The file of a `sqlite://<path>?mode=rwc` URL.
    pub(super) fn file_of(database_url: &str) -> PathBuf {
        let path = database_url.strip_prefix("sqlite://").expect("a sqlite:// URL");
        PathBuf::from(path.split('?').next().expect("a path"))
    }

    fn sibling(database: &Path, suffix: &str) -> PathBuf {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    }

    fn open_for_writing(path: &Path) -> fs::File {
        OpenOptions::new()
            .write(true)
            .open(path)
            .unwrap_or_else(|error| panic!("open {}: {error}", path.display()))
    }

    /// Overwrites `path` from offset 0 with `bytes`, keeping the inode (and the length when
    /// `bytes` is shorter).
    fn write_in_place(path: &Path, bytes: &[u8]) {
        open_for_writing(path)
            .write_all_at(bytes, 0)
            .unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
    }

    /// Zeroes the WAL index in place, which makes every connection rebuild it from the WAL.
    fn reset_wal_index(database: &Path) {
        let shm = sibling(database, "-shm");
        let length =
            fs::metadata(&shm).unwrap_or_else(|error| panic!("stat {}: {error}", shm.display())).len();
        write_in_place(&shm, &vec![0; usize::try_from(length).expect("a small WAL index")]);
    }

    pub(super) fn corrupt(database: &Path) -> SavedDatabase {
        let wal = sibling(database, "-wal");
        let saved = SavedDatabase {
            database: database.to_owned(),
            database_bytes: fs::read(database).expect("read the database file"),
            wal_bytes: fs::read(&wal).expect("read the WAL (the server runs in WAL mode)"),
        };
        assert!(saved.database_bytes.len() >= 100, "a database file has a 100-byte header");
        write_in_place(database, &[0xA5; 100]);
        open_for_writing(&wal).set_len(0).expect("empty the WAL");
        reset_wal_index(database);
        saved
    }

    pub(super) fn restore(saved: SavedDatabase) {
        write_in_place(&saved.database, &saved.database_bytes);
        write_in_place(&sibling(&saved.database, "-wal"), &saved.wal_bytes);
        reset_wal_index(&saved.database);
    }
}

/// Everything one reflection version answered to a stream of requests.
#[derive(Debug)]
enum Answer {
    Services(BTreeSet<String>),
    Files(Vec<FileDescriptorProto>),
    Error(Code),
}

#[derive(Debug, Clone, Copy)]
enum Ask {
    ListServices,
    FileContainingSymbol(&'static str),
    FileByFilename(&'static str),
}

/// Sends `asks` on one ServerReflectionInfo stream of the given version, and collects the answers.
macro_rules! ask_reflection {
    ($version:ident, $channel:expr, $asks:expr) => {{
        use tonic_reflection::pb::$version::ServerReflectionRequest;
        use tonic_reflection::pb::$version::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::$version::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::$version::server_reflection_response::MessageResponse;

        let asks: Vec<Ask> = $asks;
        let requests: Vec<ServerReflectionRequest> = asks
            .iter()
            .map(|ask| ServerReflectionRequest {
                host: String::new(),
                message_request: Some(match *ask {
                    Ask::ListServices => MessageRequest::ListServices(String::new()),
                    Ask::FileContainingSymbol(symbol) => {
                        MessageRequest::FileContainingSymbol(symbol.to_owned())
                    }
                    Ask::FileByFilename(file) => MessageRequest::FileByFilename(file.to_owned()),
                }),
            })
            .collect();
        let mut client = ServerReflectionClient::new($channel);
        let mut responses = client
            .server_reflection_info(tokio_stream::iter(requests.clone()))
            .await
            .expect("open a reflection stream without an API key")
            .into_inner();
        let mut answers = Vec::new();
        while let Some(response) = responses.next().await {
            // tonic-reflection ends the stream with a status where the protocol has an
            // ErrorResponse; both forms count as an error answer.
            let response = match response {
                Ok(response) => response,
                Err(status) => {
                    answers.push(Answer::Error(status.code()));
                    break;
                }
            };
            answers.push(match response.message_response.expect("a reflection answer") {
                MessageResponse::ListServicesResponse(list) => {
                    Answer::Services(list.service.into_iter().map(|service| service.name).collect())
                }
                MessageResponse::FileDescriptorResponse(files) => Answer::Files(
                    files
                        .file_descriptor_proto
                        .iter()
                        .map(|bytes| {
                            FileDescriptorProto::decode(bytes.as_slice()).expect("a file descriptor")
                        })
                        .collect(),
                ),
                MessageResponse::ErrorResponse(error) => Answer::Error(Code::from_i32(error.error_code)),
                other => panic!("unexpected reflection answer {other:?}"),
            });
        }
        assert_eq!(answers.len(), asks.len(), "one answer per request: {answers:?}");
        answers
    }};
}

fn expect_services(answer: &Answer) -> &BTreeSet<String> {
    match answer {
        Answer::Services(services) => services,
        other => panic!("expected a service list, got {other:?}"),
    }
}

fn expect_one_file(answer: &Answer) -> &FileDescriptorProto {
    match answer {
        Answer::Files(files) if files.len() == 1 => &files[0],
        other => panic!("expected one file descriptor, got {other:?}"),
    }
}

fn method_names(file: &FileDescriptorProto, service: &str) -> BTreeSet<String> {
    let service = file
        .service
        .iter()
        .find(|candidate| candidate.name() == service)
        .unwrap_or_else(|| panic!("no service {service} in {}", file.name()));
    service.method.iter().map(|method| method.name().to_owned()).collect()
}

fn names(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|&name| name.to_owned()).collect()
}

/// The descriptor requests a reflection client (grpcurl, Postman) makes to learn the API.
fn descriptor_asks() -> Vec<Ask> {
    vec![
        Ask::FileContainingSymbol("entitlements.v1.FeatureService"),
        Ask::FileContainingSymbol("grpc.health.v1.Health"),
        Ask::FileByFilename("entitlements/v1/common.proto"),
        Ask::FileByFilename("google/protobuf/timestamp.proto"),
        Ask::FileContainingSymbol("entitlements.v1.PrivilegeValueType"),
        Ask::FileByFilename("google/protobuf/field_mask.proto"),
        // The error details every failure carries.
        Ask::FileContainingSymbol("google.rpc.ErrorInfo"),
        Ask::FileByFilename("google/rpc/status.proto"),
        // The calendar dates of subscriptions, imported by their service's file.
        Ask::FileContainingSymbol("entitlements.v1.SubscriptionService"),
        Ask::FileContainingSymbol("google.type.Date"),
        // Last: tonic-reflection ends the stream after an error.
        Ask::FileContainingSymbol("entitlements.v1.NoSuchService"),
    ]
}

fn assert_descriptor_answers(answers: &[Answer]) {
    let features = expect_one_file(&answers[0]);
    assert_eq!(features.name(), "entitlements/v1/feature_service.proto");
    assert_eq!(features.package(), "entitlements.v1");
    assert_eq!(
        method_names(features, "FeatureService"),
        names(&[
            "CreateFeature",
            "DeleteFeature",
            "DeleteFeaturePrivilege",
            "GetFeature",
            "ListFeatures",
            "UpdateFeature"
        ])
    );
    assert_eq!(
        features.dependency,
        [
            "entitlements/v1/common.proto",
            "google/protobuf/field_mask.proto",
            "google/protobuf/timestamp.proto"
        ]
    );

    let health = expect_one_file(&answers[1]);
    assert_eq!(health.package(), "grpc.health.v1");
    assert!(method_names(health, "Health").is_superset(&names(&["Check", "Watch"])), "{health:?}");

    // Every import of the FeatureService file can be fetched, so a client can build the schema.
    let common = expect_one_file(&answers[2]);
    assert_eq!(common.name(), "entitlements/v1/common.proto");
    assert!(common.message_type.iter().any(|message| message.name() == "PaginationMeta"));
    let timestamp = expect_one_file(&answers[3]);
    assert_eq!(timestamp.name(), "google/protobuf/timestamp.proto");

    // Any symbol of the package leads to its file.
    assert_eq!(expect_one_file(&answers[4]).name(), "entitlements/v1/feature_service.proto");
    let field_mask = expect_one_file(&answers[5]);
    assert!(field_mask.message_type.iter().any(|message| message.name() == "FieldMask"), "{field_mask:?}");

    // A client can decode the error details: ErrorInfo, BadRequest and the Status around them.
    let error_details = expect_one_file(&answers[6]);
    assert_eq!(error_details.name(), "google/rpc/error_details.proto");
    for message in ["ErrorInfo", "BadRequest", "ResourceInfo"] {
        assert!(error_details.message_type.iter().any(|found| found.name() == message), "{message}");
    }
    let status = expect_one_file(&answers[7]);
    assert!(status.message_type.iter().any(|message| message.name() == "Status"), "{status:?}");
    let subscriptions = expect_one_file(&answers[8]);
    assert!(
        subscriptions.dependency.iter().any(|file| file == "google/type/date.proto"),
        "{subscriptions:?}"
    );
    let date = expect_one_file(&answers[9]);
    assert_eq!((date.name(), date.package()), ("google/type/date.proto", "google.type"));
    assert!(matches!(answers[10], Answer::Error(Code::NotFound)), "{:?}", answers[10]);
}

backend_tests! {
    async fn health_reports_serving_for_the_server_and_the_feature_service(app) {
        let mut health = app.health_client().await;
        assert_eq!(check(&mut health, "").await, ServingStatus::Serving);
        assert_eq!(check(&mut health, FEATURE_SERVICE).await, ServingStatus::Serving);

        let unknown = health.check(health_request("entitlements.v1.NoSuchService")).await;
        assert_eq!(unknown.expect_err("an unknown service is not found").code(), Code::NotFound);
        let watch_unknown = health.watch(health_request("no.such.Service")).await;
        assert_eq!(watch_unknown.expect_err("an unknown service cannot be watched").code(), Code::NotFound);

        assert_eq!(http_health(&app).await, (200, json!({"status": "serving"})));
    }

    async fn health_follows_a_database_outage_and_recovers_without_a_restart(app) {
        let mut features = app.feature_client().await;
        app.create_feature(json!({"code": "before_outage"})).await;
        let mut health = app.health_client().await;

        assert_eq!(check(&mut health, LIVENESS_SERVICE).await, ServingStatus::Serving);
        let outage = Outage::begin(&app);
        app.wait_for_health("", ServingStatus::NotServing).await;
        app.wait_for_health(FEATURE_SERVICE, ServingStatus::NotServing).await;
        assert_eq!(check(&mut health, "").await, ServingStatus::NotServing);
        // The process is alive: liveness probes must not restart it for a database outage.
        assert_eq!(check(&mut health, LIVENESS_SERVICE).await, ServingStatus::Serving);
        assert_eq!(check(&mut health, FEATURE_SERVICE).await, ServingStatus::NotServing);
        assert_eq!(http_health(&app).await, (503, json!({"status": "not_serving"})));
        // Requests fail as unavailable, retryable, rather than as internal errors.
        let status = list_features(&mut features).await.expect_err("no listing without a database");
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        let details = status.get_error_details();
        let info = details.error_info().unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
        assert_eq!((info.reason.as_str(), info.domain.as_str()), ("unavailable", "entitlements"));

        outage.end();
        app.wait_for_health("", ServingStatus::Serving).await;
        app.wait_for_health(FEATURE_SERVICE, ServingStatus::Serving).await;
        assert_eq!(check(&mut health, "").await, ServingStatus::Serving);
        assert_eq!(http_health(&app).await, (200, json!({"status": "serving"})));
        // The same server reads and writes again, and nothing was lost.
        app.create_feature(json!({"code": "after_outage"})).await;
        assert_eq!(
            list_features(&mut features).await.expect("list after the outage"),
            ["after_outage", "before_outage"]
        );
    }

    async fn health_goes_not_serving_as_soon_as_shutdown_starts(app) {
        let grpc_address = app.grpc_address;
        let mut health = app.health_client().await;
        let mut overall = health.watch(health_request("")).await.expect("watch the server").into_inner();
        let mut per_service =
            health.watch(health_request(FEATURE_SERVICE)).await.expect("watch the service").into_inner();
        for stream in [&mut overall, &mut per_service] {
            let first = stream.next().await.expect("a first status").expect("a health update");
            assert_eq!(first.status(), ServingStatus::Serving);
        }

        let stopping = tokio::spawn(app.stop());
        for (name, stream) in [("overall", &mut overall), ("per service", &mut per_service)] {
            let next = tokio::time::timeout(EVENT_TIMEOUT, stream.next()).await.unwrap_or_else(|_| {
                panic!("no {name} health update within {EVENT_TIMEOUT:?} of the shutdown")
            });
            // The stream must not end (nor fail) before it said NOT_SERVING.
            let update = next
                .unwrap_or_else(|| panic!("the {name} health stream ended before NOT_SERVING"))
                .unwrap_or_else(|status| {
                    panic!("the {name} health stream failed before NOT_SERVING: {status:?}")
                });
            assert_eq!(update.status(), ServingStatus::NotServing, "{name}");
        }

        // Open streams keep a graceful shutdown waiting: let them go, and the server stops.
        drop((overall, per_service, health));
        tokio::time::timeout(EVENT_TIMEOUT, stopping)
            .await
            .expect("the server stops in time")
            .expect("the server stops cleanly");
        let reconnect =
            Channel::from_shared(format!("http://{grpc_address}")).expect("a valid uri").connect().await;
        assert!(reconnect.is_err(), "the gRPC listener is closed after the shutdown");
    }

    async fn reflection_v1_lists_every_served_service(app) {
        let answers = ask_reflection!(v1, app.grpc_channel().await, vec![Ask::ListServices]);
        assert_eq!(*expect_services(&answers[0]), names(&SERVED_SERVICES));
    }

    async fn reflection_v1alpha_lists_every_served_service(app) {
        let answers = ask_reflection!(v1alpha, app.grpc_channel().await, vec![Ask::ListServices]);
        assert_eq!(*expect_services(&answers[0]), names(&SERVED_SERVICES));
    }

    async fn reflection_v1_serves_the_file_descriptors(app) {
        let answers = ask_reflection!(v1, app.grpc_channel().await, descriptor_asks());
        assert_descriptor_answers(&answers);
    }

    async fn reflection_v1alpha_serves_the_file_descriptors(app) {
        let answers = ask_reflection!(v1alpha, app.grpc_channel().await, descriptor_asks());
        assert_descriptor_answers(&answers);
    }
}

/// The startup probe's contract: a server started while its database refuses connections stays
/// up and NOT_SERVING (but alive), then migrates, creates its bootstrap organization and turns
/// SERVING once the database answers, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_started_before_its_database_serves_once_the_database_answers() {
    let Some(server) = crate::support::postgres::require_postgres_or_skip("starting before the database")
    else {
        return;
    };
    let database_url = tokio::task::block_in_place(|| server.create_database());
    let database = database_name(&database_url);
    admin_sql(server, &format!("ALTER DATABASE {database} ALLOW_CONNECTIONS false"));
    let key = "early-bootstrap-key";
    let args = crate::support::test_serve_args();
    let config = entitlements_server::ServeConfig {
        database_url,
        args,
        bootstrap_api_key: Some(key.to_owned()),
        clock: entitlements_store::Clock::system(),
    };
    let application = entitlements_server::Application::build(config).await.expect("build the application");
    let (grpc_address, http_address) =
        (application.grpc_address().expect("a grpc listener"), application.http_address());
    let shutdown = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(application.run_until(shutdown.clone().cancelled_owned()));

    let channel = Channel::from_shared(format!("http://{grpc_address}"))
        .expect("a valid uri")
        .connect()
        .await
        .expect("connect");
    let mut health = HealthClient::new(channel);
    let mut overall = health.watch(health_request("")).await.expect("watch").into_inner();
    let first = overall.next().await.expect("a first status").expect("a health update");
    assert_eq!(first.status(), ServingStatus::NotServing);
    assert_eq!(check(&mut health, LIVENESS_SERVICE).await, ServingStatus::Serving);
    let http = reqwest::Client::new();
    let features = format!("http://{http_address}/api/v1/features");
    let refused = http.get(&features).bearer_auth(key).send().await.expect("the gateway answers");
    assert_eq!(refused.status().as_u16(), 503, "no answer without a database");

    admin_sql(server, &format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true"));
    let serving = tokio::time::timeout(EVENT_TIMEOUT, async {
        while let Some(update) = overall.next().await {
            if update.expect("a health update").status() == ServingStatus::Serving {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(serving, Ok(true), "SERVING once the database answers");
    let answered = http.get(&features).bearer_auth(key).send().await.expect("the gateway answers");
    assert_eq!(answered.status().as_u16(), 200, "migrated, with the bootstrap organization");
    drop((overall, health));
    shutdown.cancel();
    running.await.expect("the server task ends").expect("the server stops cleanly");
}
