//! The gRPC error model as a client sees it: NOT_FOUND carries a `google.rpc.ResourceInfo` naming
//! the missing object's type and the code the request used, so a request naming several objects
//! says which one is missing.

use entitlements::v1::entitlement_service_client::EntitlementServiceClient;
use entitlements::v1::{
    CreateFeatureRequest, DeletePlanEntitlementPrivilegeRequest, EntitlementInput, GetFeatureRequest,
    GetPlanEntitlementRequest, PrivilegeValueEntry, PrivilegeValueInput, ReplacePlanEntitlementsRequest,
    privilege_value_input,
};
use serde_json::json;

use crate::support::conformance::{assert_missing, assert_missing_param};
use crate::support::{TestApp, authorized, backend_tests};

/// The feature `seats` (integer `max`) and the plan `startup`.
async fn seats_and_startup(app: &TestApp) {
    app.create_feature(json!({"code": "seats", "privileges": [{"code": "max", "value_type": "integer"}]}))
        .await;
    let plan = json!({"plan": {
        "name": "Startup", "code": "startup", "interval": "monthly", "amount_cents": 100,
        "amount_currency": "EUR", "pay_in_advance": false
    }});
    assert_eq!(app.post("/api/v1/plans", &plan).await.status, 200);
}

fn feature_input(feature_code: &str, privilege_code: &str) -> EntitlementInput {
    EntitlementInput {
        feature_code: feature_code.to_owned(),
        privileges: vec![PrivilegeValueEntry {
            privilege_code: privilege_code.to_owned(),
            value: Some(PrivilegeValueInput { kind: Some(privilege_value_input::Kind::IntegerValue(5)) }),
        }],
    }
}

backend_tests! {
    async fn not_found_names_the_missing_object(app) {
        seats_and_startup(&app).await;
        let mut features = app.feature_client().await;
        let missing = features.get_feature(authorized(GetFeatureRequest { code: "sso".to_owned() })).await;
        assert_missing(missing, "feature", "sso");

        let mut entitlements = EntitlementServiceClient::new(app.grpc_channel().await);
        let several = ReplacePlanEntitlementsRequest {
            plan_code: "startup".to_owned(),
            entitlements: vec![feature_input("seats", "max"), feature_input("ghost", "max")],
        };
        assert_missing(entitlements.replace_plan_entitlements(authorized(several)).await, "feature", "ghost");
        let unknown_privilege = ReplacePlanEntitlementsRequest {
            plan_code: "startup".to_owned(),
            entitlements: vec![feature_input("seats", "min")],
        };
        let answer = entitlements.replace_plan_entitlements(authorized(unknown_privilege)).await;
        assert_missing(answer, "privilege", "min");
        let unknown_plan = GetPlanEntitlementRequest { plan_code: "scale".to_owned(), feature_code: "seats".to_owned() };
        assert_missing(entitlements.get_plan_entitlement(authorized(unknown_plan)).await, "plan", "scale");
        let not_granted = GetPlanEntitlementRequest { plan_code: "startup".to_owned(), feature_code: "seats".to_owned() };
        assert_missing(entitlements.get_plan_entitlement(authorized(not_granted)).await, "entitlement", "seats");
        let privilege = DeletePlanEntitlementPrivilegeRequest {
            plan_code: "startup".to_owned(),
            feature_code: "seats".to_owned(),
            privilege_code: "max".to_owned(),
        };
        let answer = entitlements.delete_plan_entitlement_privilege(authorized(privilege)).await;
        assert_missing(answer, "entitlement", "seats");
    }

    async fn a_missing_message_is_named(app) {
        let mut features = app.feature_client().await;
        let answer = features.create_feature(authorized(CreateFeatureRequest { feature: None })).await;
        assert_missing_param(answer, "feature");
        let answer = app.post("/api/v1/features", &json!({})).await;
        assert_eq!(answer.status, 400);
        assert_eq!(
            answer.body,
            json!({"status": 400, "error": "BadRequest: param is missing or the value is empty or invalid: feature"})
        );
    }
}
