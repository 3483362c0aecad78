//! `/api/v1/subscriptions/{external_id}/entitlements...`: Lago's subscription entitlement routes
//! over EntitlementService. The subscription is chosen by `subscription_status` (or the legacy
//! `status`), from the query string or, as Rails merges them, the JSON body; default active.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get};
use entitlements::v1 as pb;
use serde_json::{Map, Value, json};

use crate::entitlement_errors::entitlements_write_error;
use crate::entitlement_json::{
    SubscriptionEntitlementJson, entitlement_inputs_from_json, subscription_entitlement_to_json,
};
use crate::grpc_clients::GrpcClients;
use crate::lago_error::LagoError;
use crate::lago_extract::{LagoPath, LagoQuery};
use crate::lago_json::{json_bytes_response, json_response};
use crate::request_body::{json_object, unreadable_after_lookup};
use crate::subscription_status::lookup_status;
use crate::with_api_key;

pub(crate) fn routes() -> Router<GrpcClients> {
    Router::new()
        .route("/subscriptions/{external_id}/entitlements", get(list_entitlements).patch(update_entitlements))
        .route("/subscriptions/{external_id}/entitlements/{feature_code}", delete(remove_feature))
        .route(
            "/subscriptions/{external_id}/entitlements/{feature_code}/privileges/{privilege_code}",
            delete(remove_privilege),
        )
}

/// Lago's `params[:subscription_status] || params[:status]`, the body's keys winning over the
/// query string's as in Rails, as a SubscriptionStatus number (a word that is no status finds no
/// subscription).
fn subscription_status(query: &HashMap<String, String>, body: Option<&Map<String, Value>>) -> i32 {
    let from_body =
        |key: &str| body.and_then(|body| body.get(key)).and_then(Value::as_str).map(str::to_owned);
    let word = from_body("subscription_status")
        .or_else(|| query.get("subscription_status").cloned())
        .or_else(|| from_body("status"))
        .or_else(|| query.get("status").cloned());
    lookup_status(word.as_deref())
}

async fn list_entitlements(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(external_id): LagoPath<String>,
    LagoQuery(query): LagoQuery<HashMap<String, String>>,
) -> Result<Response, LagoError> {
    let request = pb::ListSubscriptionEntitlementsRequest {
        subscription_external_id: external_id,
        subscription_status: subscription_status(&query, None),
    };
    let response = clients
        .entitlements()
        .list_subscription_entitlements(with_api_key(&headers, request))
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(list_response(&response.into_inner().entitlements))
}

async fn update_entitlements(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(external_id): LagoPath<String>,
    LagoQuery(query): LagoQuery<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, LagoError> {
    let parsed = json_object(&headers, &body).and_then(|body| {
        let status = subscription_status(&query, Some(&body));
        Ok((status, entitlement_inputs_from_json(body)?))
    });
    let (status, entitlements) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            let request = pb::ListSubscriptionEntitlementsRequest {
                subscription_external_id: external_id,
                subscription_status: subscription_status(&query, None),
            };
            let mut client = clients.entitlements();
            let lookup = client.list_subscription_entitlements(with_api_key(&headers, request));
            return Err(unreadable_after_lookup(lookup, error).await);
        }
    };
    // Without `entitlements`, nothing changes, as in Lago.
    let entitlements = entitlements.unwrap_or_default();
    let request = pb::UpdateSubscriptionEntitlementsRequest {
        subscription_external_id: external_id,
        subscription_status: status,
        entitlements: entitlements.inputs.clone(),
    };
    let response =
        clients.entitlements().update_subscription_entitlements(with_api_key(&headers, request)).await;
    let response = match response {
        Ok(response) => response,
        Err(status) => return Err(entitlements_write_error(&clients, &headers, &entitlements, &status).await),
    };
    Ok(list_response(&response.into_inner().entitlements))
}

async fn remove_feature(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath((external_id, feature_code)): LagoPath<(String, String)>,
    LagoQuery(query): LagoQuery<HashMap<String, String>>,
) -> Result<Response, LagoError> {
    let request = pb::RemoveSubscriptionFeatureRequest {
        subscription_external_id: external_id,
        subscription_status: subscription_status(&query, None),
        feature_code,
    };
    let response = clients
        .entitlements()
        .remove_subscription_feature(with_api_key(&headers, request))
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(list_response(&response.into_inner().entitlements))
}

async fn remove_privilege(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath((external_id, feature_code, privilege_code)): LagoPath<(String, String, String)>,
    LagoQuery(query): LagoQuery<HashMap<String, String>>,
) -> Result<Response, LagoError> {
    let request = pb::RemoveSubscriptionPrivilegeRequest {
        subscription_external_id: external_id,
        subscription_status: subscription_status(&query, None),
        feature_code,
        privilege_code,
    };
    let response = clients
        .entitlements()
        .remove_subscription_privilege(with_api_key(&headers, request))
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(list_response(&response.into_inner().entitlements))
}

/// `{"entitlements": [...]}`: every answer is the whole list (even a DELETE's, as Lago answers
/// despite its OpenAPI document).
fn list_response(entitlements: &[pb::SubscriptionEntitlement]) -> Response {
    #[derive(serde::Serialize)]
    struct List<'a> {
        entitlements: Vec<SubscriptionEntitlementJson<'a>>,
    }
    let list = List { entitlements: entitlements.iter().map(SubscriptionEntitlementJson).collect() };
    match serde_json::to_vec(&list) {
        Ok(body) => json_bytes_response(StatusCode::OK, body),
        // Serializing cannot fail (string keys, plain data); if it did, the JSON tree still would not.
        Err(_) => {
            let entitlements: Vec<Value> =
                entitlements.iter().map(subscription_entitlement_to_json).collect();
            json_response(StatusCode::OK, &json!({ "entitlements": entitlements }))
        }
    }
}
