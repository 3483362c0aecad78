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
use crate::pagination_params::{RestPage, fetch_rest_page, total_count};
use crate::request_body::{json_object, split_body};
use crate::with_api_key;

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
    // A create takes the fields it is given: the mask of the JSON keys is an update's.
    let plan = plan.map(|(plan, _)| plan);
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
    let probe = pb::ListPlansRequest { page: 0, per_page: 1 };
    let rest_page = RestPage::read(
        params.get("page").map(String::as_str),
        params.get("per_page").map(String::as_str),
        clients.plans().list_plans(with_api_key(&headers, probe)),
    )
    .await?;
    let (plans, meta) = fetch_rest_page(rest_page, |page, per_page| {
        let mut client = clients.plans();
        let request = with_api_key(&headers, pb::ListPlansRequest { page, per_page });
        async move {
            let pb::ListPlansResponse { plans, meta } = client.list_plans(request).await?.into_inner();
            Ok((plans, total_count(meta.as_ref())))
        }
    })
    .await
    .map_err(|status| LagoError::from_status(&status, None))?;
    let body = json!({
        "plans": plans.iter().map(|plan| plan_to_json(plan, PlanView::ListItem)).collect::<Vec<_>>(),
        "meta": meta,
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
    let (update, body_error) = split_body(json_object(&headers, &body).and_then(plan_input_from_json));
    let (plan, update_mask) = update.map_or((None, None), |(plan, mask)| (Some(plan), Some(mask)));
    let request = with_api_key(&headers, pb::UpdatePlanRequest { code, plan, update_mask });
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
