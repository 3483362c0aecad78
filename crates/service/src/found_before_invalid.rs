//! Lago's order of errors on a request that names an existing object and carries a body: 401
//! (the authentication layer, before any handler), then 404 when the object is missing, then
//! the body's 400 or 422. This is the one place the services keep the second half of that rule:
//! a body that does not parse is answered only after the object was looked up. A body that
//! parses costs no extra query: the write finds the object in its own transaction, and answers
//! its 404 there. The REST gateway relies on this too: it sends an unreadable body as an absent
//! one, and rewords the 400 that comes back (see the gateway's `request_body` module).

use std::future::Future;

use entitlements_domain::Error;
use entitlements_store::StoreError;
use tonic::Status;

use crate::error_status::status_from_error;

/// `parsed` when it parsed; otherwise the lookup's error if the object is missing, else the
/// parse error.
///
/// # Errors
/// The lookup's status (NOT_FOUND, UNAVAILABLE), then the parse error's.
pub(crate) async fn found_before_invalid<T, Found>(
    parsed: Result<T, Error>,
    lookup: impl Future<Output = Result<Found, StoreError>>,
) -> Result<T, Status> {
    match parsed {
        Ok(value) => Ok(value),
        Err(error) => {
            lookup.await.map_err(status_from_error)?;
            Err(status_from_error(error))
        }
    }
}
