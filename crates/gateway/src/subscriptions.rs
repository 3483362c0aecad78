//! `/api/v1/subscriptions` and `/api/v1/customers/{external_id}/subscriptions`: Lago's
//! subscription routes over SubscriptionService. External ids may contain dots; `DELETE`
//! terminates (or, with `status=pending`, cancels) rather than deletes.

mod subscription_input_json;
mod subscription_json;
mod subscription_query;

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

use subscription_input_json::{create_input_from_json, credit_note, invoice, update_input_from_json};
use subscription_json::{SubscriptionView, subscription_to_json};
use subscription_query::{list_request_from_query, scalar};

type Query = LagoQuery<Vec<(String, String)>>;

pub(crate) fn routes() -> Router<GrpcClients> {
    Router::new()
        .route("/subscriptions", get(list_subscriptions).post(create_subscription))
        .route(
            "/subscriptions/{external_id}",
            get(get_subscription)
                .put(update_subscription)
                .patch(update_subscription)
                .delete(terminate_subscription),
        )
        .route("/customers/{external_id}/subscriptions", get(list_customer_subscriptions))
}

async fn create_subscription(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (subscription, body_error) =
        split_body(json_object(&headers, &body).and_then(create_input_from_json));
    let request = with_api_key(&headers, pb::CreateSubscriptionRequest { subscription });
    let response = clients
        .subscriptions()
        .create_subscription(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(subscription_response(response.into_inner().subscription, SubscriptionView::Full))
}

async fn list_subscriptions(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoQuery(params): Query,
) -> Result<Response, LagoError> {
    list(clients, &headers, &params, list_request_from_query(&params)).await
}

async fn list_customer_subscriptions(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(external_customer_id): LagoPath<String>,
    LagoQuery(params): Query,
) -> Result<Response, LagoError> {
    let request = pb::ListSubscriptionsRequest {
        external_customer_id: Some(external_customer_id),
        customer_must_exist: true,
        ..list_request_from_query(&params)
    };
    list(clients, &headers, &params, request).await
}

async fn list(
    clients: GrpcClients,
    headers: &HeaderMap,
    params: &[(String, String)],
    request: pb::ListSubscriptionsRequest,
) -> Result<Response, LagoError> {
    // The probe only authenticates: a per_page of 0 is answered before the filters are read.
    let probe = pb::ListSubscriptionsRequest { per_page: 1, ..pb::ListSubscriptionsRequest::default() };
    let rest_page = RestPage::read(
        scalar(params, "page").as_deref(),
        scalar(params, "per_page").as_deref(),
        clients.subscriptions().list_subscriptions(with_api_key(headers, probe)),
    )
    .await?;
    let (subscriptions, meta) = fetch_rest_page(rest_page, |page, per_page| {
        let mut client = clients.subscriptions();
        let request =
            with_api_key(headers, pb::ListSubscriptionsRequest { page, per_page, ..request.clone() });
        async move {
            let pb::ListSubscriptionsResponse { subscriptions, meta } =
                client.list_subscriptions(request).await?.into_inner();
            Ok((subscriptions, total_count(meta.as_ref())))
        }
    })
    .await
    .map_err(|status| LagoError::from_status(&status, None))?;
    let body = json!({
        "subscriptions": subscriptions
            .iter()
            .map(|subscription| subscription_to_json(subscription, SubscriptionView::ListItem))
            .collect::<Vec<_>>(),
        "meta": meta,
    });
    Ok(json_response(StatusCode::OK, &body))
}

async fn get_subscription(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(external_id): LagoPath<String>,
    LagoQuery(params): Query,
) -> Result<Response, LagoError> {
    let request =
        with_api_key(&headers, pb::GetSubscriptionRequest { external_id, status: scalar(&params, "status") });
    let response = clients
        .subscriptions()
        .get_subscription(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(subscription_response(response.into_inner().subscription, SubscriptionView::Full))
}

async fn update_subscription(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(external_id): LagoPath<String>,
    LagoQuery(params): Query,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (subscription, body_error) =
        split_body(json_object(&headers, &body).and_then(update_input_from_json));
    let request = with_api_key(
        &headers,
        pb::UpdateSubscriptionRequest { external_id, status: scalar(&params, "status"), subscription },
    );
    let response = clients
        .subscriptions()
        .update_subscription(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(subscription_response(response.into_inner().subscription, SubscriptionView::Updated))
}

async fn terminate_subscription(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(external_id): LagoPath<String>,
    LagoQuery(params): Query,
) -> Result<Response, LagoError> {
    let choice = |name: &str| scalar(&params, name);
    let request = with_api_key(
        &headers,
        pb::TerminateSubscriptionRequest {
            external_id,
            status: choice("status"),
            on_termination_credit_note: choice("on_termination_credit_note")
                .map(|text| credit_note(Some(&text))),
            on_termination_invoice: choice("on_termination_invoice").map(|text| invoice(Some(&text))),
        },
    );
    let response = clients
        .subscriptions()
        .terminate_subscription(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(subscription_response(response.into_inner().subscription, SubscriptionView::Terminated))
}

fn subscription_response(subscription: Option<pb::Subscription>, view: SubscriptionView) -> Response {
    let subscription = subscription.unwrap_or_default();
    json_response(StatusCode::OK, &json!({ "subscription": subscription_to_json(&subscription, view) }))
}
