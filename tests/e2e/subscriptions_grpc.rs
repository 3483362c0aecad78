//! `entitlements.v1.SubscriptionService` over gRPC, through the generated client: every RPC, the
//! entitlements filled only by CreateSubscription and GetSubscription, timestamps to the
//! microsecond, statuses as enums in requests, the update mask (and the create mask of plan
//! changes), `validate_only`, calendar dates, and the error details of the error table
//! (NOT_FOUND, INVALID_ARGUMENT with field violations or `bad_request`, FAILED_PRECONDITION,
//! UNAUTHENTICATED).

use entitlements::google::r#type::Date;
use entitlements::v1::subscription_service_client::SubscriptionServiceClient;
use entitlements::v1::{
    BillingTime, CreateSubscriptionInput, CreateSubscriptionRequest, GetSubscriptionRequest,
    ListSubscriptionsRequest, OnTerminationCreditNote, OnTerminationInvoice, Subscription,
    SubscriptionStatus, TerminateSubscriptionRequest, UpdateSubscriptionInput, UpdateSubscriptionRequest,
};
use prost_types::{FieldMask, Timestamp};
use serde_json::json;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::support::conformance::{
    assert_bad_request, assert_error_info, assert_not_found, assert_unauthenticated, assert_violations,
};
use crate::support::{OTHER_API_KEY, TestApp, authorized, authorized_as, clocked_backend_tests};

type Subscriptions = SubscriptionServiceClient<Channel>;

/// 2027-01-01T00:00:00Z.
const NEW_YEAR: i64 = 1_798_761_600;
/// 2026-09-01T00:00:00Z.
const SEPTEMBER: i64 = 1_788_220_800;

fn at(seconds: i64) -> Option<Timestamp> {
    Some(Timestamp { seconds, nanos: 0 })
}

fn mask(paths: &[&str]) -> Option<FieldMask> {
    Some(FieldMask { paths: paths.iter().map(|&path| path.to_owned()).collect() })
}

fn input(plan_code: &str, external_id: &str) -> CreateSubscriptionInput {
    CreateSubscriptionInput {
        external_customer_id: Some("cust_1".to_owned()),
        plan_code: Some(plan_code.to_owned()),
        external_id: Some(external_id.to_owned()),
        ..CreateSubscriptionInput::default()
    }
}

fn create_request(subscription: CreateSubscriptionInput) -> CreateSubscriptionRequest {
    CreateSubscriptionRequest { subscription: Some(subscription), ..CreateSubscriptionRequest::default() }
}

async fn send_create(
    client: &mut Subscriptions,
    request: CreateSubscriptionRequest,
) -> Result<Subscription, Status> {
    Ok(client
        .create_subscription(authorized(request))
        .await?
        .into_inner()
        .subscription
        .expect("a subscription"))
}

async fn create(
    client: &mut Subscriptions,
    subscription: CreateSubscriptionInput,
) -> Result<Subscription, Status> {
    send_create(client, create_request(subscription)).await
}

async fn get(
    client: &mut Subscriptions,
    external_id: &str,
    status: SubscriptionStatus,
) -> Result<Subscription, Status> {
    let request = GetSubscriptionRequest { external_id: external_id.to_owned(), status: status.into() };
    Ok(client.get_subscription(authorized(request)).await?.into_inner().subscription.expect("a subscription"))
}

async fn send_update(
    client: &mut Subscriptions,
    request: UpdateSubscriptionRequest,
) -> Result<Subscription, Status> {
    Ok(client
        .update_subscription(authorized(request))
        .await?
        .into_inner()
        .subscription
        .expect("a subscription"))
}

async fn update(
    client: &mut Subscriptions,
    external_id: &str,
    subscription: Option<UpdateSubscriptionInput>,
) -> Result<Subscription, Status> {
    let request = UpdateSubscriptionRequest {
        external_id: external_id.to_owned(),
        subscription,
        ..UpdateSubscriptionRequest::default()
    };
    send_update(client, request).await
}

async fn list(client: &mut Subscriptions, request: ListSubscriptionsRequest) -> Vec<String> {
    let response = client.list_subscriptions(authorized(request)).await.expect("a list").into_inner();
    response.subscriptions.into_iter().map(|subscription| subscription.external_id).collect()
}

/// The plan `startup` granting the feature `seats`, the plan `advance` paid in advance, and the
/// plans `big` (an upgrade from `startup`) and `small` (a downgrade).
async fn catalog(app: &TestApp) {
    app.create_feature(json!({"code": "seats"})).await;
    for (code, amount_cents, pay_in_advance) in
        [("startup", 1000, false), ("advance", 1000, true), ("big", 5000, false), ("small", 100, false)]
    {
        let plan = json!({"plan": {
            "name": code, "code": code, "interval": "monthly", "amount_cents": amount_cents,
            "amount_currency": "EUR", "pay_in_advance": pay_in_advance
        }});
        assert_eq!(app.post("/api/v1/plans", &plan).await.status, 200);
    }
    let grant = app.post("/api/v1/plans/startup/entitlements", &json!({"entitlements": {"seats": {}}})).await;
    assert_eq!(grant.status, 200);
}

clocked_backend_tests! { "2026-06-20T10:00:00.123456Z";
    async fn every_rpc(app) {
        catalog(&app).await;
        let mut client = app.subscription_client().await;
        let created = create(
            &mut client,
            CreateSubscriptionInput {
                billing_time: Some(BillingTime::Anniversary.into()),
                ending_at: at(NEW_YEAR),
                ..input("startup", "sub_1")
            },
        )
        .await
        .expect("created");
        assert_eq!((created.status(), created.billing_time()), (SubscriptionStatus::Active, BillingTime::Anniversary));
        assert_eq!((created.name.as_deref(), created.ending_at), (Some(""), at(NEW_YEAR)));
        let started_at = created.started_at.expect("started");
        assert_eq!((started_at.seconds, started_at.nanos), (1_781_949_600, 123_456_000));
        assert_eq!(created.entitlements.iter().map(|entitlement| entitlement.code.as_str()).collect::<Vec<_>>(), ["seats"]);
        let plan = created.plan.as_ref().expect("the plan");
        assert_eq!((plan.code.as_str(), plan.amount_currency.as_str()), ("startup", "EUR"));
        let period = created.current_billing_period.expect("a period");
        assert_eq!(period.ending_at.expect("an end").seconds, 1_784_505_599);
        // REST shows the start to the millisecond, every other instant to the second.
        let rest = app.get("/api/v1/subscriptions/sub_1").await;
        assert_eq!(
            (&rest.body["subscription"]["started_at"], &rest.body["subscription"]["subscription_at"]),
            (&json!("2026-06-20T10:00:00.123Z"), &json!("2026-06-20T10:00:00Z"))
        );
        let fetched = get(&mut client, "sub_1", SubscriptionStatus::Unspecified).await.expect("found");
        assert_eq!((fetched.id.as_str(), fetched.entitlements.len()), (created.id.as_str(), 1));
        let listed = client.list_subscriptions(authorized(ListSubscriptionsRequest::default())).await.expect("a list");
        let listed = listed.into_inner();
        assert_eq!(listed.meta.expect("meta").total_count, 1);
        assert!(listed.subscriptions.iter().all(|subscription| subscription.entitlements.is_empty()));
        let updated = update(
            &mut client,
            "sub_1",
            Some(UpdateSubscriptionInput {
                name: Some("renamed".to_owned()),
                on_termination_invoice: Some(OnTerminationInvoice::Skip.into()),
                ..UpdateSubscriptionInput::default()
            }),
        )
        .await
        .expect("updated");
        assert_eq!((updated.name.as_deref(), updated.entitlements.len()), (Some("renamed"), 0));
        assert_eq!(updated.ending_at, at(NEW_YEAR));
        create(&mut client, input("advance", "sub_2")).await.expect("created");
        let request = TerminateSubscriptionRequest {
            external_id: "sub_2".to_owned(),
            on_termination_credit_note: Some(OnTerminationCreditNote::Refund.into()),
            ..TerminateSubscriptionRequest::default()
        };
        let terminated = client.terminate_subscription(authorized(request)).await.expect("terminated").into_inner();
        let terminated = terminated.subscription.expect("a subscription");
        assert_eq!(terminated.status(), SubscriptionStatus::Terminated);
        assert_eq!(terminated.on_termination_credit_note(), OnTerminationCreditNote::Refund);
        assert_eq!(terminated.on_termination_invoice(), OnTerminationInvoice::Generate);
    }

    async fn statuses_are_enums_in_requests(app) {
        catalog(&app).await;
        let mut client = app.subscription_client().await;
        create(&mut client, input("startup", "sub_1")).await.expect("created");
        let pending = create(&mut client, CreateSubscriptionInput { subscription_at: at(SEPTEMBER), ..input("startup", "sub_2") })
            .await
            .expect("created");
        assert_eq!(pending.status(), SubscriptionStatus::Pending);
        let request = TerminateSubscriptionRequest { external_id: "sub_1".to_owned(), ..TerminateSubscriptionRequest::default() };
        let terminated = client.terminate_subscription(authorized(request)).await.expect("terminated").into_inner();
        let terminated = terminated.subscription.expect("a subscription");
        create(&mut client, input("startup", "sub_1")).await.expect("created again");
        // ACTIVE finds the active one (as UNSPECIFIED does), TERMINATED the one that ended.
        let active = get(&mut client, "sub_1", SubscriptionStatus::Active).await.expect("found");
        assert_eq!(active.status(), SubscriptionStatus::Active);
        assert_eq!(get(&mut client, "sub_1", SubscriptionStatus::Unspecified).await.expect("found").id, active.id);
        assert_eq!(get(&mut client, "sub_1", SubscriptionStatus::Terminated).await.expect("found").id, terminated.id);
        assert_eq!(get(&mut client, "sub_2", SubscriptionStatus::Pending).await.expect("found").id, pending.id);
        assert_not_found(get(&mut client, "sub_2", SubscriptionStatus::Active).await, "subscription_not_found");
        // A status number outside the enum finds nothing.
        let unknown = GetSubscriptionRequest { external_id: "sub_1".to_owned(), status: 42 };
        assert_not_found(client.get_subscription(authorized(unknown)).await, "subscription_not_found");
        // Lists: ACTIVE by default; the statuses asked; UNSPECIFIED matches nothing.
        let statuses = |statuses: &[SubscriptionStatus]| ListSubscriptionsRequest {
            statuses: statuses.iter().map(|status| i32::from(*status)).collect(),
            ..ListSubscriptionsRequest::default()
        };
        assert_eq!(list(&mut client, statuses(&[])).await, ["sub_1"]);
        assert_eq!(list(&mut client, statuses(&[SubscriptionStatus::Active])).await, ["sub_1"]);
        assert_eq!(
            list(&mut client, statuses(&[SubscriptionStatus::Pending, SubscriptionStatus::Terminated])).await,
            ["sub_2", "sub_1"]
        );
        assert_eq!(list(&mut client, statuses(&[SubscriptionStatus::Unspecified])).await, Vec::<String>::new());
        // `overridden`: true lists the subscriptions on plan overrides, of which there are none.
        let overridden = |flag| ListSubscriptionsRequest { overridden: Some(flag), ..ListSubscriptionsRequest::default() };
        assert_eq!(list(&mut client, overridden(true)).await, Vec::<String>::new());
        assert_eq!(list(&mut client, overridden(false)).await, ["sub_1"]);
        // An update picks the pending one by its status; a termination takes only ACTIVE or PENDING.
        let renamed = send_update(
            &mut client,
            UpdateSubscriptionRequest {
                external_id: "sub_2".to_owned(),
                status: SubscriptionStatus::Pending.into(),
                subscription: Some(UpdateSubscriptionInput { name: Some("later".to_owned()), ..Default::default() }),
                ..UpdateSubscriptionRequest::default()
            },
        )
        .await
        .expect("updated");
        assert_eq!((renamed.id, renamed.name.as_deref()), (pending.id.clone(), Some("later")));
        let refused = TerminateSubscriptionRequest {
            external_id: "sub_1".to_owned(),
            status: SubscriptionStatus::Terminated.into(),
            ..TerminateSubscriptionRequest::default()
        };
        assert_violations(client.terminate_subscription(authorized(refused)).await, &[("status", "value_is_invalid")]);
        let cancel = TerminateSubscriptionRequest {
            external_id: "sub_2".to_owned(),
            status: SubscriptionStatus::Pending.into(),
            ..TerminateSubscriptionRequest::default()
        };
        let canceled = client.terminate_subscription(authorized(cancel)).await.expect("canceled").into_inner();
        assert_eq!(canceled.subscription.expect("a subscription").status(), SubscriptionStatus::Canceled);
    }

    async fn masks_validate_only_and_dates(app) {
        catalog(&app).await;
        let mut client = app.subscription_client().await;
        create(
            &mut client,
            CreateSubscriptionInput { name: Some("first".to_owned()), ending_at: at(NEW_YEAR), ..input("startup", "sub_1") },
        )
        .await
        .expect("created");
        // Listed and unset: no end. Set but unlisted: not written.
        let request = UpdateSubscriptionRequest {
            external_id: "sub_1".to_owned(),
            subscription: Some(UpdateSubscriptionInput { name: Some("ignored".to_owned()), ..Default::default() }),
            update_mask: mask(&["ending_at"]),
            ..UpdateSubscriptionRequest::default()
        };
        let cleared = send_update(&mut client, request).await.expect("updated");
        assert_eq!((cleared.ending_at, cleared.name.as_deref()), (None, Some("first")));
        let unknown = UpdateSubscriptionRequest {
            external_id: "sub_1".to_owned(),
            subscription: Some(UpdateSubscriptionInput::default()),
            update_mask: mask(&["ending"]),
            ..UpdateSubscriptionRequest::default()
        };
        assert_violations(send_update(&mut client, unknown).await, &[("update_mask", "unknown_field")]);
        // A listed start date must be a date.
        let no_start = UpdateSubscriptionRequest {
            external_id: "sub_1".to_owned(),
            subscription: Some(UpdateSubscriptionInput::default()),
            update_mask: mask(&["subscription_at"]),
            ..UpdateSubscriptionRequest::default()
        };
        assert_violations(send_update(&mut client, no_start).await, &[("subscription.subscription_at", "invalid_date")]);
        // validate_only answers what the update would do, and writes nothing.
        let events = app.change_event_codes().await;
        let dry_run = UpdateSubscriptionRequest {
            external_id: "sub_1".to_owned(),
            subscription: Some(UpdateSubscriptionInput { ending_at: at(NEW_YEAR), ..Default::default() }),
            validate_only: true,
            ..UpdateSubscriptionRequest::default()
        };
        assert_eq!(send_update(&mut client, dry_run).await.expect("valid").ending_at, at(NEW_YEAR));
        let mut dry_create = create_request(input("startup", "sub_2"));
        dry_create.validate_only = true;
        assert_eq!(send_create(&mut client, dry_create).await.expect("valid").external_id, "sub_2");
        assert_eq!(app.change_event_codes().await, events);
        assert_eq!(get(&mut client, "sub_1", SubscriptionStatus::Active).await.expect("found").ending_at, None);
        assert_not_found(get(&mut client, "sub_2", SubscriptionStatus::Active).await, "subscription_not_found");
        // A downgrade shows its date as a calendar date.
        update(&mut client, "sub_1", Some(UpdateSubscriptionInput { ending_at: at(NEW_YEAR), ..Default::default() }))
            .await
            .expect("updated");
        let current = create(&mut client, input("small", "sub_1")).await.expect("downgraded");
        assert_eq!(current.next_plan_code.as_deref(), Some("small"));
        assert_eq!(current.downgrade_plan_date, Some(Date { year: 2026, month: 7, day: 1 }));
        // An upgrade keeps the current end, unless its mask names `ending_at`.
        let upgraded = create(&mut client, input("big", "sub_1")).await.expect("upgraded");
        assert_eq!((upgraded.plan.expect("a plan").code.as_str(), upgraded.ending_at), ("big", at(NEW_YEAR)));
        create(&mut client, input("startup", "sub_3")).await.expect("created");
        update(&mut client, "sub_3", Some(UpdateSubscriptionInput { ending_at: at(NEW_YEAR), ..Default::default() }))
            .await
            .expect("updated");
        let mut endless = create_request(input("big", "sub_3"));
        endless.update_mask = mask(&["ending_at"]);
        assert_eq!(send_create(&mut client, endless).await.expect("upgraded").ending_at, None);
    }

    async fn errors_carry_lagos_codes(app) {
        catalog(&app).await;
        let mut client = app.subscription_client().await;
        assert_bad_request(client.create_subscription(authorized(CreateSubscriptionRequest::default())).await);
        assert_not_found(create(&mut client, input("nope", "sub_1")).await, "plan_not_found");
        let billing_entity = CreateSubscriptionInput { billing_entity_code: "eu".to_owned(), ..input("startup", "s") };
        assert_not_found(create(&mut client, billing_entity).await, "billing_entity_not_found");
        // An end on a date before the start's (or today's) is no date; so is an instant chrono
        // cannot hold.
        let dates = CreateSubscriptionInput {
            subscription_at: Some(Timestamp { seconds: 0, nanos: -1 }),
            ending_at: at(1_577_836_800),
            ..input("startup", "s")
        };
        assert_violations(create(&mut client, dates).await, &[("subscription.subscription_at", "invalid_date"), ("subscription.ending_at", "invalid_date")]);
        let today = CreateSubscriptionInput { ending_at: at(1_781_996_400), ..input("startup", "s") };
        assert_violations(create(&mut client, today).await, &[("subscription.ending_at", "invalid_date")]);
        let mut unknown_path = create_request(input("startup", "s"));
        unknown_path.update_mask = mask(&["plan_overrides"]);
        assert_violations(send_create(&mut client, unknown_path).await, &[("update_mask", "unknown_field")]);
        let billing_time = CreateSubscriptionInput { billing_time: Some(7), ..input("startup", "s") };
        assert_violations(create(&mut client, billing_time).await, &[("subscription.billing_time", "value_is_invalid")]);
        assert_not_found(get(&mut client, "s", SubscriptionStatus::Unspecified).await, "subscription_not_found");
        assert_not_found(update(&mut client, "s", None).await, "subscription_not_found");
        create(&mut client, CreateSubscriptionInput { purchase_order_number: Some("PO".to_owned()), ..input("startup", "s") })
            .await
            .expect("created");
        assert_bad_request(update(&mut client, "s", None).await);
        let invalid = UpdateSubscriptionInput {
            on_termination_credit_note: Some(9),
            on_termination_invoice: Some(9),
            ..UpdateSubscriptionInput::default()
        };
        assert_violations(
            update(&mut client, "s", Some(invalid)).await,
            &[("subscription.on_termination_credit_note", "invalid_value"), ("subscription.on_termination_invoice", "invalid_value")],
        );
        let entity = UpdateSubscriptionInput { billing_entity_code: "eu".to_owned(), ..UpdateSubscriptionInput::default() };
        assert_not_found(update(&mut client, "s", Some(entity)).await, "billing_entity_not_found");
        let terminate = TerminateSubscriptionRequest { external_id: "s".to_owned(), ..TerminateSubscriptionRequest::default() };
        client.terminate_subscription(authorized(terminate.clone())).await.expect("terminated");
        let number = UpdateSubscriptionRequest {
            external_id: "s".to_owned(),
            subscription: Some(UpdateSubscriptionInput::default()),
            update_mask: mask(&["purchase_order_number"]),
            ..UpdateSubscriptionRequest::default()
        };
        let status = send_update(&mut client, number).await.expect_err("not editable");
        assert_error_info(&status, Code::FailedPrecondition, "purchase_order_number_not_editable");
        assert_not_found(client.terminate_subscription(authorized(terminate)).await, "subscription_not_found");
        let too_large = ListSubscriptionsRequest { per_page: 1001, ..ListSubscriptionsRequest::default() };
        assert_violations(
            client.list_subscriptions(authorized(too_large)).await,
            &[("per_page", "value_is_out_of_range")],
        );
        // An unknown customer's list is empty (it is the REST route that asks for the customer).
        let customer = ListSubscriptionsRequest {
            external_customer_id: Some("nobody".to_owned()),
            ..ListSubscriptionsRequest::default()
        };
        assert_eq!(list(&mut client, customer).await, Vec::<String>::new());
    }

    async fn keys_select_the_organization(app) {
        catalog(&app).await;
        let mut client = app.subscription_client().await;
        create(&mut client, input("startup", "mine")).await.expect("created");
        let request = GetSubscriptionRequest { external_id: "mine".to_owned(), ..GetSubscriptionRequest::default() };
        assert_not_found(client.get_subscription(authorized_as(OTHER_API_KEY, request.clone())).await, "subscription_not_found");
        let theirs = create_request(input("startup", "mine"));
        // The other organization has no such plan.
        assert_not_found(client.create_subscription(authorized_as(OTHER_API_KEY, theirs)).await, "plan_not_found");
        assert_unauthenticated(client.get_subscription(tonic::Request::new(request)).await);
        assert_eq!(get(&mut client, "mine", SubscriptionStatus::Active).await.expect("still there").external_id, "mine");
    }
}
