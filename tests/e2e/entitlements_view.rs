//! The in-memory entitlements view in the server: reads answered from memory (no statement once
//! the view is loaded), a write visible to the next read on the same replica without any header,
//! and a write on one replica reaching another replica's view through LISTEN/NOTIFY (the other
//! replica polls only once a minute), at once when the read names the write's revision.

use std::time::{Duration, Instant};

use entitlements_domain::{EnumInput, SubscriptionSelector};
use entitlements_engine::{EntitlementsView, ReadAt, ReadSource};
use entitlements_server::ServeConfig;
use entitlements_store::{ApiKey, Store};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::check_grpc::seed;
use crate::support::{API_KEY, Backend, TestApp, backend_tests, spawn_app_with};

/// The value of `seats.max` that `sub_1` is entitled to, read over REST with an optional
/// minimum revision.
async fn seats_max(app: &TestApp, min_revision: Option<u64>) -> Value {
    let mut request = reqwest::Client::new()
        .get(app.url("/api/v1/subscriptions/sub_1/entitlements"))
        .header("Authorization", format!("Bearer {API_KEY}"));
    if let Some(min_revision) = min_revision {
        request = request.header("x-entitlements-min-revision", min_revision);
    }
    let response = request.send().await.expect("the read reaches the server");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("a JSON body");
    let entitlements = body["entitlements"].as_array().cloned().unwrap_or_default();
    let seats = entitlements.iter().find(|entitlement| entitlement["code"] == "seats").cloned();
    let privileges = seats.map(|seats| seats["privileges"].clone()).unwrap_or_default();
    let max = privileges.as_array().and_then(|privileges| {
        privileges.iter().find(|privilege| privilege["code"] == "max").map(|max| max["value"].clone())
    });
    max.unwrap_or_default()
}

/// Overrides `seats.max` of `sub_1` on `app`; answers the write's revision.
async fn set_seats_max(app: &TestApp, max: u64) -> u64 {
    let response = reqwest::Client::new()
        .patch(app.url("/api/v1/subscriptions/sub_1/entitlements"))
        .header("Authorization", format!("Bearer {API_KEY}"))
        .json(&json!({"entitlements": {"seats": {"max": max}}}))
        .send()
        .await
        .expect("the write reaches the server");
    assert_eq!(response.status(), 200);
    response
        .headers()
        .get("x-entitlements-revision")
        .and_then(|value| value.to_str().ok()?.parse().ok())
        .expect("the write names its revision")
}

backend_tests! {
    async fn reads_are_answered_from_memory(app) {
        seed(&app).await;
        let (store, counter) =
            Store::connect(&app.database_url).await.expect("connect a counting store").with_statement_counter();
        let view = EntitlementsView::new(store.clone());
        let shutdown = CancellationToken::new();
        // Nothing signals this store and it polls once an hour: once loaded, the view is left alone.
        let follower = {
            let (view, shutdown) = (view.clone(), shutdown.clone());
            tokio::spawn(async move { view.follow(Duration::from_secs(3600), shutdown).await })
        };
        view.until_ready().await;
        let organization_id = app.organization_id().await;
        let selectors: Vec<SubscriptionSelector> = ["sub_1", "sub_old", "sub_future", "nobody"]
            .into_iter()
            .map(|external_id| SubscriptionSelector::new(external_id.to_owned(), EnumInput::Null))
            .collect();
        let at = ReadAt { min_revision: 0, wait: Duration::from_millis(250), source: ReadSource::View };
        // Grants of the features seeded (and of one that does not exist), as the database reads them.
        let every_feature = vec!["seats", "sso", "audit", "beta", "nothing"];
        let feature_codes = vec![every_feature; selectors.len()];
        let before = counter.count();
        for _ in 0..20 {
            let snapshot = view
                .check_snapshot(organization_id, &selectors, &feature_codes, at)
                .await
                .expect("a snapshot");
            assert_eq!(snapshot.subscriptions.len(), selectors.len());
            let entitlements = view
                .subscription_entitlements(organization_id, &selectors[0], at)
                .await
                .expect("sub_1's entitlements");
            assert!(!entitlements.is_empty());
            assert_eq!(view.organization_for_api_key(&ApiKey::new(API_KEY)), Some(organization_id));
        }
        assert_eq!(counter.count(), before, "reads of a loaded view send no statement");
        // The same answers as the database path.
        let from_database = store.check_snapshot(organization_id, &selectors).await.expect("a snapshot");
        let from_view =
            view.check_snapshot(organization_id, &selectors, &feature_codes, at).await.expect("a snapshot");
        assert_eq!(from_view, from_database);
        shutdown.cancel();
        follower.await.expect("the follower stops");
    }

    async fn a_write_is_visible_to_the_next_read_on_the_same_replica(app) {
        seed(&app).await;
        for max in 100..140 {
            set_seats_max(&app, max).await;
            assert_eq!(seats_max(&app, None).await, json!(max), "read right after the write");
        }
    }
}

/// A replica's settings: it polls the database once a minute, so that only a notification can
/// bring another replica's write in sooner.
fn rarely_polling(config: &mut ServeConfig) {
    config.args.change_log.view_poll_interval_ms = 60_000;
}

/// Two servers on one PostgreSQL database: a write on A reaches B's view without any header
/// (through LISTEN/NOTIFY), and at once with the write's revision as `x-entitlements-min-revision`.
/// The latency from A's answer until B reads the new value is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_replica_reaches_the_view_of_another() {
    let Some(replica_a) = spawn_app_with(Backend::Postgres, rarely_polling).await else { return };
    let replica_b = replica_a.spawn_replica(rarely_polling).await;
    seed(&replica_a).await;
    const WRITES: u64 = 40;
    let mut latencies = Vec::new();
    for max in 1000..1000 + WRITES {
        set_seats_max(&replica_a, max).await;
        let written = Instant::now();
        loop {
            if seats_max(&replica_b, None).await == json!(max) {
                break;
            }
            assert!(written.elapsed() < Duration::from_secs(10), "write {max} never reached replica B");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        latencies.push(written.elapsed());
        // With the write's revision, B answers it on the first read.
        let revision = set_seats_max(&replica_a, max + 10_000).await;
        assert_eq!(seats_max(&replica_b, Some(revision)).await, json!(max + 10_000));
    }
    latencies.sort();
    let at = |quantile: usize| latencies[(latencies.len() * quantile / 100).min(latencies.len() - 1)];
    println!(
        "a write on A visible on B without a header ({WRITES} writes): p50 {:?}, p99 {:?}, max {:?}",
        at(50),
        at(99),
        latencies[latencies.len() - 1]
    );
    replica_b.stop().await;
    replica_a.stop().await;
}

backend_tests! {
    async fn an_image_read_in_tiny_pages_is_the_image(app) {
        seed(&app).await;
        // Chains of several subscriptions (an upgrade, a termination and a new start) among lone
        // ones, so that page boundaries fall inside chains and between them.
        for index in 0..7 {
            let subscription = json!({"subscription": {
                "external_customer_id": format!("cust_{index}"), "plan_code": "startup",
                "external_id": format!("page_{index}")
            }});
            assert_eq!(app.post("/api/v1/subscriptions", &subscription).await.status, 200);
        }
        assert_eq!(app.delete("/api/v1/subscriptions/page_3").await.status, 200);
        let restart = json!({"subscription": {
            "external_customer_id": "cust_3", "plan_code": "startup", "external_id": "page_3"
        }});
        assert_eq!(app.post("/api/v1/subscriptions", &restart).await.status, 200);
        let organization_id = app.organization_id().await;
        let whole = app.store.organization_image(organization_id).await.expect("the image");
        for page in [1, 2, 3, 5] {
            let paged = app.store.organization_image_in_pages(organization_id, page).await.expect("an image");
            assert_eq!(paged.chains, whole.chains, "subscriptions read {page} at a time");
            assert_eq!(paged.revision, whole.revision);
        }
        assert_eq!(whole.chains.get("page_3").map(|chain| chain.subscription_ids().count()), Some(2));
        assert_eq!(whole.chains.len(), 3 + 7, "sub_1, sub_old, sub_future and the seven");
    }
}
