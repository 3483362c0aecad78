//! `entitlements.v1.CheckService` over gRPC: every reason, each requirement kind met and not met,
//! override against plan values, removals, subscriptions not active (terminated, pending, and
//! time-driven transitions at read time), malformed requests, bulk order and per-item errors,
//! the bulk limit, revisions against the change log, `min_revision` waits, and the cost of a
//! batch. Every answer agrees with ListSubscriptionEntitlements.

use std::time::{Duration, Instant};

use entitlements::v1::check_service_client::CheckServiceClient;
use entitlements::v1::entitlement_service_client::EntitlementServiceClient;
use entitlements::v1::{
    CheckBulkRequest, CheckBulkResponse, CheckBulkResult, CheckReason, CheckRequest, CheckResponse,
    ListSubscriptionEntitlementsRequest, PrivilegeValue, SelectOneOf, SubscriptionStatus, ValueRequirement,
    check_bulk_result, privilege_value, value_requirement,
};
use entitlements_domain::{EnumInput, SubscriptionSelector};
use serde_json::json;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::support::conformance::{assert_error_info, assert_unauthenticated, assert_violations};
use crate::support::{
    API_KEY, Backend, OTHER_API_KEY, TestApp, authorized, authorized_as, backend_tests,
    clocked_backend_tests, spawn_app_with,
};

pub(crate) type Checks = CheckServiceClient<Channel>;

/// The catalog every scenario checks against, through REST:
/// - `seats` (`max` integer, `root` boolean, `tier` select basic/gold, `label` string, `spare`
///   integer), `sso` and `audit` (no privileges) on the plan `startup` with `max = 10`,
///   `root = true`, `tier = gold`, `label = team`; `beta` (`level` string) on no plan;
/// - `sub_1` on `startup`, active, overriding `seats.max = 50`, with `beta.level = alpha` of its
///   own, `audit` and `seats.label` removed;
/// - `sub_old`, terminated; `sub_future`, pending until 2099.
pub(crate) async fn seed(app: &TestApp) {
    app.create_feature(json!({"code": "seats", "privileges": [
        {"code": "max", "value_type": "integer"},
        {"code": "root", "value_type": "boolean"},
        {"code": "tier", "value_type": "select", "config": {"select_options": ["basic", "gold"]}},
        {"code": "label", "value_type": "string"},
        {"code": "spare", "value_type": "integer"}
    ]}))
    .await;
    app.create_feature(json!({"code": "sso"})).await;
    app.create_feature(json!({"code": "audit"})).await;
    app.create_feature(json!({"code": "beta", "privileges": [{"code": "level", "value_type": "string"}]}))
        .await;
    let plan = json!({"plan": {
        "name": "Startup", "code": "startup", "interval": "monthly", "amount_cents": 100,
        "amount_currency": "EUR", "pay_in_advance": false
    }});
    assert_eq!(app.post("/api/v1/plans", &plan).await.status, 200);
    let grant = json!({"entitlements": {
        "seats": {"max": 10, "root": true, "tier": "gold", "label": "team"}, "sso": {}, "audit": {}
    }});
    let granted = app.post("/api/v1/plans/startup/entitlements", &grant).await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    for (external_id, extra) in [
        ("sub_1", json!({})),
        ("sub_old", json!({})),
        ("sub_future", json!({"subscription_at": "2099-01-01T00:00:00Z"})),
    ] {
        let mut subscription =
            json!({"external_customer_id": "cust_1", "plan_code": "startup", "external_id": external_id});
        if let (Some(subscription), Some(extra)) = (subscription.as_object_mut(), extra.as_object()) {
            subscription.extend(extra.clone());
        }
        let created = app.post("/api/v1/subscriptions", &json!({ "subscription": subscription })).await;
        assert_eq!(created.status, 200, "{}", created.body);
    }
    assert_eq!(app.delete("/api/v1/subscriptions/sub_old").await.status, 200);
    let overrides = json!({"entitlements": {"seats": {"max": 50}, "beta": {"level": "alpha"}}});
    assert_eq!(app.patch("/api/v1/subscriptions/sub_1/entitlements", &overrides).await.status, 200);
    assert_eq!(app.delete("/api/v1/subscriptions/sub_1/entitlements/audit").await.status, 200);
    assert_eq!(
        app.delete("/api/v1/subscriptions/sub_1/entitlements/seats/privileges/label").await.status,
        200
    );
}

pub(crate) async fn client(app: &TestApp) -> Checks {
    CheckServiceClient::new(app.grpc_channel().await)
}

/// A check of `feature` (and `privilege`) on the active `external_id`.
pub(crate) fn request(external_id: &str, feature: &str, privilege: Option<&str>) -> CheckRequest {
    CheckRequest {
        subscription_external_id: external_id.to_owned(),
        feature_code: feature.to_owned(),
        privilege_code: privilege.map(str::to_owned),
        ..CheckRequest::default()
    }
}

fn with_requirement(mut check: CheckRequest, kind: value_requirement::Kind) -> CheckRequest {
    check.requirement = Some(ValueRequirement { kind: Some(kind) });
    check
}

fn with_status(mut check: CheckRequest, status: SubscriptionStatus) -> CheckRequest {
    check.subscription_status = status.into();
    check
}

pub(crate) async fn check(client: &mut Checks, check: CheckRequest) -> Result<CheckResponse, Status> {
    Ok(client.check(authorized(check)).await?.into_inner())
}

async fn check_bulk(client: &mut Checks, request: CheckBulkRequest) -> Result<CheckBulkResponse, Status> {
    Ok(client.check_bulk(authorized(request)).await?.into_inner())
}

fn integer(value: i64) -> Option<PrivilegeValue> {
    Some(PrivilegeValue { kind: Some(privilege_value::Kind::IntegerValue(value)) })
}

fn boolean(value: bool) -> Option<PrivilegeValue> {
    Some(PrivilegeValue { kind: Some(privilege_value::Kind::BooleanValue(value)) })
}

/// An answer without its revision: allowed, reason, value, plan value, override value.
type Answer = (bool, CheckReason, Option<PrivilegeValue>, Option<PrivilegeValue>, Option<PrivilegeValue>);

fn answer(response: CheckResponse) -> Answer {
    let reason = response.reason();
    let CheckResponse { allowed, value, plan_value, override_value, .. } = response;
    (allowed, reason, value, plan_value, override_value)
}

/// A denial, with no value.
fn denied(reason: CheckReason) -> Answer {
    (false, reason, None, None, None)
}

/// A feature granted, with no value.
fn granted(reason: CheckReason) -> Answer {
    (true, reason, None, None, None)
}

/// A bulk result as a call's result: the answer, or the item's error as a status.
fn item_result(result: CheckBulkResult) -> Result<CheckResponse, Status> {
    match result.result.expect("every item has a result") {
        check_bulk_result::Result::Response(response) => Ok(response),
        check_bulk_result::Result::Error(error) => {
            let details = entitlements::prost::Message::encode_to_vec(&error);
            Err(Status::with_details(Code::from(error.code), error.message, details.into()))
        }
    }
}

/// The organization's revision, read from the database.
pub(crate) async fn organization_revision(app: &TestApp, api_key: &str) -> u64 {
    let organization_id = app
        .store
        .organization_for_api_key(&entitlements_store::ApiKey::new(api_key))
        .await
        .expect("query the organization")
        .expect("the organization exists");
    app.store.revision(organization_id).await.expect("read the revision")
}

backend_tests! {
    async fn every_reason_of_a_single_check(app) {
        every_reason_of_a_single_check(&app).await;
    }

    async fn checks_agree_with_the_listed_entitlements(app) {
        checks_agree_with_the_listed_entitlements(&app).await;
    }

    async fn requirements_of_every_value_type(app) {
        requirements_of_every_value_type(&app).await;
    }

    async fn malformed_checks_are_invalid_arguments(app) {
        malformed_checks_are_invalid_arguments(&app).await;
    }

    async fn bulk_answers_in_order_with_an_error_per_item(app) {
        bulk_answers_in_order_with_an_error_per_item(&app).await;
    }

    async fn bulk_takes_one_to_a_thousand_items(app) {
        bulk_takes_one_to_a_thousand_items(&app).await;
    }

    async fn revisions_are_the_change_log_sequence(app) {
        revisions_are_the_change_log_sequence(&app).await;
    }

    async fn a_future_min_revision_answers_unavailable_after_the_wait(app) {
        a_future_min_revision_answers_unavailable_after_the_wait(&app).await;
    }

    async fn a_batch_reads_the_same_queries_whatever_its_size(app) {
        a_batch_reads_the_same_queries_whatever_its_size(&app).await;
    }
}

async fn every_reason_of_a_single_check(app: &TestApp) {
    use CheckReason::*;
    seed(app).await;
    let mut client = client(app).await;
    let cases = [
        (request("sub_1", "seats", None), granted(GrantedByPlan)),
        (request("sub_1", "sso", None), granted(GrantedByPlan)),
        (request("sub_1", "beta", None), granted(GrantedByOverride)),
        (request("sub_1", "audit", None), denied(FeatureRemoved)),
        (request("sub_1", "ghost", None), denied(FeatureNotGranted)),
        (
            request("sub_1", "seats", Some("max")),
            (true, GrantedByOverride, integer(50), integer(10), integer(50)),
        ),
        (request("sub_1", "seats", Some("root")), (true, GrantedByPlan, boolean(true), boolean(true), None)),
        (request("sub_1", "seats", Some("label")), denied(PrivilegeRemoved)),
        (request("sub_1", "seats", Some("spare")), denied(PrivilegeNotGranted)),
        (request("sub_1", "seats", Some("nope")), denied(PrivilegeNotGranted)),
        (request("sub_1", "sso", Some("any")), denied(PrivilegeNotGranted)),
        (request("sub_1", "audit", Some("any")), denied(FeatureRemoved)),
        (request("nobody", "seats", None), denied(SubscriptionNotFound)),
        (request("sub_old", "seats", None), denied(SubscriptionNotActive)),
        (
            with_status(request("sub_old", "seats", None), SubscriptionStatus::Active),
            denied(SubscriptionNotActive),
        ),
        (
            with_status(request("sub_old", "seats", None), SubscriptionStatus::Terminated),
            granted(GrantedByPlan),
        ),
        (
            with_status(request("sub_old", "seats", None), SubscriptionStatus::Pending),
            denied(SubscriptionNotFound),
        ),
        (request("sub_future", "seats", None), denied(SubscriptionNotActive)),
        (
            with_status(request("sub_future", "seats", Some("max")), SubscriptionStatus::Pending),
            (true, GrantedByPlan, integer(10), integer(10), None),
        ),
        (
            with_status(request("sub_1", "seats", None), SubscriptionStatus::Terminated),
            denied(SubscriptionNotFound),
        ),
    ];
    for (check_request, expected) in cases {
        let what = format!("{check_request:?}");
        let response = check(&mut client, check_request).await.expect("a check is answered");
        assert_eq!(answer(response), expected, "{what}");
    }
    // A status outside the enum finds nothing, as ListSubscriptionEntitlements.
    let mut outside = request("sub_1", "seats", None);
    outside.subscription_status = 42;
    assert_eq!(answer(check(&mut client, outside).await.expect("answered")), denied(SubscriptionNotFound));
    // Another organization's subscription is as unknown as a missing one: an answer, not an error.
    let other = client.check(authorized_as(OTHER_API_KEY, request("sub_1", "seats", None))).await;
    assert_eq!(answer(other.expect("answered").into_inner()), denied(SubscriptionNotFound));
}

async fn checks_agree_with_the_listed_entitlements(app: &TestApp) {
    seed(app).await;
    let mut client = client(app).await;
    let mut entitlements = EntitlementServiceClient::new(app.grpc_channel().await);
    let subscriptions = [
        ("sub_1", SubscriptionStatus::Active),
        ("sub_old", SubscriptionStatus::Terminated),
        ("sub_future", SubscriptionStatus::Pending),
    ];
    for (external_id, status) in subscriptions {
        let list = ListSubscriptionEntitlementsRequest {
            subscription_external_id: external_id.to_owned(),
            subscription_status: status.into(),
        };
        let listed = entitlements.list_subscription_entitlements(authorized(list)).await.expect("list");
        let listed = listed.into_inner().entitlements;
        assert!(!listed.is_empty(), "{external_id} has entitlements");
        for entitlement in listed {
            let feature_check = with_status(request(external_id, &entitlement.code, None), status);
            let feature = check(&mut client, feature_check).await.expect("answered");
            assert!(feature.allowed, "{external_id} {}", entitlement.code);
            for privilege in entitlement.privileges {
                let checked =
                    with_status(request(external_id, &entitlement.code, Some(&privilege.code)), status);
                let response = check(&mut client, checked).await.expect("answered");
                assert!(response.allowed, "{external_id} {} {}", entitlement.code, privilege.code);
                assert_eq!(
                    (response.value, response.plan_value, response.override_value),
                    (privilege.value, privilege.plan_value, privilege.override_value),
                    "{external_id} {} {}",
                    entitlement.code,
                    privilege.code
                );
            }
        }
    }
}

async fn requirements_of_every_value_type(app: &TestApp) {
    use CheckReason::*;
    use value_requirement::Kind::*;
    seed(app).await;
    let mut client = client(app).await;
    let select = |options: &[&str]| {
        let values = options.iter().map(|option| (*option).to_owned()).collect();
        SelectOneOf(entitlements::v1::SelectOneOf { values })
    };
    let cases = [
        ("seats", "max", IntegerAtLeast(50), GrantedByOverride),
        ("seats", "max", IntegerAtLeast(51), RequirementNotMet),
        ("seats", "max", IntegerAtMost(50), GrantedByOverride),
        ("seats", "max", IntegerAtMost(49), RequirementNotMet),
        ("seats", "root", BooleanEquals(true), GrantedByPlan),
        ("seats", "root", BooleanEquals(false), RequirementNotMet),
        ("seats", "tier", select(&["basic", "gold"]), GrantedByPlan),
        ("seats", "tier", select(&["basic"]), RequirementNotMet),
        ("beta", "level", StringEquals("alpha".to_owned()), GrantedByOverride),
        ("beta", "level", StringEquals("Alpha".to_owned()), RequirementNotMet),
        ("seats", "root", IntegerAtLeast(0), RequirementTypeMismatch),
        ("seats", "tier", StringEquals("gold".to_owned()), RequirementTypeMismatch),
        ("seats", "label", StringEquals("team".to_owned()), PrivilegeRemoved),
        ("ghost", "any", BooleanEquals(true), FeatureNotGranted),
    ];
    for (feature, privilege, requirement, reason) in cases {
        let what = format!("{feature}.{privilege} {requirement:?}");
        let required = with_requirement(request("sub_1", feature, Some(privilege)), requirement);
        let response = check(&mut client, required).await.expect("answered");
        let allowed = reason == GrantedByPlan || reason == GrantedByOverride;
        assert_eq!((response.allowed, response.reason()), (allowed, reason), "{what}");
        // A value that misses the requirement is still shown.
        let has_value = !matches!(reason, PrivilegeRemoved | FeatureNotGranted);
        assert_eq!(response.value.is_some(), has_value, "{what}");
    }
    let required = with_requirement(request("sub_1", "seats", Some("max")), IntegerAtLeast(51));
    let response = check(&mut client, required).await.expect("answered");
    assert_eq!(answer(response), (false, RequirementNotMet, integer(50), integer(10), integer(50)));
}

async fn malformed_checks_are_invalid_arguments(app: &TestApp) {
    seed(app).await;
    let mut client = client(app).await;
    let mut empty = request("", "", Some(""));
    empty.requirement = Some(ValueRequirement { kind: None });
    assert_violations(
        check(&mut client, empty).await,
        &[
            ("subscription_external_id", "value_is_mandatory"),
            ("feature_code", "value_is_mandatory"),
            ("privilege_code", "value_is_invalid"),
            ("requirement", "value_is_mandatory"),
        ],
    );
    let without_privilege =
        with_requirement(request("sub_1", "seats", None), value_requirement::Kind::BooleanEquals(true));
    assert_violations(
        check(&mut client, without_privilege).await,
        &[("privilege_code", "value_is_mandatory")],
    );
    let no_options = with_requirement(
        request("sub_1", "seats", Some("tier")),
        value_requirement::Kind::SelectOneOf(SelectOneOf { values: vec![] }),
    );
    assert_violations(
        check(&mut client, no_options).await,
        &[("requirement.select_one_of.values", "value_is_mandatory")],
    );
    assert_unauthenticated(client.check(tonic::Request::new(request("sub_1", "seats", None))).await);
    assert_unauthenticated(client.check_bulk(tonic::Request::new(CheckBulkRequest::default())).await);
}

async fn bulk_answers_in_order_with_an_error_per_item(app: &TestApp) {
    use CheckReason::*;
    seed(app).await;
    let mut client = client(app).await;
    let items = vec![
        request("sub_1", "seats", Some("max")),
        request("sub_1", "", None),
        request("nobody", "seats", None),
        with_requirement(
            request("sub_1", "seats", Some("max")),
            value_requirement::Kind::IntegerAtLeast(100),
        ),
        with_status(request("sub_old", "sso", None), SubscriptionStatus::Terminated),
        request("sub_1", "beta", Some("level")),
        with_requirement(request("sub_1", "seats", None), value_requirement::Kind::IntegerAtLeast(1)),
    ];
    let response = check_bulk(&mut client, CheckBulkRequest { items: items.clone(), min_revision: 0 })
        .await
        .expect("answered");
    assert_eq!(response.revision, organization_revision(app, API_KEY).await);
    let results: Vec<Result<CheckResponse, Status>> = response.results.into_iter().map(item_result).collect();
    assert_eq!(results.len(), items.len());
    let expected = [
        Some(GrantedByOverride),
        None,
        Some(SubscriptionNotFound),
        Some(RequirementNotMet),
        Some(GrantedByPlan),
        Some(GrantedByOverride),
        None,
    ];
    for ((result, item), expected) in results.into_iter().zip(items).zip(expected) {
        let what = format!("{item:?}");
        match (result, expected) {
            (Ok(answered), Some(reason)) => {
                assert_eq!((answered.reason(), answered.revision), (reason, response.revision), "{what}");
                // The same answer as a single check.
                let single = check(&mut client, item).await.expect("answered");
                assert_eq!(answer(single), answer(answered), "{what}");
            }
            (Err(status), None) => {
                let field = if item.feature_code.is_empty() {
                    "items[1].feature_code"
                } else {
                    "items[6].privilege_code"
                };
                let reason = "value_is_mandatory";
                assert_violations::<()>(Err(status), &[(field, reason)]);
            }
            (result, expected) => panic!("{what}: {result:?} instead of {expected:?}"),
        }
    }
}

async fn bulk_takes_one_to_a_thousand_items(app: &TestApp) {
    seed(app).await;
    let mut client = client(app).await;
    assert_violations(
        check_bulk(&mut client, CheckBulkRequest::default()).await,
        &[("items", "value_is_mandatory")],
    );
    let items = |count: usize| {
        (0..count).map(|index| request(&format!("sub_{}", index % 3), "seats", None)).collect::<Vec<_>>()
    };
    let too_many = CheckBulkRequest { items: items(1001), min_revision: 0 };
    assert_violations(check_bulk(&mut client, too_many).await, &[("items", "value_is_out_of_range")]);
    let full = check_bulk(&mut client, CheckBulkRequest { items: items(1000), min_revision: 0 })
        .await
        .expect("answered");
    let reasons: Vec<CheckReason> = full
        .results
        .iter()
        .filter_map(|result| match &result.result {
            Some(check_bulk_result::Result::Response(response)) => Some(response.reason()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 1000);
    assert_eq!(
        &reasons[..3],
        [CheckReason::SubscriptionNotFound, CheckReason::GrantedByPlan, CheckReason::SubscriptionNotFound]
    );
}

async fn revisions_are_the_change_log_sequence(app: &TestApp) {
    seed(app).await;
    let mut client = client(app).await;
    let before = check(&mut client, request("sub_1", "seats", Some("max"))).await.expect("answered");
    let last_event = app.change_events(API_KEY).await.last().map(|event| event.sequence).expect("events");
    assert_eq!(before.revision, u64::try_from(last_event).expect("a positive sequence"));
    assert_eq!(before.revision, organization_revision(app, API_KEY).await);
    // A write advances the revision by its events (one `subscription.updated`), and the next
    // check sees it, even when it asks for exactly that revision.
    let patch = json!({"entitlements": {"seats": {"max": 70}}});
    assert_eq!(app.patch("/api/v1/subscriptions/sub_1/entitlements", &patch).await.status, 200);
    let mut fresh = request("sub_1", "seats", Some("max"));
    fresh.min_revision = before.revision + 1;
    let after = check(&mut client, fresh).await.expect("answered");
    assert_eq!(after.revision, before.revision + 1);
    assert_eq!(answer(after), (true, CheckReason::GrantedByOverride, integer(70), integer(10), integer(70)));
    // Another organization's writes are not this one's revisions.
    let other =
        client.check(authorized_as(OTHER_API_KEY, request("sub_1", "seats", None))).await.expect("answered");
    assert_eq!(other.into_inner().revision, organization_revision(app, OTHER_API_KEY).await);
    let bulk =
        CheckBulkRequest { items: vec![request("sub_1", "seats", None)], min_revision: before.revision };
    assert_eq!(check_bulk(&mut client, bulk).await.expect("answered").revision, before.revision + 1);
}

async fn a_future_min_revision_answers_unavailable_after_the_wait(app: &TestApp) {
    seed(app).await;
    let mut client = client(app).await;
    let current = organization_revision(app, API_KEY).await;
    let mut future = request("sub_1", "seats", None);
    future.min_revision = current + 1000;
    let started = Instant::now();
    let status = check(&mut client, future.clone()).await.expect_err("not reached");
    assert!(started.elapsed() >= Duration::from_millis(250), "waited {:?}", started.elapsed());
    assert_error_info(&status, Code::Unavailable, "revision_not_reached");
    // In a batch, an item's min_revision counts for the whole batch.
    let bulk = CheckBulkRequest { items: vec![request("sub_1", "seats", None), future], min_revision: 0 };
    let status = check_bulk(&mut client, bulk).await.expect_err("not reached");
    assert_error_info(&status, Code::Unavailable, "revision_not_reached");
}

async fn a_batch_reads_the_same_queries_whatever_its_size(app: &TestApp) {
    seed(app).await;
    for index in 0..40 {
        let subscription = json!({"subscription": {
            "external_customer_id": "cust_1", "plan_code": "startup", "external_id": format!("many_{index}")
        }});
        assert_eq!(app.post("/api/v1/subscriptions", &subscription).await.status, 200);
        let overrides = json!({"entitlements": {"seats": {"max": index}}});
        assert_eq!(
            app.patch(&format!("/api/v1/subscriptions/many_{index}/entitlements"), &overrides).await.status,
            200
        );
    }
    let (store, counter) = entitlements_store::Store::connect(&app.database_url)
        .await
        .expect("connect a counting store")
        .with_statement_counter();
    let organization_id = app.organization_id().await;
    let selector = |external_id: String| SubscriptionSelector::new(external_id, EnumInput::Null);
    let mut statements = Vec::new();
    for selectors in [
        vec![selector("sub_1".to_owned())],
        (0..40)
            .map(|index| selector(format!("many_{index}")))
            .chain([selector("sub_old".to_owned())])
            .collect(),
    ] {
        let before = counter.count();
        let snapshot = store.check_snapshot(organization_id, &selectors).await.expect("a snapshot");
        assert_eq!(snapshot.subscriptions.len(), selectors.len());
        statements.push(counter.count() - before);
    }
    assert_eq!(statements[0], statements[1], "one subscription or forty-one: {statements:?}");
}

clocked_backend_tests! { "2026-06-20T10:00:00Z";
    async fn time_driven_transitions_count_at_read_time(app) {
        time_driven_transitions_count_at_read_time(&app).await;
    }
}

async fn time_driven_transitions_count_at_read_time(app: &TestApp) {
    seed(app).await;
    let upcoming = json!({"subscription": {
        "external_customer_id": "cust_1", "plan_code": "startup", "external_id": "sub_next",
        "subscription_at": "2026-07-01T00:00:00Z", "ending_at": "2026-08-01T00:00:00Z"
    }});
    assert_eq!(app.post("/api/v1/subscriptions", &upcoming).await.status, 200);
    let mut client = client(app).await;
    let reason = |response: CheckResponse| response.reason();
    let revision = organization_revision(app, API_KEY).await;
    assert_eq!(
        reason(check(&mut client, request("sub_next", "seats", None)).await.expect("answered")),
        CheckReason::SubscriptionNotActive
    );
    // No write happens in between: the clock alone starts it, then ends it.
    app.clock.set("2026-07-01T00:00:00Z".parse().expect("an instant"));
    assert_eq!(
        reason(check(&mut client, request("sub_next", "seats", None)).await.expect("answered")),
        CheckReason::GrantedByPlan
    );
    app.clock.set("2026-08-01T00:00:00Z".parse().expect("an instant"));
    assert_eq!(
        reason(check(&mut client, request("sub_next", "seats", None)).await.expect("answered")),
        CheckReason::SubscriptionNotActive
    );
    let ended = with_status(request("sub_next", "seats", None), SubscriptionStatus::Terminated);
    let response = check(&mut client, ended).await.expect("answered");
    assert_eq!(
        (response.reason(), response.revision),
        (CheckReason::GrantedByPlan, revision),
        "reads write nothing"
    );
}

/// A write that lands while a check waits for its revision is seen by that check.
async fn a_min_revision_reached_during_the_wait_is_answered(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.args.min_revision_wait_ms = 10_000).await else {
        return;
    };
    seed(&app).await;
    let mut client = client(&app).await;
    let current = organization_revision(&app, API_KEY).await;
    let mut waiting = request("sub_1", "seats", Some("max"));
    waiting.min_revision = current + 1;
    let pending = tokio::spawn(async move { check(&mut client, waiting).await });
    let patch = json!({"entitlements": {"seats": {"max": 80}}});
    assert_eq!(app.patch("/api/v1/subscriptions/sub_1/entitlements", &patch).await.status, 200);
    let response = pending.await.expect("the check task").expect("answered once the write landed");
    assert_eq!(response.revision, current + 1);
    assert_eq!(response.value, integer(80));
}

mod a_min_revision_reached_during_the_wait {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        a_min_revision_reached_during_the_wait_is_answered(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        a_min_revision_reached_during_the_wait_is_answered(Backend::Postgres).await;
    }
}
