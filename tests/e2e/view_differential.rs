//! The in-memory view against the database. A randomized sequence of writes of every kind
//! (features, privileges, select options, plans, plan entitlements, subscriptions with start
//! dates, plan changes and terminations, overrides, removals, customer timezones, deletions),
//! interleaved with clock moves and sweeps of due transitions, runs through the server; after
//! each step a view following the change log (the server's code, on the harness's store) must
//! answer exactly what the database path answers for every subscription: its effective
//! entitlements, and what checks read of it under every status. The sequence is seeded
//! (`ENTITLEMENTS_DIFFERENTIAL_SEED` replays another one), so a failure is reproducible.

use std::time::Duration;

use chrono::TimeDelta;
use entitlements_domain::{EnumInput, OrganizationId, SubscriptionSelector, SubscriptionStatus};
use entitlements_engine::{EntitlementsView, ReadAt, ReadSource};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::support::{TestApp, clocked_backend_tests};

/// Successful writes the sequence must reach.
const WRITES: usize = 520;
const FEATURE_CODES: [&str; 6] = ["seats", "sso", "api", "storage", "support", "beta"];
const PLAN_CODES: [&str; 4] = ["free", "team", "business", "enterprise"];
const CUSTOMERS: [&str; 4] = ["cust_a", "cust_b", "cust_c", "cust_d"];
const SUBSCRIPTIONS: usize = 18;
const TIMEZONES: [&str; 4] = ["UTC", "Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati"];

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn the_view_agrees_with_the_database_after_every_write(app) {
        let seed = std::env::var("ENTITLEMENTS_DIFFERENTIAL_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or(0x5eed_2026_u64);
        run(&app, seed).await;
    }
}

async fn run(app: &TestApp, seed: u64) {
    let organization_id = app.organization_id().await;
    let view = EntitlementsView::new(app.store.clone());
    let shutdown = CancellationToken::new();
    let follower = {
        let view = view.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move { view.follow(Duration::from_millis(5), shutdown).await })
    };
    view.until_ready().await;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut writes = 0;
    let mut steps = 0;
    while writes < WRITES {
        steps += 1;
        assert!(steps < WRITES * 4, "seed {seed}: too few writes succeed ({writes} of {steps} steps)");
        let (what, succeeded) = step(app, &mut rng).await;
        if succeeded {
            writes += 1;
        }
        compare(app, &view, organization_id, seed, steps, &what).await;
    }
    shutdown.cancel();
    follower.await.expect("the follower stops");
}

/// One random write (or clock move); what it was, and whether it changed anything.
async fn step(app: &TestApp, rng: &mut fastrand::Rng) -> (String, bool) {
    let catalog = catalog(app).await;
    let feature = FEATURE_CODES[rng.usize(..FEATURE_CODES.len())];
    let plan = PLAN_CODES[rng.usize(..PLAN_CODES.len())];
    let subscription = format!("sub_{}", rng.usize(..SUBSCRIPTIONS));
    let (method, path, body) = match rng.u32(..100) {
        0..=7 => (
            "POST",
            "/api/v1/features".to_owned(),
            json!({"feature": {
                "code": feature, "name": format!("{feature} {}", rng.u32(..100)),
                "privileges": random_privileges(rng)
            }}),
        ),
        8..=13 => (
            "PUT",
            format!("/api/v1/features/{feature}"),
            json!({"feature": {
                "name": format!("renamed {}", rng.u32(..100)), "privileges": random_privileges(rng)
            }}),
        ),
        14..=16 => {
            let privilege = privilege_of(rng, &catalog, feature);
            ("DELETE", format!("/api/v1/features/{feature}/privileges/{privilege}"), Value::Null)
        }
        17..=18 => ("DELETE", format!("/api/v1/features/{feature}"), Value::Null),
        19..=23 => (
            "POST",
            "/api/v1/plans".to_owned(),
            json!({"plan": {
                "name": plan, "code": plan, "interval": "monthly", "amount_cents": rng.u32(..10_000),
                "amount_currency": "EUR", "pay_in_advance": false
            }}),
        ),
        24 => ("DELETE", format!("/api/v1/plans/{plan}"), Value::Null),
        25..=33 => ("POST", format!("/api/v1/plans/{plan}/entitlements"), random_entitlements(rng, &catalog)),
        34..=39 => {
            ("PATCH", format!("/api/v1/plans/{plan}/entitlements"), random_entitlements(rng, &catalog))
        }
        40..=41 => ("DELETE", format!("/api/v1/plans/{plan}/entitlements/{feature}"), Value::Null),
        42..=43 => {
            let privilege = privilege_of(rng, &catalog, feature);
            (
                "DELETE",
                format!("/api/v1/plans/{plan}/entitlements/{feature}/privileges/{privilege}"),
                Value::Null,
            )
        }
        44..=55 => {
            let mut fields = json!({
                "external_customer_id": CUSTOMERS[rng.usize(..CUSTOMERS.len())],
                "plan_code": plan, "external_id": subscription
            });
            if rng.bool() {
                let start = app.clock.now() + TimeDelta::hours(rng.i64(-48..96));
                fields["subscription_at"] = json!(start.to_rfc3339());
            }
            if rng.u32(..4) == 0 {
                let end = app.clock.now() + TimeDelta::hours(rng.i64(24..240));
                fields["ending_at"] = json!(end.to_rfc3339());
            }
            ("POST", "/api/v1/subscriptions".to_owned(), json!({ "subscription": fields }))
        }
        56..=61 => (
            "PUT",
            format!("/api/v1/subscriptions/{subscription}"),
            json!({"subscription": {"plan_code": plan}}),
        ),
        62..=64 => {
            let status = if rng.bool() { "" } else { "?status=pending" };
            ("DELETE", format!("/api/v1/subscriptions/{subscription}{status}"), Value::Null)
        }
        65..=79 => (
            "PATCH",
            format!("/api/v1/subscriptions/{subscription}/entitlements"),
            random_entitlements(rng, &catalog),
        ),
        80..=84 => {
            ("DELETE", format!("/api/v1/subscriptions/{subscription}/entitlements/{feature}"), Value::Null)
        }
        85..=88 => {
            let privilege = privilege_of(rng, &catalog, feature);
            let path =
                format!("/api/v1/subscriptions/{subscription}/entitlements/{feature}/privileges/{privilege}");
            ("DELETE", path, Value::Null)
        }
        89..=92 => (
            "POST",
            "/api/v1/customers".to_owned(),
            json!({"customer": {
                "external_id": CUSTOMERS[rng.usize(..CUSTOMERS.len())],
                "timezone": TIMEZONES[rng.usize(..TIMEZONES.len())]
            }}),
        ),
        93..=96 => {
            let hours = rng.i64(1..60);
            app.clock.advance(TimeDelta::hours(hours));
            return (format!("clock +{hours}h"), false);
        }
        _ => {
            let swept = app.store.sweep_subscription_transitions().await.expect("sweep the transitions");
            return (format!("sweep ({swept} written)"), swept > 0);
        }
    };
    let response = match method {
        "POST" => app.post(&path, &body).await,
        "PUT" => app.put(&path, &body).await,
        "PATCH" => app.patch(&path, &body).await,
        _ => app.delete(&path).await,
    };
    assert!(response.status < 500, "{method} {path} {body}: {} {}", response.status, response.body);
    (format!("{method} {path} {body} -> {}", response.status), response.status == 200)
}

/// Privilege codes and their types; a code always has the same type, so that writes of values
/// find a fitting privilege often.
const PRIVILEGES: [(&str, &str); 5] =
    [("max", "integer"), ("root", "boolean"), ("tier", "select"), ("label", "string"), ("quota", "integer")];
const SELECT_OPTIONS: [&str; 4] = ["basic", "silver", "gold", "platinum"];

fn random_privileges(rng: &mut fastrand::Rng) -> Value {
    let mut privileges = Vec::new();
    for (code, value_type) in PRIVILEGES {
        if rng.u32(..3) != 0 {
            continue;
        }
        let mut privilege = json!({"code": code, "value_type": value_type});
        if value_type == "select" {
            let mut options: Vec<&str> = SELECT_OPTIONS.iter().copied().filter(|_| rng.bool()).collect();
            if options.is_empty() {
                options.push("basic");
            }
            privilege["config"] = json!({ "select_options": options });
        }
        privileges.push(privilege);
    }
    json!(privileges)
}

/// A feature's privileges: code, value type and select options.
type Catalog = Vec<(String, Vec<(String, String, Vec<String>)>)>;

/// The features as the API lists them, so that most writes name what exists.
async fn catalog(app: &TestApp) -> Catalog {
    let listed = app.get("/api/v1/features?per_page=100").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let features = listed.body["features"].as_array().cloned().unwrap_or_default();
    features
        .iter()
        .map(|feature| {
            let privileges = feature["privileges"].as_array().cloned().unwrap_or_default();
            let privileges = privileges
                .iter()
                .map(|privilege| {
                    let options =
                        privilege["config"]["select_options"].as_array().cloned().unwrap_or_default();
                    (
                        privilege["code"].as_str().unwrap_or_default().to_owned(),
                        privilege["value_type"].as_str().unwrap_or_default().to_owned(),
                        options.iter().filter_map(|option| option.as_str().map(str::to_owned)).collect(),
                    )
                })
                .collect();
            (feature["code"].as_str().unwrap_or_default().to_owned(), privileges)
        })
        .collect()
}

/// One of the feature's privileges, or now and then one it does not have.
fn privilege_of(rng: &mut fastrand::Rng, catalog: &Catalog, feature: &str) -> String {
    let privileges = catalog.iter().find(|(code, _)| code == feature).map(|(_, privileges)| privileges);
    match privileges.filter(|privileges| !privileges.is_empty() && rng.u32(..8) != 0) {
        Some(privileges) => privileges[rng.usize(..privileges.len())].0.clone(),
        None => PRIVILEGES[rng.usize(..PRIVILEGES.len())].0.to_owned(),
    }
}

/// Values for a few existing features' privileges, fit for their types; one write in ten names
/// something invalid (an unknown feature, a value outside the options), which must change
/// nothing.
fn random_entitlements(rng: &mut fastrand::Rng, catalog: &Catalog) -> Value {
    let mut entitlements = serde_json::Map::new();
    let invalid = rng.u32(..10) == 0;
    for (feature, privileges) in catalog {
        if rng.u32(..3) != 0 {
            continue;
        }
        let mut values = serde_json::Map::new();
        for (code, value_type, options) in privileges {
            if !rng.bool() {
                continue;
            }
            let value = match value_type.as_str() {
                "integer" => json!(rng.u32(..1000)),
                "boolean" => json!(rng.bool()),
                "select" if invalid => json!("not an option"),
                "select" => {
                    json!(options.get(rng.usize(..options.len().max(1))).cloned().unwrap_or_default())
                }
                _ => json!(format!("text {}", rng.u32(..10))),
            };
            values.insert(code.clone(), value);
        }
        entitlements.insert(feature.clone(), Value::Object(values));
    }
    if invalid {
        entitlements.insert("no_such_feature".to_owned(), json!({}));
    }
    json!({ "entitlements": entitlements })
}

/// Asserts that the view, once at the database's revision, answers as the database does.
async fn compare(
    app: &TestApp,
    view: &EntitlementsView,
    organization_id: OrganizationId,
    seed: u64,
    step: usize,
    what: &str,
) {
    let context = format!("seed {seed}, step {step} ({what})");
    let revision = app.store.revision(organization_id).await.expect("the database's revision");
    let source =
        view.read_source(organization_id, revision, Duration::from_secs(10)).await.expect("a source");
    assert_eq!(source, ReadSource::View, "{context}: the view did not reach revision {revision}");
    let at = ReadAt { min_revision: 0, wait: Duration::ZERO, source: ReadSource::View };
    let mut selectors = Vec::new();
    for index in 0..=SUBSCRIPTIONS {
        let external_id = format!("sub_{index}");
        let active = SubscriptionSelector::new(external_id.clone(), EnumInput::Null);
        let from_view = view
            .subscription_entitlements(organization_id, &active, at)
            .await
            .map_err(|error| error.to_string());
        let from_database = app
            .store
            .subscription_entitlements(organization_id, &active)
            .await
            .map_err(|error| error.to_string());
        assert_eq!(from_view, from_database, "{context}: entitlements of {external_id}");
        selectors.push(active);
        for status in SubscriptionStatus::ALL {
            selectors.push(SubscriptionSelector::new(external_id.clone(), EnumInput::Known(status)));
        }
    }
    // Grants of every feature (and of one that does not exist): as the database path reads them.
    let every_feature: Vec<&str> = FEATURE_CODES.iter().copied().chain(["no_such_feature"]).collect();
    let feature_codes = vec![every_feature; selectors.len()];
    let from_view = view
        .check_snapshot(organization_id, &selectors, &feature_codes, at)
        .await
        .expect("the view's check snapshot");
    let from_database =
        app.store.check_snapshot(organization_id, &selectors).await.expect("the database's check snapshot");
    assert_eq!(from_view, from_database, "{context}: check snapshots");
}
