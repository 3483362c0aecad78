//! Lago's answer to a failed entitlements write. Value errors are keyed by the privilege's code
//! (`lago_field`), found at the position the service names in the request the gateway sent. A JSON
//! value of no privilege type (a fraction, an array, an object) is sent as no value, so the
//! service answers `entitlements[i].privileges[j].value: value_is_mandatory` when it is the first
//! failing value; Lago answers the privilege's own error instead:
//! `<privilege>_privilege_value: value_not_in_select_options` for a select privilege,
//! `value_is_invalid` for the others. The privilege's type comes from FeatureService.

use axum::http::HeaderMap;
use entitlements::v1 as pb;
use tonic::Status;

use crate::entitlement_json::EntitlementsBody;
use crate::grpc_clients::GrpcClients;
use crate::lago_error::{LagoError, violations};
use crate::lago_field::value_position;
use crate::with_api_key;

/// Lago's answer to a failed entitlements write whose body was `body`.
pub(crate) async fn entitlements_write_error(
    clients: &GrpcClients,
    headers: &HeaderMap,
    body: &EntitlementsBody,
    status: &Status,
) -> LagoError {
    let untyped = match violations(status).as_slice() {
        [(field, reason)] if reason == "value_is_mandatory" => value_position(field)
            .filter(|&(entitlement, privilege)| body.is_untyped(entitlement, privilege))
            .and_then(|(entitlement, privilege)| body.codes_at(entitlement, privilege)),
        _ => None,
    };
    let Some((feature_code, privilege_code)) = untyped else {
        let privilege_code_at = |entitlement: usize, privilege: usize| {
            body.codes_at(entitlement, privilege).map(|(_, privilege_code)| privilege_code.to_owned())
        };
        return LagoError::from_entitlements_status(status, &privilege_code_at);
    };
    let request = with_api_key(headers, pb::GetFeatureRequest { code: feature_code.to_owned() });
    // The write found the privilege; should it vanish since, its type no longer matters much.
    let is_select = clients.features().get_feature(request).await.ok().is_some_and(|response| {
        response.into_inner().feature.is_some_and(|feature| {
            feature.privileges.iter().any(|privilege| {
                privilege.code == privilege_code && privilege.value_type() == pb::PrivilegeValueType::Select
            })
        })
    });
    let code = if is_select { "value_not_in_select_options" } else { "value_is_invalid" };
    LagoError::validation(&[(format!("{privilege_code}_privilege_value"), code.to_owned())])
}
