//! Read-your-writes across requests and replicas. A request may carry the metadata
//! `x-entitlements-min-revision: N` (a revision a write answered); it is then served only once the
//! organization has reached revision N, waiting a bounded time and answering UNAVAILABLE
//! `revision_not_reached` rather than a staler answer. A request that commits a write answers the
//! metadata `x-entitlements-revision: N`, its revision (see `entitlements_store::revision`).
//! Both apply to every API service, right after authentication.

use std::convert::Infallible;

use entitlements_domain::{Error, OrganizationId};
use entitlements_store::{Store, revision};
use http::HeaderValue;
use tonic::body::Body;
use tower::Service;

use crate::error_status::status_from_error;
use crate::min_revision::RevisionWait;

/// The response metadata naming a write's revision.
pub const REVISION_METADATA: &str = "x-entitlements-revision";
/// The request metadata asking to be served at least at a revision.
pub const MIN_REVISION_METADATA: &str = "x-entitlements-min-revision";

/// Serves `request` with `inner` once the organization is at the request's minimum revision, and
/// names the revision of what it committed.
pub(crate) async fn serve_at_revision<S>(
    store: &Store,
    organization_id: OrganizationId,
    wait: RevisionWait,
    request: http::Request<Body>,
    mut inner: S,
) -> Result<http::Response<Body>, Infallible>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
{
    let minimum = match min_revision(request.headers()) {
        Ok(minimum) => minimum,
        Err(error) => return Ok(status_from_error(error).into_http()),
    };
    if let Some(minimum) = minimum
        && let Err(status) = wait.until_reached(store, organization_id, minimum).await
    {
        return Ok(status.into_http());
    }
    let (response, committed) = revision::capture(inner.call(request)).await;
    let mut response = response?;
    if let Some(committed) = committed {
        response.headers_mut().insert(REVISION_METADATA, HeaderValue::from(committed));
    }
    Ok(response)
}

/// The request's minimum revision, if it asks for one.
///
/// # Errors
/// `BadRequest` when the metadata is not a decimal number.
fn min_revision(headers: &http::HeaderMap) -> Result<Option<u64>, Error> {
    let Some(value) = headers.get(MIN_REVISION_METADATA) else { return Ok(None) };
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| Error::BadRequest(format!("{MIN_REVISION_METADATA} must be a revision number")))
}
