//! `/api/v1/subscriptions` and `/api/v1/customers/{external_id}/subscriptions`: Lago's
//! subscription routes over SubscriptionService. External ids may contain dots; `DELETE`
//! terminates (or, with `status=pending`, cancels) rather than deletes.

mod datetime_text;
mod subscription_input_json;
pub(crate) mod subscription_json;
mod subscription_query;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use entitlements::errors::ErrorKind;
use entitlements::v1 as pb;
use serde_json::json;
use tonic::Status;

use crate::grpc_clients::GrpcClients;
use crate::lago_error::{LagoError, kind_of, violations};
use crate::lago_extract::{LagoPath, LagoQuery};
use crate::lago_json::json_response;
use crate::pagination_params::{RestPage, fetch_rest_page, total_count};
use crate::request_body::{json_object, split_body};
use crate::subscription_status::{lookup_status, status_number};
use crate::with_api_key;

use subscription_input_json::{
    Parsed, Refusal, create_input_from_json, credit_note, invoice, update_input_from_json,
};
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
    let (parsed, body_error) = split_body(json_object(&headers, &body).and_then(create_input_from_json));
    let (request, refusal) = match parsed {
        Some(Parsed { input, update_mask, refusal }) => (
            pb::CreateSubscriptionRequest {
                subscription: Some(input),
                update_mask: Some(update_mask),
                validate_only: false,
            },
            refusal,
        ),
        None => (pb::CreateSubscriptionRequest::default(), None),
    };
    let mut client = clients.subscriptions();
    if let Some(refusal) = refusal {
        // Lago finds the billing entity and the plan, and checks the dates, before it reads
        // them; its checks after plan overrides must not win over the 403.
        let probe = pb::CreateSubscriptionRequest { validate_only: true, ..request };
        let answer = client.create_subscription(with_api_key(&headers, probe)).await;
        return Err(refusal_after(answer, &refusal, |status| {
            violations(status).iter().all(|(field, _)| {
                matches!(field.as_str(), "subscription.subscription_at" | "subscription.ending_at")
            })
        }));
    }
    let response = client
        .create_subscription(with_api_key(&headers, request))
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(subscription_response(response.into_inner().subscription, SubscriptionView::Full))
}

/// The gateway's `refusal`, unless `answer` (the service's verdict on the request without what is
/// refused) is an error Lago checks first: any error but a validation one, or, before a 403 for
/// plan overrides, a validation error that `validated_before_overrides` says comes first.
fn refusal_after<T>(
    answer: Result<T, Status>,
    refusal: &Refusal,
    validated_before_overrides: impl Fn(&Status) -> bool,
) -> LagoError {
    let Err(status) = answer else { return refusal.error() };
    let answered_first = match (kind_of(&status), refusal) {
        (ErrorKind::Validation, Refusal::InvalidDates(_)) => false,
        (ErrorKind::Validation, Refusal::PlanOverrides) => validated_before_overrides(&status),
        _ => true,
    };
    if answered_first { LagoError::from_status(&status, None) } else { refusal.error() }
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
    // Lago finds the customer (not deleted) first.
    let customer = pb::GetCustomerRequest { external_id: external_customer_id.clone() };
    clients
        .customers()
        .get_customer(with_api_key(&headers, customer))
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    let request = pb::ListSubscriptionsRequest {
        external_customer_id: Some(external_customer_id),
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
    let status = lookup_status(scalar(&params, "status").as_deref());
    let request = with_api_key(&headers, pb::GetSubscriptionRequest { external_id, status });
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
    let (parsed, body_error) = split_body(json_object(&headers, &body).and_then(update_input_from_json));
    let (subscription, update_mask, refusal) = match parsed {
        Some(Parsed { input, update_mask, refusal }) => (Some(input), Some(update_mask), refusal),
        None => (None, None, None),
    };
    let request = pb::UpdateSubscriptionRequest {
        external_id,
        status: update_status(scalar(&params, "status").as_deref()),
        subscription,
        update_mask,
        validate_only: false,
    };
    let mut client = clients.subscriptions();
    if let Some(refusal) = refusal {
        // Lago finds the subscription and checks the purchase order number, the dates and the
        // choices before it refuses plan overrides, and the billing entity after.
        let mut probe = pb::UpdateSubscriptionRequest { validate_only: true, ..request };
        if let Some(input) = probe.subscription.as_mut() {
            input.billing_entity_code.clear();
        }
        let answer = client.update_subscription(with_api_key(&headers, probe)).await;
        return Err(refusal_after(answer, &refusal, |_| true));
    }
    let response = client
        .update_subscription(with_api_key(&headers, request))
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
            // `pending` cancels the pending subscription; anything else terminates the active one.
            status: if choice("status").as_deref() == Some("pending") {
                pb::SubscriptionStatus::Pending.into()
            } else {
                pb::SubscriptionStatus::Unspecified.into()
            },
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

/// Lago's reading of an update's `status`: `pending` asks for the pending subscription;
/// `incomplete` (a status no subscription has here) for none, so that only an external id's lone
/// subscription is found; anything else for the active one.
fn update_status(word: Option<&str>) -> i32 {
    match word {
        Some(word @ ("pending" | "incomplete")) => status_number(word),
        _ => pb::SubscriptionStatus::Unspecified.into(),
    }
}

fn subscription_response(subscription: Option<pb::Subscription>, view: SubscriptionView) -> Response {
    let subscription = subscription.unwrap_or_default();
    json_response(StatusCode::OK, &json!({ "subscription": subscription_to_json(&subscription, view) }))
}
