//! Revisions over REST. A REST request's `X-Entitlements-Min-Revision` header travels to every
//! gRPC call it makes (see `with_api_key`), and the revision a gRPC call answers
//! (`x-entitlements-revision`, set when it committed a write) comes back as the REST response's
//! `X-Entitlements-Revision` header. The gRPC transport records each answer's revision in the
//! scope this module's middleware opens around the REST request.

use std::cell::Cell;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;

/// The revision header, on gRPC answers and REST responses alike.
pub(crate) const REVISION_HEADER: &str = "x-entitlements-revision";
/// The minimum-revision header, on REST requests and gRPC calls alike.
pub(crate) const MIN_REVISION_HEADER: &str = "x-entitlements-min-revision";

tokio::task_local! {
    /// The highest revision a gRPC answer named during the current REST request.
    static ANSWERED: Cell<Option<u64>>;
}

/// Axum middleware: runs the request in a scope and names the revision its writes committed.
pub(crate) async fn name_revision(request: Request, next: Next) -> Response {
    ANSWERED
        .scope(Cell::new(None), async move {
            let mut response = next.run(request).await;
            if let Some(revision) = ANSWERED.with(Cell::get) {
                response.headers_mut().insert(REVISION_HEADER, HeaderValue::from(revision));
            }
            response
        })
        .await
}

/// Records the revision a gRPC answer names, for the enclosing REST request (if any: a gRPC call
/// outside one, such as a health probe, has nobody to tell).
pub(crate) fn record_answer<B>(response: &http::Response<B>) {
    let Some(revision) =
        response.headers().get(REVISION_HEADER).and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
    else {
        return;
    };
    let _outside_any_request = ANSWERED.try_with(|answered| {
        answered.set(Some(answered.get().map_or(revision, |earlier| earlier.max(revision))));
    });
}
