//! Read-your-writes across requests and replicas. A request may carry the metadata
//! `x-entitlements-min-revision: N` (a revision a write answered); it is then served only once the
//! in-memory view, or failing it after a bounded wait the database, has reached revision N, and
//! answered UNAVAILABLE `revision_not_reached` rather than a staler answer. A request that commits a write answers the
//! metadata `x-entitlements-revision: N`, its revision (see `entitlements_store::revision`).
//! Both apply to every API service, right after authentication.

use std::convert::Infallible;

use entitlements_domain::{Error, OrganizationId};
use entitlements_engine::EntitlementsView;
use entitlements_store::revision;
use http::HeaderValue;
use tonic::body::Body;
use tower::Service;

use crate::error_status::status_from_error;
use crate::min_revision::{RequestedRevision, RevisionWait};

/// The response metadata naming a write's revision.
pub const REVISION_METADATA: &str = "x-entitlements-revision";
/// The request metadata asking to be served at least at a revision.
pub const MIN_REVISION_METADATA: &str = "x-entitlements-min-revision";

/// Serves `request` with `inner` once the organization is at the request's minimum revision, and
/// names the revision of what it committed.
pub(crate) async fn serve_at_revision<S>(
    view: &EntitlementsView,
    organization_id: OrganizationId,
    wait: RevisionWait,
    mut request: http::Request<Body>,
    mut inner: S,
) -> Result<http::Response<Body>, Infallible>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
{
    let minimum = match min_revision(request.headers()) {
        Ok(minimum) => minimum,
        Err(error) => return Ok(status_from_error(error).into_http()),
    };
    if let Some(min_revision) = minimum {
        match view.read_source(organization_id, min_revision, wait.timeout).await {
            Ok(source) => {
                request.extensions_mut().insert(RequestedRevision { min_revision, source });
            }
            Err(error) => return Ok(wait.status(error).into_http()),
        }
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
