//! `/api/v1/plans/{code}/entitlements...`: Lago's plan entitlement routes over
//! EntitlementService.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get};
use entitlements::v1 as pb;
use serde_json::json;

use crate::entitlement_errors::entitlements_write_error;
use crate::entitlement_json::{EntitlementsBody, entitlement_inputs_from_json, plan_entitlement_to_json};
use crate::grpc_clients::GrpcClients;
use crate::lago_error::{BodyError, LagoError, missing_param_message};
use crate::lago_extract::LagoPath;
use crate::lago_json::json_response;
use crate::request_body::{json_object, unreadable_after_lookup};
use crate::with_api_key;

pub(crate) fn routes() -> Router<GrpcClients> {
    Router::new()
        .route(
            "/plans/{code}/entitlements",
            get(list_entitlements).post(replace_entitlements).patch(update_entitlements),
        )
        .route("/plans/{code}/entitlements/{feature_code}", get(get_entitlement).delete(delete_entitlement))
        .route(
            "/plans/{code}/entitlements/{feature_code}/privileges/{privilege_code}",
            delete(delete_entitlement_privilege),
        )
}

async fn replace_entitlements(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(plan_code): LagoPath<String>,
    body: Bytes,
) -> Result<Response, LagoError> {
    // Unlike Lago, which reads a missing `entitlements` as `{}` and removes everything, a POST
    // without it is a 400: no silent wipe.
    let Some(entitlements) = read_body(&clients, &headers, &plan_code, &body).await? else {
        let missing = BodyError(missing_param_message("entitlements"));
        return Err(not_readable(&clients, &headers, &plan_code, missing).await);
    };
    let request = with_api_key(
        &headers,
        pb::ReplacePlanEntitlementsRequest { plan_code, entitlements: entitlements.inputs.clone() },
    );
    let response = clients.entitlements().replace_plan_entitlements(request).await;
    let response = match response {
        Ok(response) => response,
        Err(status) => return Err(entitlements_write_error(&clients, &headers, &entitlements, &status).await),
    };
    Ok(list_response(&response.into_inner().entitlements))
}

async fn update_entitlements(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(plan_code): LagoPath<String>,
    body: Bytes,
) -> Result<Response, LagoError> {
    // Without `entitlements`, a PATCH changes nothing, as in Lago.
    let entitlements = read_body(&clients, &headers, &plan_code, &body).await?.unwrap_or_default();
    let request = with_api_key(
        &headers,
        pb::UpdatePlanEntitlementsRequest { plan_code, entitlements: entitlements.inputs.clone() },
    );
    let response = clients.entitlements().update_plan_entitlements(request).await;
    let response = match response {
        Ok(response) => response,
        Err(status) => return Err(entitlements_write_error(&clients, &headers, &entitlements, &status).await),
    };
    Ok(list_response(&response.into_inner().entitlements))
}

/// The body's `entitlements` (`None` when absent or null). An unreadable body is Lago's 400, but
/// only once the caller is authenticated and the plan found (Lago checks in that order), so the
/// plan is looked up first.
async fn read_body(
    clients: &GrpcClients,
    headers: &HeaderMap,
    plan_code: &str,
    body: &[u8],
) -> Result<Option<EntitlementsBody>, LagoError> {
    match json_object(headers, body).and_then(entitlement_inputs_from_json) {
        Ok(entitlements) => Ok(entitlements),
        Err(error) => Err(not_readable(clients, headers, plan_code, error).await),
    }
}

/// The 400 for a body the gateway cannot use, after the plan lookup.
async fn not_readable(
    clients: &GrpcClients,
    headers: &HeaderMap,
    plan_code: &str,
    error: BodyError,
) -> LagoError {
    let request = with_api_key(headers, pb::ListPlanEntitlementsRequest { plan_code: plan_code.to_owned() });
    unreadable_after_lookup(clients.entitlements().list_plan_entitlements(request), error).await
}

async fn list_entitlements(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(plan_code): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::ListPlanEntitlementsRequest { plan_code });
    let response = clients
        .entitlements()
        .list_plan_entitlements(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(list_response(&response.into_inner().entitlements))
}

async fn get_entitlement(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath((plan_code, feature_code)): LagoPath<(String, String)>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::GetPlanEntitlementRequest { plan_code, feature_code });
    let response = clients
        .entitlements()
        .get_plan_entitlement(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(single_response(response.into_inner().entitlement))
}

async fn delete_entitlement(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath((plan_code, feature_code)): LagoPath<(String, String)>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::DeletePlanEntitlementRequest { plan_code, feature_code });
    let response = clients
        .entitlements()
        .delete_plan_entitlement(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(single_response(response.into_inner().entitlement))
}

async fn delete_entitlement_privilege(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath((plan_code, feature_code, privilege_code)): LagoPath<(String, String, String)>,
) -> Result<Response, LagoError> {
    let request = with_api_key(
        &headers,
        pb::DeletePlanEntitlementPrivilegeRequest { plan_code, feature_code, privilege_code },
    );
    let response = clients
        .entitlements()
        .delete_plan_entitlement_privilege(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(single_response(response.into_inner().entitlement))
}

fn list_response(entitlements: &[pb::PlanEntitlement]) -> Response {
    let entitlements: Vec<_> = entitlements.iter().map(plan_entitlement_to_json).collect();
    json_response(StatusCode::OK, &json!({ "entitlements": entitlements }))
}

fn single_response(entitlement: Option<pb::PlanEntitlement>) -> Response {
    let entitlement = entitlement.unwrap_or_default();
    json_response(StatusCode::OK, &json!({ "entitlement": plan_entitlement_to_json(&entitlement) }))
}
