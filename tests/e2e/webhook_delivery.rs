//! Webhook delivery through the outbox, to a real receiver that verifies every signature: the
//! Lago headers (JWT and HMAC), the Standard Webhooks headers and the event's revision; retries of
//! failed attempts with the same bytes; 410 disabling the endpoint; a hanging receiver that holds
//! back only its own deliveries; `Retry-After`; attempts running out; the refusal of private
//! addresses at delivery; and two replicas sharing the deliveries of one PostgreSQL.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::json;

use crate::support::webhook_receiver::{Answer, ReceivedWebhook, WebhookReceiver, WebhookVerifier};
use crate::support::{Backend, TestApp, backend_tests, spawn_app_with};

/// Long enough for any delivery of these tests (retries are 200 ms and 400 ms apart in tests).
const WAIT: Duration = Duration::from_secs(20);

/// An endpoint the organization registered.
#[derive(Debug)]
struct Endpoint {
    id: String,
    secret: String,
}

/// Registers an endpoint for `url` signed with `signature_algo`, receiving `event_types`, through
/// the REST API, and reads its Standard Webhooks secret.
async fn register(app: &TestApp, url: &str, signature_algo: &str, event_types: Option<&[&str]>) -> Endpoint {
    let created = app
        .post(
            "/api/v1/webhook_endpoints",
            &json!({"webhook_endpoint": {
                "webhook_url": url, "signature_algo": signature_algo, "event_types": event_types,
            }}),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.body["webhook_endpoint"]["lago_id"].as_str().expect("a lago_id").to_owned();
    let secret = app.get(&format!("/api/v1/webhook_endpoints/{id}/signing_secret")).await;
    let secret = secret.body["webhook_endpoint"]["signing_secret"].as_str().expect("a secret").to_owned();
    Endpoint { id, secret }
}

/// What a receiver knows, from the API: the public key, the organization's HMAC key, and the
/// endpoint's secret.
async fn verifier(app: &TestApp, endpoint: &Endpoint) -> WebhookVerifier {
    let public_key = app.get("/api/v1/webhooks/json_public_key").await;
    let hmac_key = app.get("/api/v1/webhooks/hmac_key").await;
    WebhookVerifier {
        public_key_base64: public_key.body["webhook"]["public_key"].as_str().expect("a key").to_owned(),
        hmac_key: hmac_key.body["webhook"]["hmac_key"].as_str().expect("an HMAC key").to_owned(),
        endpoint_secret: endpoint.secret.clone(),
        issuer: None,
    }
}

/// An endpoint saved while private networks were allowed (by another replica, or before the
/// operator changed the setting): the API would refuse it now, so the row is inserted directly.
async fn insert_endpoint_saved_while_allowed(app: &TestApp, url: &str) -> Endpoint {
    let id = app.insert_webhook_endpoint(url, None).await;
    Endpoint { id: id.to_string(), secret: String::new() }
}

/// The deliveries of an endpoint as the database has them: (status, attempts, last http status).
async fn delivery_rows(app: &TestApp, endpoint: &Endpoint) -> Vec<(String, i32, Option<i32>)> {
    let connection = Database::connect(&app.database_url).await.expect("connect");
    let backend = connection.get_database_backend();
    let placeholder = if backend == sea_orm::DbBackend::Postgres { "$1" } else { "?" };
    let sql = format!(
        "SELECT status, attempts, last_http_status FROM webhook_deliveries \
         WHERE webhook_endpoint_id = {placeholder} ORDER BY revision"
    );
    let endpoint_id = uuid::Uuid::parse_str(&endpoint.id).expect("a uuid");
    let rows = connection
        .query_all_raw(Statement::from_sql_and_values(backend, sql, [endpoint_id.into()]))
        .await
        .expect("query");
    rows.iter()
        .map(|row| {
            (
                row.try_get("", "status").expect("status"),
                row.try_get("", "attempts").expect("attempts"),
                row.try_get("", "last_http_status").expect("last_http_status"),
            )
        })
        .collect()
}

/// Waits until the endpoint's deliveries satisfy `done`.
async fn wait_for_rows(
    app: &TestApp,
    endpoint: &Endpoint,
    done: impl Fn(&[(String, i32, Option<i32>)]) -> bool,
) {
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = delivery_rows(app, endpoint).await;
        if done(&rows) {
            return;
        }
        assert!(Instant::now() < deadline, "deliveries never settled: {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn create_feature(app: &TestApp, code: &str) -> u64 {
    let response = app
        .http_request(reqwest::Method::POST, "/api/v1/features", Some(&json!({"feature": {"code": code}})))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    response
        .headers()
        .get("x-entitlements-revision")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("a revision header")
}

fn webhook_type(webhook: &ReceivedWebhook) -> String {
    webhook.json()["webhook_type"].as_str().unwrap_or_default().to_owned()
}

backend_tests! {
    async fn every_delivery_verifies_with_both_lago_signatures_and_standard_webhooks(app) {
        let receiver = WebhookReceiver::start().await;
        let jwt = register(&app, &receiver.url("/jwt"), "jwt", None).await;
        let hmac = register(&app, &receiver.url("/hmac"), "hmac", None).await;
        let revision = create_feature(&app, "seats").await;

        let jwt_webhooks = receiver.wait_for("/jwt", 1, WAIT).await;
        let hmac_webhooks = receiver.wait_for("/hmac", 1, WAIT).await;
        verifier(&app, &jwt).await.verify(&jwt_webhooks[0]);
        verifier(&app, &hmac).await.verify(&hmac_webhooks[0]);
        for webhook in [&jwt_webhooks[0], &hmac_webhooks[0]] {
            assert_eq!(webhook_type(webhook), "feature.created");
            assert_eq!(webhook.header("x-entitlements-revision"), revision.to_string());
        }
        assert_eq!(jwt_webhooks[0].header("x-lago-signature-algorithm"), "jwt");
        assert_eq!(hmac_webhooks[0].header("x-lago-signature-algorithm"), "hmac");
        // One event, two deliveries: each has its own unique key, and the same bytes.
        assert_ne!(jwt_webhooks[0].unique_key(), hmac_webhooks[0].unique_key());
        assert_eq!(jwt_webhooks[0].body, hmac_webhooks[0].body);
    }

    async fn an_endpoint_receives_only_its_event_types(app) {
        let receiver = WebhookReceiver::start().await;
        register(&app, &receiver.url("/updates"), "hmac", Some(&["feature.updated"])).await;
        register(&app, &receiver.url("/nothing"), "hmac", Some(&[])).await;
        register(&app, &receiver.url("/all"), "hmac", None).await;
        create_feature(&app, "seats").await;
        let updated = app
            .http_request(reqwest::Method::PUT, "/api/v1/features/seats", Some(&json!({"feature": {"name": "Seats"}})))
            .await;
        assert_eq!(updated.status().as_u16(), 200);

        let all = receiver.wait_for("/all", 2, WAIT).await;
        let types: Vec<String> = all.iter().map(webhook_type).collect();
        assert!(types.contains(&"feature.created".to_owned()) && types.contains(&"feature.updated".to_owned()));
        let updates = receiver.wait_for("/updates", 1, WAIT).await;
        assert_eq!(updates.iter().map(webhook_type).collect::<Vec<_>>(), ["feature.updated"]);
        // Both events were sent before the filtered ones settled; nothing else arrives.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(receiver.received("/updates").len(), 1);
        assert!(receiver.received("/nothing").is_empty());
    }

    async fn a_failed_attempt_is_retried_with_the_same_bytes_and_signature(app) {
        let receiver = WebhookReceiver::start().await;
        receiver.answer("/flaky", [Answer::Status(500)]);
        let endpoint = register(&app, &receiver.url("/flaky"), "hmac", None).await;
        create_feature(&app, "seats").await;

        let webhooks = receiver.wait_for("/flaky", 2, WAIT).await;
        let verifier = verifier(&app, &endpoint).await;
        for webhook in &webhooks {
            verifier.verify(webhook);
        }
        assert_eq!(webhooks[0].body, webhooks[1].body);
        assert_eq!(webhooks[0].unique_key(), webhooks[1].unique_key());
        assert_eq!(webhooks[0].header("x-lago-signature"), webhooks[1].header("x-lago-signature"));
        wait_for_rows(&app, &endpoint, |rows| rows == [("succeeded".to_owned(), 2, Some(200))]).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.received("/flaky").len(), 2, "a succeeded delivery is not sent again");
    }

    async fn attempts_run_out_and_the_delivery_fails(app) {
        let receiver = WebhookReceiver::start().await;
        receiver.answer("/down", [Answer::Status(503), Answer::Status(302), Answer::Status(404)]);
        let endpoint = register(&app, &receiver.url("/down"), "jwt", None).await;
        create_feature(&app, "seats").await;

        // Three attempts in tests (`webhook_max_attempts`), then failed for good.
        wait_for_rows(&app, &endpoint, |rows| rows == [("failed".to_owned(), 3, Some(404))]).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(receiver.received("/down").len(), 3);
    }

    async fn gone_disables_the_endpoint(app) {
        let receiver = WebhookReceiver::start().await;
        receiver.answer("/gone", [Answer::Status(410)]);
        let gone = register(&app, &receiver.url("/gone"), "hmac", None).await;
        let live = register(&app, &receiver.url("/live"), "hmac", None).await;
        create_feature(&app, "seats").await;
        wait_for_rows(&app, &gone, |rows| rows == [("failed".to_owned(), 1, Some(410))]).await;

        // Later events reach only the endpoint still enabled.
        create_feature(&app, "storage").await;
        receiver.wait_for("/live", 2, WAIT).await;
        wait_for_rows(&app, &live, |rows| rows.len() == 2 && rows.iter().all(|row| row.0 == "succeeded")).await;
        assert_eq!(receiver.received("/gone").len(), 1);
        assert_eq!(delivery_rows(&app, &gone).await.len(), 1, "a disabled endpoint gets no new deliveries");
    }

    async fn a_hanging_receiver_holds_back_only_its_own_deliveries(app) {
        let receiver = WebhookReceiver::start().await;
        receiver.answer("/hangs", [Answer::Hang; 8]);
        let hangs = register(&app, &receiver.url("/hangs"), "hmac", None).await;
        register(&app, &receiver.url("/fast"), "hmac", None).await;
        let started = Instant::now();
        for index in 0..6 {
            create_feature(&app, &format!("feature_{index}")).await;
        }
        // The other endpoint gets all six while the first hangs on its own (2 s timeout in tests).
        receiver.wait_for("/fast", 6, WAIT).await;
        assert!(started.elapsed() < Duration::from_millis(1_900), "took {:?}", started.elapsed());
        // The hanging one is retried after its timeout, and finally gets everything.
        wait_for_rows(&app, &hangs, |rows| rows.len() == 6 && rows.iter().all(|row| row.0 == "succeeded")).await;
        let attempts: i32 = delivery_rows(&app, &hangs).await.iter().map(|row| row.1).sum();
        assert!(attempts > 6, "timed-out attempts count: {attempts}");
    }

    async fn retry_after_is_honoured(app) {
        let receiver = WebhookReceiver::start().await;
        receiver.answer("/busy", [Answer::StatusRetryAfter(429, 1)]);
        register(&app, &receiver.url("/busy"), "hmac", None).await;
        let started = Instant::now();
        create_feature(&app, "seats").await;
        receiver.wait_for("/busy", 2, WAIT).await;
        // The schedule says 200 ms; the receiver asked for a second.
        assert!(started.elapsed() >= Duration::from_secs(1), "retried after {:?}", started.elapsed());
    }
}

/// With private networks refused (the default outside tests), a delivery to a loopback address
/// is never sent, even for an endpoint that was saved while they were allowed.
async fn private_addresses_are_refused_at_delivery(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.args.webhooks.webhook_allow_private_networks = false;
    })
    .await
    else {
        return;
    };
    let receiver = WebhookReceiver::start().await;
    let literal = insert_endpoint_saved_while_allowed(&app, &receiver.url("/literal")).await;
    let port = receiver.address().port();
    let named = insert_endpoint_saved_while_allowed(&app, &format!("http://localhost:{port}/named")).await;
    create_feature(&app, "seats").await;
    for endpoint in [&literal, &named] {
        wait_for_rows(&app, endpoint, |rows| rows.first().is_some_and(|row| row.1 >= 1 && row.2.is_none()))
            .await;
    }
    assert!(receiver.received("/literal").is_empty());
    assert!(receiver.received("/named").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_refused_at_delivery_sqlite() {
    private_addresses_are_refused_at_delivery(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_refused_at_delivery_postgres() {
    private_addresses_are_refused_at_delivery(Backend::Postgres).await;
}

/// Two replicas on one PostgreSQL share the outbox: every delivery is sent once, by one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_make_each_attempt_once() {
    let Some(app) = crate::support::spawn_app(Backend::Postgres).await else { return };
    let replica = app.spawn_replica(|_| {}).await;
    let receiver = WebhookReceiver::start().await;
    let endpoint = register(&app, &receiver.url("/shared"), "hmac", None).await;
    let count = 40;
    for index in 0..count {
        let writer = if index % 2 == 0 { &app } else { &replica };
        create_feature(writer, &format!("feature_{index}")).await;
    }
    let webhooks = receiver.wait_for("/shared", count, WAIT).await;
    wait_for_rows(&app, &endpoint, |rows| rows.len() == count && rows.iter().all(|row| row.0 == "succeeded"))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let webhooks_after = receiver.received("/shared");
    let mut keys: Vec<&str> = webhooks_after.iter().map(ReceivedWebhook::unique_key).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), count, "each delivery once: {} requests", webhooks_after.len());
    assert_eq!(webhooks_after.len(), count);
    assert!(webhooks.iter().all(|webhook| webhook.json()["object_type"] == "feature"));
    replica.stop().await;
}

backend_tests! {
    async fn finished_deliveries_are_pruned_after_the_retention_and_due_ones_never(app) {
        let receiver = WebhookReceiver::start().await;
        receiver.answer("/hangs", [Answer::Hang]);
        let delivered = register(&app, &receiver.url("/ok"), "hmac", None).await;
        let in_flight = register(&app, &receiver.url("/hangs"), "hmac", None).await;
        create_feature(&app, "seats").await;
        wait_for_rows(&app, &delivered, |rows| rows == [("succeeded".to_owned(), 1, Some(200))]).await;
        // The other delivery's first attempt hangs (for the 2 s timeout of the tests): still due.
        receiver.wait_for("/hangs", 1, WAIT).await;

        assert_eq!(app.store.prune_webhook_deliveries(Duration::from_secs(3_600)).await.expect("prune"), 0);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(app.store.prune_webhook_deliveries(Duration::ZERO).await.expect("prune"), 1);
        assert!(delivery_rows(&app, &delivered).await.is_empty());
        assert_eq!(delivery_rows(&app, &in_flight).await.len(), 1, "a delivery still due is kept");
    }
}

backend_tests! {
    async fn every_event_type_we_send_arrives_verified_with_the_bytes_of_the_outbox(app) {
        let receiver = WebhookReceiver::start().await;
        let endpoints = [
            ("/jwt", register(&app, &receiver.url("/jwt"), "jwt", None).await),
            ("/hmac", register(&app, &receiver.url("/hmac"), "hmac", None).await),
        ];
        let post = reqwest::Method::POST;
        let writes: Vec<(reqwest::Method, &str, Option<serde_json::Value>)> = vec![
            (post.clone(), "/api/v1/features", Some(json!({"feature": {"code": "seats",
                "privileges": [{"code": "max", "value_type": "integer"}]}}))),
            (reqwest::Method::PUT, "/api/v1/features/seats", Some(json!({"feature": {"name": "Seats"}}))),
            (post.clone(), "/api/v1/billable_metrics", Some(json!({"billable_metric": {
                "name": "Calls", "code": "calls", "aggregation_type": "count_agg"}}))),
            (reqwest::Method::PUT, "/api/v1/billable_metrics/calls", Some(json!({"billable_metric": {"name": "API calls"}}))),
            (post.clone(), "/api/v1/plans", Some(json!({"plan": {"name": "Startup", "code": "startup",
                "interval": "monthly", "amount_cents": 1000, "amount_currency": "USD", "pay_in_advance": false}}))),
            (post.clone(), "/api/v1/plans/startup/entitlements", Some(json!({"entitlements": {"seats": {"max": 3}}}))),
            (post.clone(), "/api/v1/customers", Some(json!({"customer": {"external_id": "acme"}}))),
            (post.clone(), "/api/v1/customers", Some(json!({"customer": {"external_id": "acme", "name": "Acme"}}))),
            (post.clone(), "/api/v1/subscriptions", Some(json!({"subscription": {
                "external_customer_id": "acme", "plan_code": "startup", "external_id": "sub_1"}}))),
            (reqwest::Method::PATCH, "/api/v1/subscriptions/sub_1/entitlements",
                Some(json!({"entitlements": {"seats": {"max": 7}}}))),
            (reqwest::Method::DELETE, "/api/v1/subscriptions/sub_1", None),
            (reqwest::Method::DELETE, "/api/v1/billable_metrics/calls", None),
            (reqwest::Method::DELETE, "/api/v1/plans/startup", None),
            (reqwest::Method::DELETE, "/api/v1/features/seats", None),
        ];
        for (method, path, body) in writes {
            let response = app.send(method, path, body.as_ref()).await;
            assert_eq!(response.status, 200, "{path}: {}", response.body);
        }

        let mut types = std::collections::BTreeSet::new();
        for (path, endpoint) in &endpoints {
            let deliveries = app.webhook_deliveries().await;
            let expected: Vec<_> =
                deliveries.iter().filter(|delivery| delivery.endpoint_id.to_string() == endpoint.id).collect();
            let received = receiver.wait_for(path, expected.len(), WAIT).await;
            let verifier = verifier(&app, endpoint).await;
            for webhook in &received {
                verifier.verify(webhook);
                let stored = expected
                    .iter()
                    .find(|delivery| delivery.id.to_string() == webhook.unique_key())
                    .expect("every delivery comes from the outbox");
                assert_eq!(webhook.body_text(), stored.payload, "the body is the outbox's bytes");
                assert_eq!(webhook.header("x-entitlements-revision"), stored.revision.to_string());
                types.insert(webhook_type(webhook));
            }
        }
        let expected_types: std::collections::BTreeSet<String> = [
            "feature.created", "feature.updated", "feature.deleted", "plan.created", "plan.updated",
            "plan.deleted", "billable_metric.created", "billable_metric.updated", "billable_metric.deleted",
            "customer.created", "customer.updated", "subscription.started", "subscription.updated",
            "subscription.terminated",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        assert_eq!(types, expected_types);
    }
}

/// A receiver that never answers does not hold up a shutdown: the attempt is dropped (its lease
/// expires and it is made again later) instead of being waited for until its timeout.
async fn a_hanging_receiver_does_not_hold_up_shutdown(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.args.webhooks.webhook_timeout_ms = 60_000).await
    else {
        return;
    };
    let receiver = WebhookReceiver::start().await;
    receiver.answer("/hangs", [Answer::Hang]);
    register(&app, &receiver.url("/hangs"), "hmac", None).await;
    create_feature(&app, "seats").await;
    receiver.wait_for("/hangs", 1, WAIT).await;
    let stopping = Instant::now();
    app.stop().await;
    assert!(stopping.elapsed() < Duration::from_secs(10), "the shutdown took {:?}", stopping.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_does_not_hold_up_shutdown_sqlite() {
    a_hanging_receiver_does_not_hold_up_shutdown(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_does_not_hold_up_shutdown_postgres() {
    a_hanging_receiver_does_not_hold_up_shutdown(Backend::Postgres).await;
}

backend_tests! {
    async fn an_outcome_is_recorded_only_under_its_own_lease(app) {
        let receiver = WebhookReceiver::start().await;
        receiver.answer("/hangs", [Answer::Hang]);
        let endpoint = register(&app, &receiver.url("/hangs"), "hmac", None).await;
        create_feature(&app, "seats").await;
        // The server's attempt hangs until its 2 s timeout, under its lease.
        receiver.wait_for("/hangs", 1, WAIT).await;

        // Another dispatcher an hour later finds that lease expired and claims the delivery.
        let later = chrono::Utc::now() + chrono::Duration::hours(1);
        let other = app.store.clone().with_clock(entitlements_store::Clock::manual(later));
        let claimed = other
            .claim_webhook_deliveries(1, 1, &std::collections::HashMap::new(), Duration::from_secs(60))
            .await
            .expect("a claim");
        assert_eq!(claimed.len(), 1);

        // The first attempt times out; its outcome is not recorded over the second claim.
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        assert_eq!(delivery_rows(&app, &endpoint).await, [("pending".to_owned(), 0, None)]);

        other
            .record_webhook_attempt(entitlements_store::DeliveryAttempt {
                delivery_id: claimed[0].id,
                endpoint_id: claimed[0].endpoint.id,
                leased_until: Some(claimed[0].leased_until),
                step: entitlements_domain::webhook::delivery::NextStep::Succeeded,
                http_status: Some(200),
                response: String::new(),
                attempted_at: later,
            })
            .await
            .expect("record the second attempt");
        assert_eq!(delivery_rows(&app, &endpoint).await, [("succeeded".to_owned(), 1, Some(200))]);
    }
}

/// With `--webhook-signing-key-file`, the operator's key signs `jwt` deliveries and is the one the
/// public key routes answer.
async fn the_operators_key_file_signs(backend: Backend) {
    let key = entitlements_domain::webhook::signing::WebhookSigningKey::generate().expect("a key");
    let file = tempfile::NamedTempFile::new().expect("a key file");
    std::fs::write(file.path(), key.private_key_pem()).expect("write the key");
    let path = file.path().to_owned();
    let Some(app) =
        spawn_app_with(backend, |config| config.args.webhooks.webhook_signing_key_file = Some(path)).await
    else {
        return;
    };
    let receiver = WebhookReceiver::start().await;
    let endpoint = register(&app, &receiver.url("/jwt"), "jwt", None).await;
    create_feature(&app, "seats").await;
    let webhooks = receiver.wait_for("/jwt", 1, WAIT).await;
    let verifier = verifier(&app, &endpoint).await;
    let served = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        verifier.public_key_base64.replace('\n', ""),
    )
    .expect("Base64");
    assert_eq!(String::from_utf8(served).expect("a PEM"), key.public_key_pem());
    verifier.verify(&webhooks[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operators_key_file_signs_sqlite() {
    the_operators_key_file_signs(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operators_key_file_signs_postgres() {
    the_operators_key_file_signs(Backend::Postgres).await;
}
