//! `/api/v1/plans`: Lago's plan routes over PlanService.

mod charge_json;
pub(crate) mod plan_json;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use entitlements::v1 as pb;
use serde_json::json;

use crate::grpc_clients::GrpcClients;
use crate::lago_error::LagoError;
use crate::lago_extract::{LagoPath, LagoQuery};
use crate::lago_json::json_response;
use crate::request_body::{json_object, split_body};
use crate::{pagination_params, with_api_key};

use plan_json::{PlanView, plan_input_from_json, plan_to_json};

pub(crate) fn routes() -> Router<GrpcClients> {
    Router::new()
        .route("/plans", get(list_plans).post(create_plan))
        .route("/plans/{code}", get(get_plan).put(update_plan).patch(update_plan).delete(delete_plan))
}

async fn create_plan(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (plan, body_error) = split_body(json_object(&headers, &body).and_then(plan_input_from_json));
    let request = with_api_key(&headers, pb::CreatePlanRequest { plan });
    let response = clients
        .plans()
        .create_plan(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(plan_response(response.into_inner().plan))
}

async fn list_plans(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoQuery(params): LagoQuery<HashMap<String, String>>,
) -> Result<Response, LagoError> {
    let request = with_api_key(
        &headers,
        pb::ListPlansRequest {
            page: pagination_params::page(params.get("page").map(String::as_str)),
            per_page: pagination_params::per_page(params.get("per_page").map(String::as_str)),
        },
    );
    let response =
        clients.plans().list_plans(request).await.map_err(|status| LagoError::from_status(&status, None))?;
    let pb::ListPlansResponse { plans, meta } = response.into_inner();
    let body = json!({
        "plans": plans.iter().map(|plan| plan_to_json(plan, PlanView::ListItem)).collect::<Vec<_>>(),
        "meta": pagination_params::meta_to_json(&meta.unwrap_or_default()),
    });
    Ok(json_response(StatusCode::OK, &body))
}

async fn get_plan(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::GetPlanRequest { code });
    let response =
        clients.plans().get_plan(request).await.map_err(|status| LagoError::from_status(&status, None))?;
    Ok(plan_response(response.into_inner().plan))
}

async fn update_plan(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (plan, body_error) = split_body(json_object(&headers, &body).and_then(plan_input_from_json));
    let request = with_api_key(&headers, pb::UpdatePlanRequest { code, plan });
    let response = clients
        .plans()
        .update_plan(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(plan_response(response.into_inner().plan))
}

async fn delete_plan(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::DeletePlanRequest { code });
    let response =
        clients.plans().delete_plan(request).await.map_err(|status| LagoError::from_status(&status, None))?;
    Ok(plan_response(response.into_inner().plan))
}

fn plan_response(plan: Option<pb::Plan>) -> Response {
    let plan = plan.unwrap_or_default();
    json_response(StatusCode::OK, &json!({ "plan": plan_to_json(&plan, PlanView::Single) }))
}
