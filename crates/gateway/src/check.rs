//! `/v1/check` and `/v1/check/bulk`: CheckService over REST, for callers without gRPC. Outside
//! `/api/v1` because Lago has no such route: the shapes are ours (documented in the README), the
//! authentication and the error envelopes are Lago's. A check's parameters have the same names
//! in the query string and in a bulk item (see `check_params`).

mod check_json;
mod check_params;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use entitlements::errors::ErrorKind;
use entitlements::prost::Message as _;
use entitlements::v1 as pb;
use serde_json::{Value, json};
use tonic::Status;

use crate::grpc_clients::GrpcClients;
use crate::lago_error::{LagoError, kind_of, violations};
use crate::lago_extract::LagoQuery;
use crate::lago_json::json_response;
use crate::request_body::json_object;
use crate::with_api_key;

use check_json::{check_to_json, rest_key};
use check_params::{Param, check_request_from_json, check_request_from_query, revision};

pub(crate) fn routes() -> Router<GrpcClients> {
    Router::new().route("/check", get(check)).route("/check/bulk", post(check_bulk))
}

async fn check(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoQuery(pairs): LagoQuery<Vec<(String, String)>>,
) -> Result<Response, LagoError> {
    let request = match check_request_from_query(&pairs) {
        Ok(request) => request,
        Err(message) => return Err(malformed_after_authentication(&clients, &headers, &message).await),
    };
    let response = clients
        .check()
        .check(with_api_key(&headers, request))
        .await
        .map_err(|status| check_error(&status))?;
    Ok(json_response(StatusCode::OK, &check_to_json(&response.into_inner())))
}

async fn check_bulk(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, LagoError> {
    let parsed = json_object(&headers, &body).map_err(|error| error.0).and_then(bulk_request_from_json);
    let request = match parsed {
        Ok(request) => request,
        Err(message) => return Err(malformed_after_authentication(&clients, &headers, &message).await),
    };
    let response = clients
        .check()
        .check_bulk(with_api_key(&headers, request))
        .await
        .map_err(|status| check_error(&status))?
        .into_inner();
    let results: Vec<Value> = response.results.iter().map(result_to_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "results": results, "revision": response.revision })))
}

/// `{"items": [...], "min_revision": N}`; no `items` sends none (the service answers
/// `items: value_is_mandatory`).
fn bulk_request_from_json(mut body: serde_json::Map<String, Value>) -> Result<pb::CheckBulkRequest, String> {
    let mut request = pb::CheckBulkRequest::default();
    if let Some(min_revision) = body.remove("min_revision").filter(|value| !value.is_null()) {
        request.min_revision = revision(Param::Json(&min_revision), "min_revision")?;
    }
    match body.remove("items") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            request.items = items
                .iter()
                .enumerate()
                .map(|(index, item)| check_request_from_json(item, &format!("items[{index}]")))
                .collect::<Result<_, _>>()?;
        }
        Some(_) => return Err("items must be an array".to_owned()),
    }
    match body.keys().next() {
        Some(unknown) => Err(format!("{unknown} is not a parameter of a bulk check")),
        None => Ok(request),
    }
}

/// A failed call in Lago's envelopes, field violations keyed by the parameters' names.
fn check_error(status: &Status) -> LagoError {
    if kind_of(status) != ErrorKind::Validation {
        return LagoError::from_status(status, None);
    }
    let keyed: Vec<(String, String)> =
        violations(status).into_iter().map(|(path, code)| (rest_key(&path), code)).collect();
    LagoError::validation(&keyed)
}

/// One bulk result: the answer, or `{"error": <envelope>}` as the item alone would have failed.
fn result_to_json(result: &pb::CheckBulkResult) -> Value {
    match &result.result {
        Some(pb::check_bulk_result::Result::Response(response)) => check_to_json(response),
        Some(pb::check_bulk_result::Result::Error(error)) => {
            let status =
                Status::with_details(error.code.into(), error.message.clone(), error.encode_to_vec().into());
            json!({ "error": check_error(&status).into_body() })
        }
        None => {
            json!({ "error": LagoError::from_status(&Status::internal("an empty result"), None).into_body() })
        }
    }
}

/// The 400 for parameters the gateway cannot read, once the caller is known to be authenticated
/// (Lago answers 401 first): a batch of no checks authenticates and is refused as invalid.
async fn malformed_after_authentication(
    clients: &GrpcClients,
    headers: &HeaderMap,
    message: &str,
) -> LagoError {
    let probe = clients.check().check_bulk(with_api_key(headers, pb::CheckBulkRequest::default())).await;
    match probe {
        Err(status) if kind_of(&status) != ErrorKind::Validation => LagoError::from_status(&status, None),
        _ => LagoError::bad_request(message),
    }
}
