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
use crate::pagination_params::{RestPage, fetch_rest_page, total_count};
use crate::request_body::{json_object, split_body};
use crate::with_api_key;

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
    let probe = pb::ListFeaturesRequest { per_page: 1, ..pb::ListFeaturesRequest::default() };
    let rest_page = RestPage::read(
        params.get("page").map(String::as_str),
        params.get("per_page").map(String::as_str),
        clients.features().list_features(with_api_key(&headers, probe)),
    )
    .await?;
    let search_term = params.get("search_term").cloned().unwrap_or_default();
    let (features, meta) = fetch_rest_page(rest_page, |page, per_page| {
        let request = pb::ListFeaturesRequest { page, per_page, search_term: search_term.clone() };
        let mut client = clients.features();
        let request = with_api_key(&headers, request);
        async move {
            let pb::ListFeaturesResponse { features, meta } =
                client.list_features(request).await?.into_inner();
            Ok((features, total_count(meta.as_ref())))
        }
    })
    .await
    .map_err(|status| LagoError::from_status(&status, None))?;
    let body = json!({
        "features": features.iter().map(feature_to_json).collect::<Vec<_>>(),
        "meta": meta,
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
    let (update, body_error) = split_body(json_object(&headers, &body).and_then(update_input_from_json));
    let (feature, update_mask) = update.map_or((None, None), |(feature, mask)| (Some(feature), Some(mask)));
    let request = with_api_key(&headers, pb::UpdateFeatureRequest { code, feature, update_mask });
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
