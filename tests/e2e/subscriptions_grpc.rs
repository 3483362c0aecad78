//! `entitlements.v1.SubscriptionService` over gRPC, through the generated client: every RPC, the
//! entitlements filled only by CreateSubscription and GetSubscription, timestamps to the
//! microsecond, and the error details of the error table (NOT_FOUND, INVALID_ARGUMENT with field
//! violations or `bad_request`, PERMISSION_DENIED `feature_unavailable`, FAILED_PRECONDITION,
//! UNAUTHENTICATED).

use entitlements::v1::subscription_service_client::SubscriptionServiceClient;
use entitlements::v1::{
    BillingTime, CreateSubscriptionInput, CreateSubscriptionRequest, GetSubscriptionRequest,
    ListSubscriptionsRequest, NullableString, OnTerminationCreditNote, OnTerminationInvoice, Subscription,
    SubscriptionStatus, TerminateSubscriptionRequest, UpdateSubscriptionInput, UpdateSubscriptionRequest,
};
use serde_json::json;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::support::conformance::{
    assert_bad_request, assert_error_info, assert_not_found, assert_unauthenticated, assert_violations,
};
use crate::support::{OTHER_API_KEY, TestApp, authorized, authorized_as, clocked_backend_tests};

type Subscriptions = SubscriptionServiceClient<Channel>;

fn input(plan_code: &str, external_id: &str) -> CreateSubscriptionInput {
    CreateSubscriptionInput {
        external_customer_id: Some("cust_1".to_owned()),
        plan_code: Some(plan_code.to_owned()),
        external_id: Some(external_id.to_owned()),
        ..CreateSubscriptionInput::default()
    }
}

async fn create(
    client: &mut Subscriptions,
    subscription: CreateSubscriptionInput,
) -> Result<Subscription, Status> {
    let request = CreateSubscriptionRequest { subscription: Some(subscription) };
    Ok(client
        .create_subscription(authorized(request))
        .await?
        .into_inner()
        .subscription
        .expect("a subscription"))
}

async fn get(
    client: &mut Subscriptions,
    external_id: &str,
    status: Option<&str>,
) -> Result<Subscription, Status> {
    let request =
        GetSubscriptionRequest { external_id: external_id.to_owned(), status: status.map(str::to_owned) };
    Ok(client.get_subscription(authorized(request)).await?.into_inner().subscription.expect("a subscription"))
}

async fn update(
    client: &mut Subscriptions,
    external_id: &str,
    subscription: Option<UpdateSubscriptionInput>,
) -> Result<Subscription, Status> {
    let request =
        UpdateSubscriptionRequest { external_id: external_id.to_owned(), status: None, subscription };
    Ok(client
        .update_subscription(authorized(request))
        .await?
        .into_inner()
        .subscription
        .expect("a subscription"))
}

/// The plan `startup` granting the feature `seats`, and the plan `advance` paid in advance.
async fn catalog(app: &TestApp) {
    app.create_feature(json!({"code": "seats"})).await;
    for (code, pay_in_advance) in [("startup", false), ("advance", true)] {
        let plan = json!({"plan": {
            "name": code, "code": code, "interval": "monthly", "amount_cents": 1000,
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
                ending_at: Some(NullableString { value: Some("2027-01-01T00:00:00Z".to_owned()) }),
                ..input("startup", "sub_1")
            },
        )
        .await
        .expect("created");
        assert_eq!((created.status(), created.billing_time()), (SubscriptionStatus::Active, BillingTime::Anniversary));
        assert_eq!(created.name.as_deref(), Some(""));
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
        let fetched = get(&mut client, "sub_1", None).await.expect("found");
        assert_eq!((fetched.id.as_str(), fetched.entitlements.len()), (created.id.as_str(), 1));
        let listed = client.list_subscriptions(authorized(ListSubscriptionsRequest::default())).await.expect("a list");
        let listed = listed.into_inner();
        assert_eq!(listed.meta.expect("meta").total_count, 1);
        assert!(listed.subscriptions.iter().all(|subscription| subscription.entitlements.is_empty()));
        let updated = update(
            &mut client,
            "sub_1",
            Some(UpdateSubscriptionInput {
                name: Some(NullableString { value: Some("renamed".to_owned()) }),
                on_termination_invoice: Some(OnTerminationInvoice::Skip.into()),
                ..UpdateSubscriptionInput::default()
            }),
        )
        .await
        .expect("updated");
        assert_eq!((updated.name.as_deref(), updated.entitlements.len()), (Some("renamed"), 0));
        create(&mut client, input("advance", "sub_2")).await.expect("created");
        let request = TerminateSubscriptionRequest {
            external_id: "sub_2".to_owned(),
            status: None,
            on_termination_credit_note: Some(OnTerminationCreditNote::Refund.into()),
            on_termination_invoice: None,
        };
        let terminated = client.terminate_subscription(authorized(request)).await.expect("terminated").into_inner();
        let terminated = terminated.subscription.expect("a subscription");
        assert_eq!(terminated.status(), SubscriptionStatus::Terminated);
        assert_eq!(terminated.on_termination_credit_note(), OnTerminationCreditNote::Refund);
        assert_eq!(terminated.on_termination_invoice(), OnTerminationInvoice::Generate);
    }

    async fn errors_carry_lagos_codes(app) {
        catalog(&app).await;
        let mut client = app.subscription_client().await;
        assert_bad_request(client.create_subscription(authorized(CreateSubscriptionRequest { subscription: None })).await);
        assert_not_found(create(&mut client, input("nope", "sub_1")).await, "plan_not_found");
        let billing_entity = CreateSubscriptionInput { billing_entity_code: Some("eu".to_owned()), ..input("startup", "s") };
        assert_not_found(create(&mut client, billing_entity).await, "billing_entity_not_found");
        let dates = CreateSubscriptionInput {
            subscription_at: Some("hello".to_owned()),
            ending_at: Some(NullableString { value: Some("2020-01-01".to_owned()) }),
            ..input("startup", "s")
        };
        assert_violations(create(&mut client, dates).await, &[("subscription_at", "invalid_date"), ("ending_at", "invalid_date")]);
        let overrides = CreateSubscriptionInput { plan_overrides: true, ..input("startup", "s") };
        let status = create(&mut client, overrides).await.expect_err("refused");
        assert_error_info(&status, Code::PermissionDenied, "feature_unavailable");
        let billing_time = CreateSubscriptionInput { billing_time: Some(7), ..input("startup", "s") };
        assert_violations(create(&mut client, billing_time).await, &[("billing_time", "value_is_invalid")]);
        assert_not_found(get(&mut client, "s", None).await, "subscription_not_found");
        assert_not_found(get(&mut client, "s", Some("incomplete")).await, "subscription_not_found");
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
            &[("on_termination_credit_note", "invalid_value"), ("on_termination_invoice", "invalid_value")],
        );
        let terminate = TerminateSubscriptionRequest { external_id: "s".to_owned(), ..TerminateSubscriptionRequest::default() };
        client.terminate_subscription(authorized(terminate.clone())).await.expect("terminated");
        let number = UpdateSubscriptionInput {
            purchase_order_number: Some(NullableString { value: None }),
            ..UpdateSubscriptionInput::default()
        };
        let status = update(&mut client, "s", Some(number)).await.expect_err("not editable");
        assert_error_info(&status, Code::FailedPrecondition, "purchase_order_number_not_editable");
        assert_not_found(client.terminate_subscription(authorized(terminate)).await, "subscription_not_found");
        let too_large = ListSubscriptionsRequest { per_page: 1001, ..ListSubscriptionsRequest::default() };
        assert_violations(
            client.list_subscriptions(authorized(too_large)).await,
            &[("per_page", "value_is_out_of_range")],
        );
        let customer = ListSubscriptionsRequest {
            external_customer_id: Some("nobody".to_owned()),
            customer_must_exist: true,
            ..ListSubscriptionsRequest::default()
        };
        assert_not_found(client.list_subscriptions(authorized(customer)).await, "customer_not_found");
    }

    async fn keys_select_the_organization(app) {
        catalog(&app).await;
        let mut client = app.subscription_client().await;
        create(&mut client, input("startup", "mine")).await.expect("created");
        let request = GetSubscriptionRequest { external_id: "mine".to_owned(), status: None };
        assert_not_found(client.get_subscription(authorized_as(OTHER_API_KEY, request.clone())).await, "subscription_not_found");
        let theirs = CreateSubscriptionRequest { subscription: Some(input("startup", "mine")) };
        // The other organization has no such plan.
        assert_not_found(client.create_subscription(authorized_as(OTHER_API_KEY, theirs)).await, "plan_not_found");
        assert_unauthenticated(client.get_subscription(tonic::Request::new(request)).await);
        assert_eq!(get(&mut client, "mine", None).await.expect("still there").external_id, "mine");
    }
}
