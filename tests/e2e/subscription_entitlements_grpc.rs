//! `entitlements.v1.EntitlementService`'s subscription operations over gRPC, through the
//! generated client: the merge with typed values (plan value, override value), overrides,
//! removals, the status selector (a SubscriptionStatus), and the exact error details.

use entitlements::v1::entitlement_service_client::EntitlementServiceClient;
use entitlements::v1::{
    EntitlementInput, ListSubscriptionEntitlementsRequest, PrivilegeConfig, PrivilegeValue,
    PrivilegeValueEntry, PrivilegeValueInput, PrivilegeValueType, RemoveSubscriptionFeatureRequest,
    RemoveSubscriptionPrivilegeRequest, SubscriptionEntitlement, SubscriptionEntitlementPrivilege,
    SubscriptionStatus, UpdateSubscriptionEntitlementsRequest, privilege_value, privilege_value_input,
};
use serde_json::json;
use tonic::Status;
use tonic::transport::Channel;

use crate::support::conformance::{assert_not_found, assert_unauthenticated, assert_violations};
use crate::support::{OTHER_API_KEY, TestApp, authorized, authorized_as, backend_tests};

type Entitlements = EntitlementServiceClient<Channel>;

/// The feature `seats` (`max` integer, `root` boolean), the plan `startup` granting `max = 10`,
/// and the subscription `sub_1` on it, all through REST.
async fn seats_on_startup(app: &TestApp) -> Entitlements {
    app.create_feature(json!({
        "code": "seats",
        "privileges": [{"code": "max", "value_type": "integer"}, {"code": "root", "value_type": "boolean"}]
    }))
    .await;
    let plan = json!({"plan": {
        "name": "Startup", "code": "startup", "interval": "monthly", "amount_cents": 100,
        "amount_currency": "EUR", "pay_in_advance": false
    }});
    assert_eq!(app.post("/api/v1/plans", &plan).await.status, 200);
    let grant = json!({"entitlements": {"seats": {"max": 10}}});
    assert_eq!(app.post("/api/v1/plans/startup/entitlements", &grant).await.status, 200);
    let subscription = json!({"subscription": {"external_customer_id": "c", "plan_code": "startup", "external_id": "sub_1"}});
    assert_eq!(app.post("/api/v1/subscriptions", &subscription).await.status, 200);
    EntitlementServiceClient::new(app.grpc_channel().await)
}

fn integer(value: i64) -> PrivilegeValue {
    PrivilegeValue { kind: Some(privilege_value::Kind::IntegerValue(value)) }
}

fn boolean(value: bool) -> PrivilegeValue {
    PrivilegeValue { kind: Some(privilege_value::Kind::BooleanValue(value)) }
}

fn effective(
    code: &str,
    value_type: PrivilegeValueType,
    plan_value: Option<PrivilegeValue>,
    override_value: Option<PrivilegeValue>,
) -> SubscriptionEntitlementPrivilege {
    SubscriptionEntitlementPrivilege {
        code: code.to_owned(),
        name: None,
        value_type: value_type.into(),
        value: override_value.clone().or_else(|| plan_value.clone()),
        plan_value,
        override_value,
        config: Some(PrivilegeConfig { select_options: vec![] }),
    }
}

fn seats(privileges: Vec<SubscriptionEntitlementPrivilege>) -> SubscriptionEntitlement {
    SubscriptionEntitlement { code: "seats".to_owned(), name: None, description: None, privileges }
}

fn inputs(privileges: Vec<(&str, privilege_value_input::Kind)>) -> Vec<EntitlementInput> {
    vec![EntitlementInput {
        feature_code: "seats".to_owned(),
        privileges: privileges
            .into_iter()
            .map(|(code, kind)| PrivilegeValueEntry {
                privilege_code: code.to_owned(),
                value: Some(PrivilegeValueInput { kind: Some(kind) }),
            })
            .collect(),
    }]
}

async fn update(
    client: &mut Entitlements,
    entitlements: Vec<EntitlementInput>,
) -> Result<Vec<SubscriptionEntitlement>, Status> {
    let request = UpdateSubscriptionEntitlementsRequest {
        subscription_external_id: "sub_1".to_owned(),
        subscription_status: SubscriptionStatus::Unspecified.into(),
        entitlements,
    };
    Ok(client.update_subscription_entitlements(authorized(request)).await?.into_inner().entitlements)
}

fn list_request(external_id: &str, status: i32) -> ListSubscriptionEntitlementsRequest {
    ListSubscriptionEntitlementsRequest {
        subscription_external_id: external_id.to_owned(),
        subscription_status: status,
    }
}

backend_tests! {
    async fn every_subscription_entitlement_rpc(app) {
        use privilege_value_input::Kind as Input;
        let mut client = seats_on_startup(&app).await;
        let listed = client.list_subscription_entitlements(authorized(list_request("sub_1", 0))).await;
        let plan_only = seats(vec![effective("max", PrivilegeValueType::Integer, Some(integer(10)), None)]);
        assert_eq!(listed.expect("list").into_inner().entitlements, std::slice::from_ref(&plan_only));
        // ACTIVE, as an enum, finds the active subscription (as UNSPECIFIED does).
        let active = list_request("sub_1", SubscriptionStatus::Active.into());
        let listed = client.list_subscription_entitlements(authorized(active)).await;
        assert_eq!(listed.expect("list").into_inner().entitlements, std::slice::from_ref(&plan_only));

        let updated = update(&mut client, inputs(vec![("max", Input::StringValue("60".to_owned())), ("root", Input::BooleanValue(true))]))
            .await
            .expect("update");
        assert_eq!(
            updated,
            [seats(vec![
                effective("max", PrivilegeValueType::Integer, Some(integer(10)), Some(integer(60))),
                effective("root", PrivilegeValueType::Boolean, None, Some(boolean(true))),
            ])]
        );
        let request = RemoveSubscriptionPrivilegeRequest {
            subscription_external_id: "sub_1".to_owned(),
            subscription_status: SubscriptionStatus::Active.into(),
            feature_code: "seats".to_owned(),
            privilege_code: "max".to_owned(),
        };
        let removed = client.remove_subscription_privilege(authorized(request)).await.expect("remove privilege");
        assert_eq!(
            removed.into_inner().entitlements,
            [seats(vec![effective("root", PrivilegeValueType::Boolean, None, Some(boolean(true)))])]
        );
        let request = RemoveSubscriptionFeatureRequest {
            subscription_external_id: "sub_1".to_owned(),
            subscription_status: SubscriptionStatus::Unspecified.into(),
            feature_code: "seats".to_owned(),
        };
        let removed = client.remove_subscription_feature(authorized(request)).await.expect("remove feature");
        assert_eq!(removed.into_inner().entitlements, []);
        // Naming the feature with the plan's values brings the plan's entitlement back.
        let restored = update(&mut client, inputs(vec![("max", Input::IntegerValue(10))])).await.expect("restore");
        assert_eq!(restored, [plan_only]);
    }

    async fn errors_carry_lagos_codes(app) {
        use privilege_value_input::Kind as Input;
        let mut client = seats_on_startup(&app).await;
        assert_violations(update(&mut client, inputs(vec![("max", Input::StringValue("ten".to_owned()))])).await, &[("entitlements[0].privileges[0].value", "value_is_invalid")]);
        assert_violations(update(&mut client, inputs(vec![("root", Input::IntegerValue(1))])).await, &[("entitlements[0].privileges[0].value", "value_is_invalid")]);
        let request = PrivilegeValueEntry { privilege_code: "max".to_owned(), value: None };
        let null = vec![EntitlementInput { feature_code: "seats".to_owned(), privileges: vec![request] }];
        assert_violations(update(&mut client, null).await, &[("entitlements[0].privileges[0].value", "value_is_mandatory")]);
        assert_not_found(update(&mut client, inputs(vec![("nope", Input::IntegerValue(1))])).await, "privilege_not_found");
        let ghost = vec![EntitlementInput { feature_code: "ghost".to_owned(), privileges: vec![] }];
        assert_not_found(update(&mut client, ghost).await, "feature_not_found");
        // An unknown external id, a status the subscription does not have, a status number
        // outside the enum.
        for (external_id, status) in [("unknown", 0), ("sub_1", SubscriptionStatus::Pending.into()), ("sub_1", 42)] {
            let listed = client.list_subscription_entitlements(authorized(list_request(external_id, status))).await;
            assert_not_found(listed, "subscription_not_found");
        }
        let request = RemoveSubscriptionFeatureRequest {
            subscription_external_id: "sub_1".to_owned(),
            subscription_status: SubscriptionStatus::Unspecified.into(),
            feature_code: "ghost".to_owned(),
        };
        assert_not_found(client.remove_subscription_feature(authorized(request)).await, "feature_not_found");
        // Another organization sees no such subscription; no key is unauthenticated.
        let other = client.list_subscription_entitlements(authorized_as(OTHER_API_KEY, list_request("sub_1", 0))).await;
        assert_not_found(other, "subscription_not_found");
        assert_unauthenticated(client.list_subscription_entitlements(tonic::Request::new(list_request("sub_1", 0))).await);
    }
}
