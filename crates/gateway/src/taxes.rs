//! `/api/v1/taxes`: Lago's tax routes over TaxService.

mod tax_input_json;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use entitlements::v1 as pb;
use serde_json::{Value, json};

use crate::grpc_clients::GrpcClients;
use crate::lago_error::LagoError;
use crate::lago_extract::{LagoPath, LagoQuery};
use crate::lago_json::json_response;
use crate::pagination_params::{RestPage, fetch_rest_page, total_count};
use crate::request_body::{json_object, split_body};
use crate::tax_json::embedded_tax_to_json;
use crate::with_api_key;

use tax_input_json::{create_input_from_json, update_input_from_json};

/// The code of the organization's one implicit billing entity.
const DEFAULT_BILLING_ENTITY_CODE: &str = "default";

pub(crate) fn routes() -> Router<GrpcClients> {
    Router::new()
        .route("/taxes", get(list_taxes).post(create_tax))
        .route("/taxes/{code}", get(get_tax).put(update_tax).patch(update_tax).delete(delete_tax))
}

async fn create_tax(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (tax, body_error) = split_body(json_object(&headers, &body).and_then(create_input_from_json));
    let request = with_api_key(&headers, pb::CreateTaxRequest { tax });
    let response = clients
        .taxes()
        .create_tax(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(tax_response(response.into_inner().tax))
}

async fn list_taxes(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoQuery(params): LagoQuery<HashMap<String, String>>,
) -> Result<Response, LagoError> {
    let probe = pb::ListTaxesRequest { page: 0, per_page: 1 };
    let rest_page = RestPage::read(
        params.get("page").map(String::as_str),
        params.get("per_page").map(String::as_str),
        clients.taxes().list_taxes(with_api_key(&headers, probe)),
    )
    .await?;
    let (taxes, meta) = fetch_rest_page(rest_page, |page, per_page| {
        let mut client = clients.taxes();
        let request = with_api_key(&headers, pb::ListTaxesRequest { page, per_page });
        async move {
            let pb::ListTaxesResponse { taxes, meta } = client.list_taxes(request).await?.into_inner();
            Ok((taxes, total_count(meta.as_ref())))
        }
    })
    .await
    .map_err(|status| LagoError::from_status(&status, None))?;
    let body = json!({ "taxes": taxes.iter().map(tax_to_json).collect::<Vec<_>>(), "meta": meta });
    Ok(json_response(StatusCode::OK, &body))
}

async fn get_tax(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::GetTaxRequest { code });
    let response =
        clients.taxes().get_tax(request).await.map_err(|status| LagoError::from_status(&status, None))?;
    Ok(tax_response(response.into_inner().tax))
}

async fn update_tax(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
    body: Bytes,
) -> Result<Response, LagoError> {
    let (update, body_error) = split_body(json_object(&headers, &body).and_then(update_input_from_json));
    let (tax, update_mask) = update.map_or((None, None), |(tax, mask)| (Some(tax), Some(mask)));
    let request = with_api_key(&headers, pb::UpdateTaxRequest { code, tax, update_mask });
    let response = clients
        .taxes()
        .update_tax(request)
        .await
        .map_err(|status| LagoError::from_status(&status, body_error.as_ref()))?;
    Ok(tax_response(response.into_inner().tax))
}

async fn delete_tax(
    State(clients): State<GrpcClients>,
    headers: HeaderMap,
    LagoPath(code): LagoPath<String>,
) -> Result<Response, LagoError> {
    let request = with_api_key(&headers, pb::DeleteTaxRequest { code });
    let response =
        clients.taxes().delete_tax(request).await.map_err(|status| LagoError::from_status(&status, None))?;
    Ok(tax_response(response.into_inner().tax))
}

fn tax_response(tax: Option<pb::Tax>) -> Response {
    json_response(StatusCode::OK, &json!({ "tax": tax_to_json(&tax.unwrap_or_default()) }))
}

/// Lago's tax object on the `/taxes` routes (`V1::TaxWithBillingEntitiesSerializer`): the
/// embedded object followed by the codes of the billing entities the tax applies to.
fn tax_to_json(tax: &pb::Tax) -> Value {
    let mut object = embedded_tax_to_json(tax);
    let codes: &[&str] = if tax.applied_to_organization { &[DEFAULT_BILLING_ENTITY_CODE] } else { &[] };
    if let Value::Object(fields) = &mut object {
        fields.insert("applied_to_billing_entities_codes".to_owned(), json!(codes));
    }
    object
}
