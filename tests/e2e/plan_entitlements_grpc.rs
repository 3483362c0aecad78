//! `entitlements.v1.EntitlementService`'s plan operations over gRPC, through the generated client:
//! every RPC, typed privilege values both ways (raw text forms validated, no value refused), an
//! empty replacement removing everything, and the exact error details.

use entitlements::v1::entitlement_service_client::EntitlementServiceClient;
use entitlements::v1::plan_service_client::PlanServiceClient;
use entitlements::v1::{
    DeletePlanEntitlementPrivilegeRequest, DeletePlanEntitlementRequest, EntitlementInput,
    GetPlanEntitlementRequest, GetPlanRequest, ListPlanEntitlementsRequest, PlanEntitlement,
    PlanEntitlementPrivilege, PrivilegeConfig, PrivilegeValue, PrivilegeValueEntry, PrivilegeValueInput,
    PrivilegeValueType, ReplacePlanEntitlementsRequest, UpdatePlanEntitlementsRequest, privilege_value,
    privilege_value_input,
};
use serde_json::json;
use tonic::Status;
use tonic::transport::Channel;

use crate::support::conformance::{assert_not_found, assert_unauthenticated, assert_violations};
use crate::support::{OTHER_API_KEY, TestApp, authorized, authorized_as, backend_tests};

type Entitlements = EntitlementServiceClient<Channel>;

/// The feature `seats` (`max` integer, `root` boolean, `provider` select) and the plan `startup`.
async fn seats_and_startup(app: &TestApp) -> Entitlements {
    app.create_feature(json!({
        "code": "seats", "name": "Seats",
        "privileges": [
            {"code": "max", "value_type": "integer"},
            {"code": "root", "value_type": "boolean"},
            {"code": "provider", "value_type": "select", "config": {"select_options": ["google", "okta"]}}
        ]
    }))
    .await;
    let plan = json!({"plan": {
        "name": "Startup", "code": "startup", "interval": "monthly", "amount_cents": 100,
        "amount_currency": "EUR", "pay_in_advance": false
    }});
    assert_eq!(app.post("/api/v1/plans", &plan).await.status, 200);
    EntitlementServiceClient::new(app.grpc_channel().await)
}

fn entry(privilege_code: &str, kind: privilege_value_input::Kind) -> PrivilegeValueEntry {
    PrivilegeValueEntry {
        privilege_code: privilege_code.to_owned(),
        value: Some(PrivilegeValueInput { kind: Some(kind) }),
    }
}

fn seats_input(privileges: Vec<PrivilegeValueEntry>) -> Vec<EntitlementInput> {
    vec![EntitlementInput { feature_code: "seats".to_owned(), privileges }]
}

fn granted(
    code: &str,
    value_type: PrivilegeValueType,
    kind: privilege_value::Kind,
) -> PlanEntitlementPrivilege {
    let select_options = if value_type == PrivilegeValueType::Select {
        vec!["google".to_owned(), "okta".to_owned()]
    } else {
        Vec::new()
    };
    PlanEntitlementPrivilege {
        code: code.to_owned(),
        name: None,
        value_type: value_type.into(),
        value: Some(PrivilegeValue { kind: Some(kind) }),
        config: Some(PrivilegeConfig { select_options }),
    }
}

fn seats(privileges: Vec<PlanEntitlementPrivilege>) -> PlanEntitlement {
    PlanEntitlement {
        code: "seats".to_owned(),
        name: Some("Seats".to_owned()),
        description: None,
        privileges,
    }
}

async fn replace(
    client: &mut Entitlements,
    entitlements: Vec<EntitlementInput>,
) -> Result<Vec<PlanEntitlement>, Status> {
    let request = ReplacePlanEntitlementsRequest { plan_code: "startup".to_owned(), entitlements };
    Ok(client.replace_plan_entitlements(authorized(request)).await?.into_inner().entitlements)
}

async fn update(
    client: &mut Entitlements,
    entitlements: Vec<EntitlementInput>,
) -> Result<Vec<PlanEntitlement>, Status> {
    let request = UpdatePlanEntitlementsRequest { plan_code: "startup".to_owned(), entitlements };
    Ok(client.update_plan_entitlements(authorized(request)).await?.into_inner().entitlements)
}

async fn list(client: &mut Entitlements, plan_code: &str) -> Result<Vec<PlanEntitlement>, Status> {
    let request = ListPlanEntitlementsRequest { plan_code: plan_code.to_owned() };
    Ok(client.list_plan_entitlements(authorized(request)).await?.into_inner().entitlements)
}

backend_tests! {
    async fn every_plan_entitlement_rpc(app) {
        use privilege_value::Kind as Value;
        use privilege_value_input::Kind as Input;
        let mut client = seats_and_startup(&app).await;
        let written = replace(&mut client, seats_input(vec![
            entry("max", Input::StringValue("10".to_owned())),
            entry("root", Input::BooleanValue(true)),
            entry("provider", Input::StringValue("okta".to_owned())),
        ]))
        .await
        .expect("replace");
        let all = seats(vec![
            granted("max", PrivilegeValueType::Integer, Value::IntegerValue(10)),
            granted("root", PrivilegeValueType::Boolean, Value::BooleanValue(true)),
            granted("provider", PrivilegeValueType::Select, Value::SelectValue("okta".to_owned())),
        ]);
        assert_eq!(written, std::slice::from_ref(&all));
        assert_eq!(list(&mut client, "startup").await.expect("list"), std::slice::from_ref(&all));
        let request = GetPlanEntitlementRequest { plan_code: "startup".to_owned(), feature_code: "seats".to_owned() };
        let entitlement = client.get_plan_entitlement(authorized(request)).await.expect("get").into_inner().entitlement;
        assert_eq!(entitlement, Some(all.clone()));
        // The plan embeds them.
        let mut plans = PlanServiceClient::new(app.grpc_channel().await);
        let plan = plans.get_plan(authorized(GetPlanRequest { code: "startup".to_owned() })).await;
        assert_eq!(plan.expect("get plan").into_inner().plan.expect("plan").entitlements, std::slice::from_ref(&all));

        let merged = update(&mut client, seats_input(vec![entry("max", Input::IntegerValue(-3))])).await.expect("update");
        assert_eq!(merged[0].privileges[0], granted("max", PrivilegeValueType::Integer, Value::IntegerValue(-3)));
        assert_eq!(merged[0].privileges.len(), 3);
        assert_eq!(update(&mut client, vec![]).await.expect("an empty update changes nothing"), merged);

        let request = DeletePlanEntitlementPrivilegeRequest {
            plan_code: "startup".to_owned(), feature_code: "seats".to_owned(), privilege_code: "root".to_owned(),
        };
        let without_root = client.delete_plan_entitlement_privilege(authorized(request)).await.expect("delete value");
        assert_eq!(without_root.into_inner().entitlement.expect("entitlement").privileges.len(), 2);
        let request = DeletePlanEntitlementRequest { plan_code: "startup".to_owned(), feature_code: "seats".to_owned() };
        let deleted = client.delete_plan_entitlement(authorized(request)).await.expect("delete").into_inner();
        assert_eq!(deleted.entitlement.expect("entitlement").privileges.len(), 2);
        assert_eq!(list(&mut client, "startup").await.expect("list"), []);
    }

    async fn values_are_validated_against_their_privilege(app) {
        use privilege_value_input::Kind as Input;
        let mut client = seats_and_startup(&app).await;
        let cases = [
            (entry("max", Input::StringValue("010".to_owned())), "entitlements[0].privileges[0].value", "value_is_invalid"),
            (entry("max", Input::BooleanValue(true)), "entitlements[0].privileges[0].value", "value_is_invalid"),
            (entry("root", Input::StringValue("yes".to_owned())), "entitlements[0].privileges[0].value", "value_is_invalid"),
            (entry("provider", Input::StringValue("azure".to_owned())), "entitlements[0].privileges[0].value", "value_not_in_select_options"),
            (entry("provider", Input::IntegerValue(1)), "entitlements[0].privileges[0].value", "value_not_in_select_options"),
            (PrivilegeValueEntry { privilege_code: "max".to_owned(), value: None }, "entitlements[0].privileges[0].value", "value_is_mandatory"),
            (
                PrivilegeValueEntry { privilege_code: "max".to_owned(), value: Some(PrivilegeValueInput { kind: None }) },
                "entitlements[0].privileges[0].value",
                "value_is_mandatory",
            ),
            (entry("provider", Input::StringValue(" ".to_owned())), "entitlements[0].privileges[0].value", "value_not_in_select_options"),
        ];
        for (entry, field, code) in cases {
            assert_violations(update(&mut client, seats_input(vec![entry])).await, &[(field, code)]);
        }
        assert_eq!(list(&mut client, "startup").await.expect("list"), []);
    }

    async fn errors_carry_lagos_codes(app) {
        let mut client = seats_and_startup(&app).await;
        // An empty replacement removes everything.
        replace(&mut client, seats_input(vec![])).await.expect("granted");
        assert_eq!(replace(&mut client, vec![]).await.expect("replaced"), []);
        let request = ReplacePlanEntitlementsRequest { plan_code: "unknown".to_owned(), entitlements: vec![] };
        assert_not_found(client.replace_plan_entitlements(authorized(request)).await, "plan_not_found");
        assert_not_found(list(&mut client, "unknown").await, "plan_not_found");
        let ghost = vec![EntitlementInput { feature_code: "ghost".to_owned(), privileges: vec![] }];
        assert_not_found(update(&mut client, ghost).await, "feature_not_found");
        let unknown = seats_input(vec![entry("nope", privilege_value_input::Kind::IntegerValue(1))]);
        assert_not_found(replace(&mut client, unknown).await, "privilege_not_found");
        let request = GetPlanEntitlementRequest { plan_code: "startup".to_owned(), feature_code: "seats".to_owned() };
        assert_not_found(client.get_plan_entitlement(authorized(request)).await, "entitlement_not_found");
        let request = DeletePlanEntitlementPrivilegeRequest {
            plan_code: "startup".to_owned(), feature_code: "seats".to_owned(), privilege_code: "max".to_owned(),
        };
        assert_not_found(client.delete_plan_entitlement_privilege(authorized(request)).await, "entitlement_not_found");
        // Another organization sees no such plan; no key is unauthenticated.
        let request = ListPlanEntitlementsRequest { plan_code: "startup".to_owned() };
        assert_not_found(client.list_plan_entitlements(authorized_as(OTHER_API_KEY, request.clone())).await, "plan_not_found");
        assert_unauthenticated(client.list_plan_entitlements(tonic::Request::new(request)).await);
    }
}
