//! `entitlements.v1.WatchService/Watch` over gRPC: resuming exactly after a revision, live events,
//! filters, checkpoints on a quiet stream, expiry after pruning, authentication, shutdown, and on
//! PostgreSQL a write on one replica reaching a stream on another (with the latency printed).
//!
//! Every server here polls the log only once a minute, so an event that arrives promptly was
//! delivered by a change signal (in-process, or LISTEN/NOTIFY between replicas), not by polling.

use std::time::{Duration, Instant};

use entitlements::v1::watch_service_client::WatchServiceClient;
use entitlements::v1::{WatchRequest, WatchResponse, watch_response};
use entitlements_server::ServeConfig;
use entitlements_store::Clock;
use serde_json::json;
use tonic::{Code, Status, Streaming};

use crate::support::conformance::{assert_error_info, assert_unauthenticated, assert_violations};
use crate::support::{API_KEY, Backend, OTHER_API_KEY, TestApp, authorized_as, spawn_app_with};

/// Where the manual clock of these servers starts.
const START: &str = "2026-06-20T10:00:00Z";
/// How long a stream stays quiet before it checkpoints, here.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);
/// The longest any message is awaited.
const MESSAGE_DEADLINE: Duration = Duration::from_secs(10);

/// The settings of every server in these scenarios: a manual clock, quick checkpoints, polling
/// out of the way, events kept an hour (of the manual clock) and pruned every 50 ms.
fn watch_settings(config: &mut ServeConfig) {
    config.clock = Clock::manual(START.parse().expect("an RFC 3339 instant"));
    let change_log = &mut config.args.change_log;
    change_log.watch_checkpoint_interval_ms = 200;
    change_log.watch_poll_interval_ms = 60_000;
    change_log.change_log_retention_hours = 1;
    change_log.change_log_prune_interval_ms = 50;
}

/// Like `backend_tests!`, on servers with [`watch_settings`].
macro_rules! watch_tests {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let $app = spawn_app_with(Backend::Sqlite, watch_settings)
                        .await
                        .expect("sqlite is always available");
                    $body
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some($app) = spawn_app_with(Backend::Postgres, watch_settings).await {
                        $body
                    }
                }
            }
        )*
    };
}

/// A message of the stream, reduced to what the scenarios compare.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Received {
    /// `(revision, event_type, object_code)`.
    Event(u64, String, String),
    Checkpoint(u64),
}

fn event(revision: u64, event_type: &str, object_code: &str) -> Received {
    Received::Event(revision, event_type.to_owned(), object_code.to_owned())
}

fn received(message: WatchResponse) -> Received {
    match message.kind.expect("a message has a kind") {
        watch_response::Kind::Event(event) => {
            assert!(event.created_at.is_some(), "an event has its time: {event:?}");
            uuid::Uuid::parse_str(&event.object_id).expect("object ids are UUIDs");
            Received::Event(event.revision, event.event_type, event.object_code)
        }
        watch_response::Kind::Checkpoint(checkpoint) => {
            assert!(checkpoint.at.is_some(), "a checkpoint has its time: {checkpoint:?}");
            Received::Checkpoint(checkpoint.revision)
        }
    }
}

fn request(after_revision: Option<u64>) -> WatchRequest {
    WatchRequest { after_revision, event_types: vec![], subscription_external_ids: vec![] }
}

async fn watch_as(
    app: &TestApp,
    key: &str,
    request: WatchRequest,
) -> Result<Streaming<WatchResponse>, Status> {
    let mut client = WatchServiceClient::new(app.grpc_channel().await);
    client.watch(authorized_as(key, request)).await.map(tonic::Response::into_inner)
}

async fn watch(app: &TestApp, request: WatchRequest) -> Streaming<WatchResponse> {
    watch_as(app, API_KEY, request).await.expect("the stream opens")
}

/// The stream's next message, or its end status.
async fn next(stream: &mut Streaming<WatchResponse>) -> Result<Received, Status> {
    let message = tokio::time::timeout(MESSAGE_DEADLINE, stream.message())
        .await
        .unwrap_or_else(|_| panic!("no message within {MESSAGE_DEADLINE:?}"))?;
    Ok(received(message.expect("the stream goes on")))
}

/// The stream's next event, skipping checkpoints, or its end status.
async fn next_event(stream: &mut Streaming<WatchResponse>) -> Result<Received, Status> {
    loop {
        let message = next(stream).await?;
        if matches!(message, Received::Event(..)) {
            return Ok(message);
        }
    }
}

/// Messages up to and including the first checkpoint at `revision` or later.
async fn until_checkpoint(stream: &mut Streaming<WatchResponse>, revision: u64) -> Vec<Received> {
    let mut messages = Vec::new();
    loop {
        let message = next(stream).await.expect("a message");
        let done = matches!(message, Received::Checkpoint(reached) if reached >= revision);
        messages.push(message);
        if done {
            return messages;
        }
    }
}

/// The events among `messages`, checkpoints left out.
fn events_of(messages: &[Received]) -> Vec<Received> {
    messages.iter().filter(|message| matches!(message, Received::Event(..))).cloned().collect()
}

async fn latest_revision(app: &TestApp, key: &str) -> u64 {
    let organization_id = app
        .store
        .organization_for_api_key(&entitlements_store::ApiKey::new(key))
        .await
        .expect("query the organization")
        .expect("the organization exists");
    let latest = app.store.latest_revision(organization_id).await.expect("the revision");
    u64::try_from(latest).expect("revisions are positive")
}

async fn create_feature_as(app: &TestApp, key: &str, code: &str) {
    let body = json!({"feature": {"code": code}});
    let response = app.send_as(Some(key), reqwest::Method::POST, "/api/v1/features", Some(&body)).await;
    assert_eq!(response.status, 200, "create feature {code}: {}", response.body);
}

watch_tests! {
    async fn resumes_exactly_after_a_revision(app) {
        for code in ["seats", "sso", "storage"] {
            create_feature_as(&app, API_KEY, code).await;
        }
        let mut from_three = watch(&app, request(Some(3))).await;
        assert_eq!(
            until_checkpoint(&mut from_three, 5).await,
            [event(4, "feature.created", "sso"), event(5, "feature.created", "storage"), Received::Checkpoint(5)]
        );
        let mut from_start = watch(&app, request(Some(0))).await;
        let everything = until_checkpoint(&mut from_start, 5).await;
        let revisions: Vec<u64> = events_of(&everything)
            .iter()
            .map(|message| match message {
                Received::Event(revision, ..) => *revision,
                Received::Checkpoint(_) => unreachable!("events only"),
            })
            .collect();
        assert_eq!(revisions, [1, 2, 3, 4, 5], "every revision once, in order: {everything:?}");
        assert_eq!(everything[0], event(1, "organization.created", "test"));
        assert_eq!(everything.last(), Some(&Received::Checkpoint(5)));
        // Resuming at the latest revision waits for the next one.
        let mut from_five = watch(&app, request(Some(5))).await;
        assert_eq!(next(&mut from_five).await.expect("a checkpoint"), Received::Checkpoint(5));
        create_feature_as(&app, API_KEY, "api_calls").await;
        assert_eq!(next_event(&mut from_five).await.expect("the event"), event(6, "feature.created", "api_calls"));
        assert_eq!(next_event(&mut from_three).await.expect("the event"), event(6, "feature.created", "api_calls"));
    }

    async fn streams_new_events_as_they_commit(app) {
        let mut stream = watch(&app, request(None)).await;
        assert_eq!(next(&mut stream).await.expect("the first checkpoint"), Received::Checkpoint(2));
        let mut latencies = Vec::new();
        for (index, code) in ["a", "b", "c", "d", "e"].into_iter().enumerate() {
            let written = Instant::now();
            create_feature_as(&app, API_KEY, code).await;
            let revision = 3 + u64::try_from(index).expect("a small index");
            assert_eq!(next_event(&mut stream).await.expect("the event"), event(revision, "feature.created", code));
            latencies.push(written.elapsed());
        }
        let slowest = latencies.iter().max().copied().unwrap_or_default();
        println!("watch on one server ({:?}): write to event, slowest of 5: {slowest:?}", app.backend);
        // Polling is once a minute here: only the commit's signal can have been this fast.
        assert!(slowest < Duration::from_secs(5), "{latencies:?}");
    }

    async fn filters_by_event_type_and_subscription(app) {
        let latest = latest_revision(&app, API_KEY).await;
        let by_type = WatchRequest { event_types: vec!["feature.updated".to_owned()], ..request(Some(latest)) };
        let by_subscription =
            WatchRequest { subscription_external_ids: vec!["sub_1".to_owned()], ..request(Some(latest)) };
        let both = WatchRequest {
            event_types: vec!["subscription.created".to_owned()],
            subscription_external_ids: vec!["sub_2".to_owned()],
            ..request(Some(latest))
        };
        let mut streams = [watch(&app, by_type).await, watch(&app, by_subscription).await, watch(&app, both).await];

        create_feature_as(&app, API_KEY, "seats").await;
        let update = json!({"feature": {"name": "Seats"}});
        assert_eq!(app.patch("/api/v1/features/seats", &update).await.status, 200);
        let plan = json!({"plan": {
            "name": "Startup", "code": "startup", "interval": "monthly", "amount_cents": 100,
            "amount_currency": "EUR", "pay_in_advance": false
        }});
        assert_eq!(app.post("/api/v1/plans", &plan).await.status, 200);
        for external_id in ["sub_1", "sub_2"] {
            let subscription = json!({"subscription": {
                "external_customer_id": "c", "plan_code": "startup", "external_id": external_id
            }});
            assert_eq!(app.post("/api/v1/subscriptions", &subscription).await.status, 200);
        }
        let latest = latest_revision(&app, API_KEY).await;
        let log = app.change_events(API_KEY).await;
        let revision_of = |event_type: &str, code: &str| {
            let found = log.iter().find(|event| event.event_type == event_type && event.object_code == code);
            u64::try_from(found.unwrap_or_else(|| panic!("{event_type} {code} in {log:?}")).sequence)
                .expect("revisions are positive")
        };
        let [by_type, by_subscription, both] = &mut streams;

        assert_eq!(
            events_of(&until_checkpoint(by_type, latest).await),
            [event(revision_of("feature.updated", "seats"), "feature.updated", "seats")]
        );
        let sub_1: Vec<Received> = log
            .iter()
            .filter(|event| event.object_type == "subscription" && event.object_code == "sub_1")
            .map(|event| {
                let revision = u64::try_from(event.sequence).expect("revisions are positive");
                Received::Event(revision, event.event_type.clone(), event.object_code.clone())
            })
            .collect();
        assert!(sub_1.contains(&event(revision_of("subscription.created", "sub_1"), "subscription.created", "sub_1")));
        assert_eq!(events_of(&until_checkpoint(by_subscription, latest).await), sub_1);
        assert_eq!(
            events_of(&until_checkpoint(both, latest).await),
            [event(revision_of("subscription.created", "sub_2"), "subscription.created", "sub_2")]
        );
    }

    async fn refuses_unknown_event_types_and_revisions_not_reached(app) {
        let unknown = WatchRequest { event_types: vec!["plan.updated".to_owned(), "plan.exploded".to_owned()], ..request(None) };
        assert_violations(watch_as(&app, API_KEY, unknown).await, &[("event_types[1]", "value_is_invalid")]);
        assert_violations(watch_as(&app, API_KEY, request(Some(3))).await, &[("after_revision", "value_is_out_of_range")]);
        assert_violations(watch_as(&app, API_KEY, request(Some(u64::MAX))).await, &[("after_revision", "value_is_out_of_range")]);
        assert!(watch_as(&app, API_KEY, request(Some(2))).await.is_ok(), "the latest revision is reached");
    }

    async fn checkpoints_a_quiet_stream(app) {
        let hide_everything = WatchRequest { event_types: vec!["plan.deleted".to_owned()], ..request(None) };
        let mut stream = watch(&app, hide_everything).await;
        assert_eq!(next(&mut stream).await.expect("the first checkpoint"), Received::Checkpoint(2));
        create_feature_as(&app, API_KEY, "seats").await;
        // The hidden event moves the checkpoints on, so the client can resume after it.
        let moved_on = until_checkpoint(&mut stream, 3).await;
        assert!(moved_on.iter().all(|message| matches!(message, Received::Checkpoint(2 | 3))), "{moved_on:?}");
        // Quiet from here: checkpoints at the same revision, about one per interval.
        let started = Instant::now();
        for _ in 0..3 {
            assert_eq!(next(&mut stream).await.expect("a checkpoint"), Received::Checkpoint(3));
        }
        let elapsed = started.elapsed();
        assert!(elapsed >= CHECKPOINT_INTERVAL * 2, "three checkpoints came in {elapsed:?}");
    }

    async fn a_revision_older_than_the_retention_has_expired(app) {
        create_feature_as(&app, API_KEY, "seats").await;
        // Everything so far (revisions 1 to 3) is now older than the hour kept.
        app.clock.set("2026-06-20T12:00:00Z".parse().expect("an RFC 3339 instant"));
        create_feature_as(&app, API_KEY, "sso").await;
        let organization_id = app.organization_id().await;
        let deadline = Instant::now() + MESSAGE_DEADLINE;
        // The pruner runs every 50 ms: wait until it has.
        loop {
            let log = app.store.change_events(organization_id, 0, 10).await.expect("read the log");
            if log.first().map(|event| event.sequence) == Some(4) {
                break;
            }
            assert!(Instant::now() < deadline, "not pruned in time: {log:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for expired in [0, 1, 2] {
            let status = watch_as(&app, API_KEY, request(Some(expired))).await.expect_err("expired");
            assert_error_info(&status, Code::FailedPrecondition, "revision_expired");
            assert!(status.message().contains("resync"), "{status:?}");
        }
        let mut resumed = watch(&app, request(Some(3))).await;
        assert_eq!(
            until_checkpoint(&mut resumed, 4).await,
            [event(4, "feature.created", "sso"), Received::Checkpoint(4)]
        );
        // An organization's latest event stays, however old: the other one keeps revision 2.
        let other = app
            .store
            .organization_for_api_key(&entitlements_store::ApiKey::new(OTHER_API_KEY))
            .await
            .expect("query")
            .expect("the other organization");
        let other_log = app.store.change_events(other, 0, 10).await.expect("read the log");
        assert_eq!(other_log.iter().map(|event| event.sequence).collect::<Vec<_>>(), [2]);
        assert_eq!(app.store.prune_change_log(Duration::from_secs(3600)).await, Ok(0), "nothing left to prune");
        let mut from_other_latest = watch_as(&app, OTHER_API_KEY, request(Some(2))).await.expect("the stream opens");
        assert_eq!(next(&mut from_other_latest).await.expect("a checkpoint"), Received::Checkpoint(2));
    }

    async fn streams_only_the_callers_organization(app) {
        assert_unauthenticated(watch_as(&app, "unknown-key", request(None)).await);
        let mut client = WatchServiceClient::new(app.grpc_channel().await);
        assert_unauthenticated(client.watch(request(None)).await);

        let mut other = watch_as(&app, OTHER_API_KEY, request(None)).await.expect("the stream opens");
        assert_eq!(next(&mut other).await.expect("the first checkpoint"), Received::Checkpoint(2));
        create_feature_as(&app, API_KEY, "seats").await;
        create_feature_as(&app, OTHER_API_KEY, "theirs").await;
        assert_eq!(next_event(&mut other).await.expect("the event"), event(3, "feature.created", "theirs"));
    }

    async fn ends_with_unavailable_at_shutdown(app) {
        let mut stream = watch(&app, request(None)).await;
        assert_eq!(next(&mut stream).await.expect("the first checkpoint"), Received::Checkpoint(2));
        let stopping = Instant::now();
        tokio::time::timeout(Duration::from_secs(8), app.stop())
            .await
            .expect("an open stream does not hold up shutdown");
        println!("shutdown with an open Watch stream took {:?}", stopping.elapsed());
        let status = next_event(&mut stream).await.expect_err("the stream ends with a status");
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    }
}

/// Two servers on one PostgreSQL database: a write on A reaches a stream on B through
/// LISTEN/NOTIFY (B polls once a minute), in order; the latency from A's answer to B's event is
/// printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_replica_reaches_a_stream_on_another() {
    let Some(replica_a) = spawn_app_with(Backend::Postgres, watch_settings).await else { return };
    let replica_b = replica_a.spawn_replica(watch_settings).await;
    let mut on_b = watch(&replica_b, request(None)).await;
    assert_eq!(next(&mut on_b).await.expect("the first checkpoint"), Received::Checkpoint(2));
    let mut on_a = watch(&replica_a, request(None)).await;
    assert_eq!(next(&mut on_a).await.expect("the first checkpoint"), Received::Checkpoint(2));

    const WRITES: u64 = 30;
    // Each from the moment the write was sent: the write's own time, then its event's arrival on
    // B (through NOTIFY) and on A (in-process). The commit lies within the write's time.
    let mut writes = Vec::new();
    let mut across = Vec::new();
    let mut local = Vec::new();
    for revision in 3..3 + WRITES {
        let code = format!("feature_{revision}");
        let sent = Instant::now();
        create_feature_as(&replica_a, API_KEY, &code).await;
        writes.push(sent.elapsed());
        assert_eq!(
            next_event(&mut on_b).await.expect("the event on B"),
            event(revision, "feature.created", &code)
        );
        across.push(sent.elapsed());
        assert_eq!(
            next_event(&mut on_a).await.expect("the event on A"),
            event(revision, "feature.created", &code)
        );
        local.push(sent.elapsed());
    }
    let mut after_answer: Vec<Duration> =
        across.iter().zip(&writes).map(|(event, write)| event.saturating_sub(*write)).collect();
    let summary = |latencies: &mut Vec<Duration>| {
        latencies.sort();
        let at = |quantile: usize| latencies[(latencies.len() * quantile / 100).min(latencies.len() - 1)];
        format!("p50 {:?}, p99 {:?}, max {:?}", at(50), at(99), latencies[latencies.len() - 1])
    };
    println!("watch latency ({WRITES} writes on A), the write itself: {}", summary(&mut writes));
    println!(
        "watch latency ({WRITES} writes on A), write sent to event on B's stream: {}",
        summary(&mut across)
    );
    println!(
        "watch latency ({WRITES} writes on A), write sent to event on A's stream: {}",
        summary(&mut local)
    );
    println!(
        "watch latency ({WRITES} writes on A), write answered to event on B's stream: {}",
        summary(&mut after_answer)
    );
    assert!(across.iter().all(|latency| *latency < Duration::from_secs(5)), "{across:?}");

    // And the other way round.
    create_feature_as(&replica_b, API_KEY, "from_b").await;
    let revision = 3 + WRITES;
    assert_eq!(
        next_event(&mut on_a).await.expect("the event on A"),
        event(revision, "feature.created", "from_b")
    );
    replica_b.stop().await;
    replica_a.stop().await;
}
