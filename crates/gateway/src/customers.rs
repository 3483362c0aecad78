//! `/api/v1/customers`: Lago's customer routes over CustomerService. There is no PUT: POST
//! creates or updates by external id.

mod customer_input_json;
pub(crate) mod customer_json;
mod customer_query;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use entitlements::v1 as pb;
use serde_json::json;

use crate::grpc_clients::GrpcClients;
use crate::lago_error::LagoError;
use crate::lago_extract::{LagoPath, LagoQuery};
use crate::lago_json::json_response;
use crate::pagination_params::{RestPage, fetch_rest_page, total_count};
use crate::request_body::{error_after_lookup, json_object, split_body};
use crate::with_api_key;

use customer_input_json::customer_input_from_json;
use customer_json::{CustomerView, customer_to_json};
use customer_query::{checks_before_filters, list_request_from_query};

pub(crate) fn routes() -> Router<GrpcClients> {
    Router::new()
        .route("/customers", post(upsert_customer).get(list_customers))
        .route("/customers/{external_id}", get(get_customer).delete(delete_customer))
}

async fn upsert_customer(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (customer, body_error) = split_body(json_object(&headers, &body).and_then(customer_input_from_json));
    let (customer, update_mask) = customer.unzip();
    let request = with_api_key(&headers, pb::UpsertCustomerRequest { customer, update_mask });
    let response = clients
        .customers()
        .upsert_customer(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(customer_response(response.into_inner().customer))
}

async fn list_customers(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoQuery(params): LagoQuery<Vec<(String, String)>>,
) -> Result<Response, LagoError> {
    let scalar =
        |name: &str| params.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    // The probe only authenticates: a per_page of 0 is answered before the filters are read.
    let probe = pb::ListCustomersRequest { per_page: 1, ..pb::ListCustomersRequest::default() };
    let rest_page = RestPage::read(
        scalar("page"),
        scalar("per_page"),
        clients.customers().list_customers(with_api_key(&headers, probe)),
    )
    .await?;
    let request = match list_request_from_query(&params) {
        Ok(request) => request,
        Err(violations) => {
            // Lago authenticates, paginates and checks billing entities before its filter contract.
            let mut client = clients.customers();
            let checks = client.list_customers(with_api_key(&headers, checks_before_filters(&params)));
            return Err(error_after_lookup(checks, LagoError::validation(&violations)).await);
        }
    };
    let (customers, meta) = fetch_rest_page(rest_page, |page, per_page| {
        let mut client = clients.customers();
        let request = with_api_key(&headers, pb::ListCustomersRequest { page, per_page, ..request.clone() });
        async move {
            let pb::ListCustomersResponse { customers, meta } =
                client.list_customers(request).await?.into_inner();
            Ok((customers, total_count(meta.as_ref())))
        }
    })
    .await
    .map_err(|status| LagoError::from_status(&status, None))?;
    let body = json!({
        "customers": customers
            .iter()
            .map(|customer| customer_to_json(customer, CustomerView::ListItem))
            .collect::<Vec<_>>(),
        "meta": meta,
    });
    Ok(json_response(StatusCode::OK, &body))
}

async fn get_customer(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(external_id): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::GetCustomerRequest { external_id });
    let response = clients
        .customers()
        .get_customer(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(customer_response(response.into_inner().customer))
}

async fn delete_customer(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(external_id): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::DeleteCustomerRequest { external_id });
    let response = clients
        .customers()
        .delete_customer(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(customer_response(response.into_inner().customer))
}

fn customer_response(customer: Option<pb::Customer>) -> Response {
    let customer = customer.unwrap_or_default();
    json_response(StatusCode::OK, &json!({ "customer": customer_to_json(&customer, CustomerView::Single) }))
}
