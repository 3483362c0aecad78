//! `/api/v1/billable_metrics`: Lago's billable metric routes over BillableMetricService.

pub(crate) mod billable_metric_json;

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

use billable_metric_json::{
    Counters, billable_metric_to_json, create_input_from_json, update_input_from_json,
};

pub(crate) fn routes() -> Router<GrpcClients> {
    Router::new().route("/billable_metrics", get(list_billable_metrics).post(create_billable_metric)).route(
        "/billable_metrics/{code}",
        get(get_billable_metric)
            .put(update_billable_metric)
            .patch(update_billable_metric)
            .delete(delete_billable_metric),
    )
}

async fn create_billable_metric(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (billable_metric, body_error) =
        split_body(json_object(&headers, &body).and_then(create_input_from_json));
    let request = with_api_key(&headers, pb::CreateBillableMetricRequest { billable_metric });
    let response = clients
        .billable_metrics()
        .create_billable_metric(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(billable_metric_response(response.into_inner().billable_metric, Counters::Included))
}

async fn list_billable_metrics(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoQuery(params): LagoQuery<HashMap<String, String>>,
) -> Result<Response, LagoError> {
    let probe = pb::ListBillableMetricsRequest { page: 0, per_page: 1 };
    let rest_page = RestPage::read(
        params.get("page").map(String::as_str),
        params.get("per_page").map(String::as_str),
        clients.billable_metrics().list_billable_metrics(with_api_key(&headers, probe)),
    )
    .await?;
    let (billable_metrics, meta) = fetch_rest_page(rest_page, |page, per_page| {
        let mut client = clients.billable_metrics();
        let request = with_api_key(&headers, pb::ListBillableMetricsRequest { page, per_page });
        async move {
            let pb::ListBillableMetricsResponse { billable_metrics, meta } =
                client.list_billable_metrics(request).await?.into_inner();
            Ok((billable_metrics, total_count(meta.as_ref())))
        }
    })
    .await
    .map_err(|status| LagoError::from_status(&status, None))?;
    let body = json!({
        "billable_metrics": billable_metrics
            .iter()
            .map(|metric| billable_metric_to_json(metric, Counters::Included))
            .collect::<Vec<_>>(),
        "meta": meta,
    });
    Ok(json_response(StatusCode::OK, &body))
}

async fn get_billable_metric(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::GetBillableMetricRequest { code });
    let response = clients
        .billable_metrics()
        .get_billable_metric(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    // Lago's show action renders no counters, unlike its other metric responses; we match it.
    Ok(billable_metric_response(response.into_inner().billable_metric, Counters::Omitted))
}

async fn update_billable_metric(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (update, body_error) = split_body(json_object(&headers, &body).and_then(update_input_from_json));
    let (billable_metric, update_mask) =
        update.map_or((None, None), |(billable_metric, mask)| (Some(billable_metric), Some(mask)));
    let request =
        with_api_key(&headers, pb::UpdateBillableMetricRequest { code, billable_metric, update_mask });
    let response = clients
        .billable_metrics()
        .update_billable_metric(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(billable_metric_response(response.into_inner().billable_metric, Counters::Included))
}

async fn delete_billable_metric(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::DeleteBillableMetricRequest { code });
    let response = clients
        .billable_metrics()
        .delete_billable_metric(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(billable_metric_response(response.into_inner().billable_metric, Counters::Included))
}

fn billable_metric_response(metric: Option<pb::BillableMetric>, counters: Counters) -> Response {
    let metric = metric.unwrap_or_default();
    json_response(StatusCode::OK, &json!({ "billable_metric": billable_metric_to_json(&metric, counters) }))
}
