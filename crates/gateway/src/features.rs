//! `/api/v1/features`: Lago's features routes over FeatureService.

pub(crate) mod feature_json;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get};
use entitlements::v1 as pb;
use serde_json::json;

use crate::grpc_clients::GrpcClients;
use crate::lago_error::LagoError;
use crate::lago_extract::{LagoPath, LagoQuery};
use crate::lago_json::json_response;
use crate::request_body::{json_object, split_body};
use crate::{pagination_params, with_api_key};

use feature_json::{create_input_from_json, feature_to_json, update_input_from_json};

pub(crate) fn routes() -> Router<GrpcClients> {
    Router::new()
        .route("/features", get(list_features).post(create_feature))
        .route(
            "/features/{code}",
            get(get_feature).put(update_feature).patch(update_feature).delete(delete_feature),
        )
        .route("/features/{feature_code}/privileges/{privilege_code}", delete(delete_feature_privilege))
}

async fn create_feature(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (feature, body_error) = split_body(json_object(&headers, &body).and_then(create_input_from_json));
    let request = with_api_key(&headers, pb::CreateFeatureRequest { feature });
    let response = clients
        .features()
        .create_feature(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(feature_response(response.into_inner().feature))
}

async fn list_features(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoQuery(params): LagoQuery<HashMap<String, String>>,
) -> Result<Response, LagoError> {
    let request = with_api_key(
        &headers,
        pb::ListFeaturesRequest {
            page: pagination_params::page(params.get("page").map(String::as_str)),
            per_page: pagination_params::per_page(params.get("per_page").map(String::as_str)),
            search_term: params.get("search_term").cloned().unwrap_or_default(),
        },
    );
    let response = clients
        .features()
        .list_features(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    let pb::ListFeaturesResponse { features, meta } = response.into_inner();
    let body = json!({
        "features": features.iter().map(feature_to_json).collect::<Vec<_>>(),
        "meta": pagination_params::meta_to_json(&meta.unwrap_or_default()),
    });
    Ok(json_response(StatusCode::OK, &body))
}

async fn get_feature(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::GetFeatureRequest { code });
    let response = clients
        .features()
        .get_feature(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(feature_response(response.into_inner().feature))
}

async fn update_feature(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (feature, body_error) = split_body(json_object(&headers, &body).and_then(update_input_from_json));
    let request = with_api_key(&headers, pb::UpdateFeatureRequest { code, feature });
    let response = clients
        .features()
        .update_feature(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(feature_response(response.into_inner().feature))
}

async fn delete_feature(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::DeleteFeatureRequest { code });
    let response = clients
        .features()
        .delete_feature(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(feature_response(response.into_inner().feature))
}

async fn delete_feature_privilege(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath((feature_code, privilege_code)): LagoPath<(String, String)>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::DeleteFeaturePrivilegeRequest { feature_code, privilege_code });
    let response = clients
        .features()
        .delete_feature_privilege(request)
        .await
        .map_err(|status| LagoError::from_status(&status, None))?;
    Ok(feature_response(response.into_inner().feature))
}

fn feature_response(feature: Option<pb::Feature>) -> Response {
    let feature = feature.unwrap_or_default();
    json_response(StatusCode::OK, &json!({ "feature": feature_to_json(&feature) }))
}
