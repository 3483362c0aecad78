//! Writes of one organization at once: entitlement writes lock only their subscription, other
//! writers serialize on the organization's writer lock, and every write takes its revision from
//! the change log's counter last. None may be lost, deadlock or fail, and the revisions they
//! answer are distinct and gap-free in commit order.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::{API_KEY, TestApp, backend_tests, not_found};

/// Subscriptions written to at once.
const SUBSCRIPTIONS: usize = 8;

/// A write's answer: status, `x-entitlements-revision` and body.
#[derive(Debug)]
struct Written {
    status: u16,
    revision: Option<u64>,
    body: Value,
}

async fn write(app: &TestApp, method: reqwest::Method, path: &str, body: Value) -> Written {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .header("Authorization", format!("Bearer {API_KEY}"));
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the request reaches the server");
    let status = response.status().as_u16();
    let revision =
        response.headers().get("x-entitlements-revision").and_then(|value| value.to_str().ok()?.parse().ok());
    Written { status, revision, body: response.json().await.unwrap_or_default() }
}

fn patch_override(external_id: &str, value: usize) -> (reqwest::Method, String, Value) {
    (
        reqwest::Method::PATCH,
        format!("/api/v1/subscriptions/{external_id}/entitlements"),
        json!({"entitlements": {"seats": {"max": value}}}),
    )
}

async fn organization_revision(app: &TestApp) -> u64 {
    app.store.revision(app.organization_id().await).await.expect("the organization's revision")
}

/// The feature `seats` (`max`, integer), the plans `startup` and `legacy` granting it, and
/// subscriptions `sub_0`.. on `startup` and `old_0`.. on `legacy`, one customer each.
async fn catalog_and_subscriptions(app: &TestApp) {
    app.create_feature(json!({"code": "seats", "privileges": [{"code": "max", "value_type": "integer"}]}))
        .await;
    for plan in ["startup", "legacy"] {
        let created = app
            .post(
                "/api/v1/plans",
                &json!({"plan": {
                    "name": plan, "code": plan, "interval": "monthly", "amount_cents": 100,
                    "amount_currency": "EUR", "pay_in_advance": false
                }}),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        let granted = app
            .post(
                &format!("/api/v1/plans/{plan}/entitlements"),
                &json!({"entitlements": {"seats": {"max": 10}}}),
            )
            .await;
        assert_eq!(granted.status, 200, "{}", granted.body);
    }
    for index in 0..SUBSCRIPTIONS {
        for (plan, prefix) in [("startup", "sub"), ("legacy", "old")] {
            let subscription = json!({"subscription": {
                "external_customer_id": format!("cust_{prefix}_{index}"), "plan_code": plan,
                "external_id": format!("{prefix}_{index}")
            }});
            let created = app.post("/api/v1/subscriptions", &subscription).await;
            assert_eq!(created.status, 200, "{}", created.body);
        }
    }
}

/// Runs the writes at once; asserts each succeeded and answered a revision (but for writes to the
/// subscriptions of a plan deleted meanwhile, which may find them gone), and that the revisions
/// are distinct and the change log gap-free over them. Answers the successful writes.
async fn all_at_once(app: &TestApp, writes: Vec<(reqwest::Method, String, Value)>) -> Vec<Written> {
    let before = organization_revision(app).await;
    let answers = join_all(writes.into_iter().map(|(method, path, body)| async move {
        let answer = write(app, method.clone(), &path, body).await;
        let ended_by_the_plan_deletion = path.starts_with("/api/v1/subscriptions/old_")
            && answer.body == not_found("subscription_not_found");
        let succeeded = (200..300).contains(&answer.status);
        assert!(
            succeeded || ended_by_the_plan_deletion,
            "{method} {path}: {} {}",
            answer.status,
            answer.body
        );
        succeeded.then_some(answer)
    }))
    .await;
    let answers: Vec<Written> = answers.into_iter().flatten().collect();
    let after = organization_revision(app).await;
    let mut revisions: Vec<u64> =
        answers.iter().map(|answer| answer.revision.expect("a write names its revision")).collect();
    revisions.sort_unstable();
    let count = revisions.len();
    revisions.dedup();
    assert_eq!(revisions.len(), count, "distinct revisions: {revisions:?}");
    assert!(revisions.iter().all(|revision| (before + 1..=after).contains(revision)), "{revisions:?}");
    let sequences: Vec<u64> = app
        .change_events(API_KEY)
        .await
        .iter()
        .map(|event| u64::try_from(event.sequence).expect("a positive sequence"))
        .filter(|sequence| *sequence > before)
        .collect();
    assert_eq!(sequences, (before + 1..=after).collect::<Vec<_>>(), "the change log is gap-free");
    answers
}

fn is_rival(external_id: &Value) -> bool {
    external_id.as_str().is_some_and(|id| id.starts_with("rival_"))
}

async fn max_override(app: &TestApp, external_id: &str) -> Value {
    let response = app.get(&format!("/api/v1/subscriptions/{external_id}/entitlements")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.body["entitlements"][0]["overrides"]["max"].clone()
}

backend_tests! {
    async fn patches_of_different_subscriptions_all_apply_with_their_own_revisions(app) {
        catalog_and_subscriptions(&app).await;
        let before = organization_revision(&app).await;
        let writes =
            (0..SUBSCRIPTIONS).map(|index| patch_override(&format!("sub_{index}"), 100 + index)).collect();
        all_at_once(&app, writes).await;
        // One `subscription.updated` each: the writes took exactly the next revisions.
        let count = u64::try_from(SUBSCRIPTIONS).expect("a small count");
        assert_eq!(organization_revision(&app).await, before + count);
        for index in 0..SUBSCRIPTIONS {
            assert_eq!(max_override(&app, &format!("sub_{index}")).await, json!(100 + index));
        }
    }

    async fn patches_of_one_subscription_apply_one_after_the_other(app) {
        catalog_and_subscriptions(&app).await;
        let writes = (0..SUBSCRIPTIONS).map(|index| patch_override("sub_0", 100 + index)).collect();
        let answers = all_at_once(&app, writes).await;
        // The last write to commit (the highest revision) is the one that stays.
        let last = answers.iter().max_by_key(|answer| answer.revision).expect("writes answered");
        let kept = last.body["entitlements"][0]["overrides"]["max"].clone();
        assert_eq!(max_override(&app, "sub_0").await, kept);
    }

    async fn creations_of_one_external_id_for_different_customers_create_one(app) {
        catalog_and_subscriptions(&app).await;
        let creations = (0..SUBSCRIPTIONS).map(|index| {
            let app = &app;
            async move {
                let subscription = json!({"subscription": {
                    "external_customer_id": format!("rival_{index}"), "plan_code": "startup",
                    "external_id": "contested"
                }});
                app.post("/api/v1/subscriptions", &subscription).await
            }
        });
        let answers = join_all(creations).await;
        let created = answers.iter().filter(|answer| answer.status == 200).count();
        assert_eq!(created, 1, "one creation wins: {answers:?}");
        for answer in answers.iter().filter(|answer| answer.status != 200) {
            assert_eq!(answer.status, 422, "{}", answer.body);
            assert_eq!(answer.body["error_details"]["external_id"], json!(["value_already_exist"]));
        }
        let customers = app.get("/api/v1/customers?per_page=100").await;
        assert_eq!(customers.status, 200, "{}", customers.body);
        let rivals = customers.body["customers"].as_array().map_or(0, |customers| {
            customers.iter().filter(|customer| is_rival(&customer["external_id"])).count()
        });
        assert_eq!(rivals, 1, "the losers' customers are rolled back with their subscription");
    }

    async fn writers_of_every_kind_at_once_neither_deadlock_nor_fail(app) {
        catalog_and_subscriptions(&app).await;
        // Entitlement writes lock a subscription and then share-lock the feature; feature updates
        // lock the feature; subscription updates, creations, customer upserts and the plan
        // deletion take the writer lock and then lock subscriptions. Had any of them taken the
        // organization's row before waiting for another row, some pair here would deadlock.
        for round in 0..3 {
            let mut writes = Vec::new();
            for index in 0..SUBSCRIPTIONS {
                writes.push(patch_override(&format!("sub_{index}"), round * 100 + index));
                writes.push((
                    reqwest::Method::PUT,
                    format!("/api/v1/subscriptions/sub_{index}"),
                    json!({"subscription": {"name": format!("round {round}")}}),
                ));
            }
            for index in 0..2 {
                writes.push((
                    reqwest::Method::PUT,
                    "/api/v1/features/seats".to_owned(),
                    json!({"feature": {"name": format!("Seats {round}.{index}")}}),
                ));
                writes.push((
                    reqwest::Method::POST,
                    "/api/v1/customers".to_owned(),
                    json!({"customer": {
                        "external_id": format!("cust_sub_{index}"), "name": format!("round {round}")
                    }}),
                ));
                writes.push((
                    reqwest::Method::POST,
                    "/api/v1/subscriptions".to_owned(),
                    json!({"subscription": {
                        "external_customer_id": format!("new_{round}_{index}"), "plan_code": "startup",
                        "external_id": format!("new_{round}_{index}")
                    }}),
                ));
            }
            if round == 0 {
                writes.push((reqwest::Method::DELETE, "/api/v1/plans/legacy".to_owned(), Value::Null));
                for index in 0..SUBSCRIPTIONS {
                    writes.push(patch_override(&format!("old_{index}"), index));
                }
            }
            all_at_once(&app, writes).await;
        }
        for index in 0..SUBSCRIPTIONS {
            assert_eq!(max_override(&app, &format!("sub_{index}")).await, json!(200 + index));
        }
    }
}
