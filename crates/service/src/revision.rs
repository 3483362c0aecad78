//! Read-your-writes across requests and replicas. A request may carry the metadata
//! `x-entitlements-min-revision: N` (a revision a write answered); it is then served only once the
//! organization has reached revision N, waiting a bounded time and answering UNAVAILABLE
//! `revision_not_reached` rather than a staler answer. A request that commits a write answers the
//! metadata `x-entitlements-revision: N`, its revision (see `entitlements_store::revision`).
//! Both apply to every API service, right after authentication.

use std::convert::Infallible;
use std::time::Duration;

use entitlements_domain::{Error, OrganizationId};
use entitlements_store::{Store, revision};
use http::HeaderValue;
use tokio::time::{Instant, sleep};
use tonic::body::Body;
use tower::Service;

use crate::error_status::status_from_error;

/// The response metadata naming a write's revision.
pub const REVISION_METADATA: &str = "x-entitlements-revision";
/// The request metadata asking to be served at least at a revision.
pub const MIN_REVISION_METADATA: &str = "x-entitlements-min-revision";
/// How long a request waits for its minimum revision by default.
pub const DEFAULT_MIN_REVISION_WAIT: Duration = Duration::from_millis(250);

/// How often a waiting request looks at the organization's revision again.
const POLL_INTERVAL: Duration = Duration::from_millis(5);

/// Serves `request` with `inner` once the organization is at the request's minimum revision, and
/// names the revision of what it committed.
pub(crate) async fn serve_at_revision<S>(
    store: &Store,
    organization_id: OrganizationId,
    wait: Duration,
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
        && let Err(error) = reach(store, organization_id, minimum, wait).await
    {
        return Ok(status_from_error(error).into_http());
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

/// Waits until the organization's revision is at least `minimum`, at most `wait`.
///
/// # Errors
/// `RevisionNotReached` after the wait; the store's errors.
async fn reach(
    store: &Store,
    organization_id: OrganizationId,
    minimum: u64,
    wait: Duration,
) -> Result<(), Error> {
    let deadline = Instant::now() + wait;
    loop {
        if store.revision(organization_id).await? >= minimum {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Error::RevisionNotReached(minimum));
        }
        sleep(POLL_INTERVAL.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}
