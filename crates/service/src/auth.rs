//! Authentication, once for every API service: a tower layer resolves the caller's API key, from
//! `authorization: Bearer <key>` metadata, to the organization every query of the request is
//! scoped to, and puts it into the request's extensions before the service sees the request.
//! Handlers read it back with [`organization_of`]. A request without a valid key never reaches a
//! handler, so authentication comes before anything else the request asks (Lago answers 401
//! before 404 before 400).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use entitlements_domain::{Error, OrganizationId};
use entitlements_engine::EntitlementsView;
use entitlements_store::ApiKey;
use http::HeaderMap;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::{Request, Status};
use tower::{Layer, Service};

use crate::error_status::status_from_error;
use crate::min_revision::RevisionWait;
use crate::revision::serve_at_revision;

/// The metadata key carrying the API key (lowercase, as HTTP/2 requires).
pub const API_KEY_METADATA: &str = "authorization";

/// The organization the layer resolved, in a type only this module can build, so that nothing
/// else can pass a request off as authenticated.
#[derive(Debug, Clone, Copy)]
struct AuthenticatedOrganization(OrganizationId);

/// The organization of the request's API key, as the authentication layer resolved it.
///
/// # Errors
/// INTERNAL when the request did not pass through [`AuthenticationLayer`]: a wiring bug, which
/// fails closed.
pub(crate) fn organization_of<T>(request: &Request<T>) -> Result<OrganizationId, Status> {
    request.extensions().get::<AuthenticatedOrganization>().map(|organization| organization.0).ok_or_else(
        || status_from_error(Error::Internal("a request reached a service unauthenticated".to_owned())),
    )
}

/// Wraps a gRPC service so that every request is authenticated first, then served at the
/// revision it asks for (see `revision`).
#[derive(Debug, Clone)]
pub struct AuthenticationLayer {
    view: EntitlementsView,
    revision_wait: RevisionWait,
}

impl AuthenticationLayer {
    /// Resolves keys with `view` (and its store, for a key the view does not know).
    pub fn new(view: EntitlementsView) -> Self {
        Self { view, revision_wait: RevisionWait::default() }
    }

    /// How long a request waits for the revision it asks for.
    #[must_use]
    pub fn with_revision_wait(self, revision_wait: RevisionWait) -> Self {
        Self { revision_wait, ..self }
    }
}

impl<S> Layer<S> for AuthenticationLayer {
    type Service = Authenticated<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Authenticated { inner, view: self.view.clone(), revision_wait: self.revision_wait }
    }
}

/// A gRPC service behind [`AuthenticationLayer`]; it keeps the inner service's name, so that it
/// is routed and registered (health, reflection) as that service.
#[derive(Debug, Clone)]
pub struct Authenticated<S> {
    inner: S,
    view: EntitlementsView,
    revision_wait: RevisionWait,
}

impl<S: NamedService> NamedService for Authenticated<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> Service<http::Request<Body>> for Authenticated<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        // The service that was polled ready serves this request; its clone waits for the next.
        let ready = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, ready);
        let view = self.view.clone();
        let revision_wait = self.revision_wait;
        Box::pin(async move {
            match organization(&view, request.headers()).await {
                Ok(organization_id) => {
                    request.extensions_mut().insert(AuthenticatedOrganization(organization_id));
                    serve_at_revision(&view, organization_id, revision_wait, request, inner).await
                }
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}

/// The organization of the API key in `headers` (gRPC metadata): from memory, or from the
/// database for a key the view does not hold (not loaded yet, or created a moment ago on another
/// replica).
///
/// # Errors
/// UNAUTHENTICATED when the key is missing or unknown; UNAVAILABLE when the database is down or
/// not migrated yet.
async fn organization(view: &EntitlementsView, headers: &HeaderMap) -> Result<OrganizationId, Status> {
    let store = view.store();
    if !store.is_migrated() {
        return Err(status_from_error(Error::Unavailable("the database is not migrated yet".to_owned())));
    }
    let key = headers
        .get(API_KEY_METADATA)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token)
        .ok_or_else(|| status_from_error(Error::Unauthenticated))?;
    let key = ApiKey::new(key);
    if let Some(organization_id) = view.organization_for_api_key(&key) {
        return Ok(organization_id);
    }
    store
        .organization_for_api_key(&key)
        .await
        .map_err(status_from_error)?
        .ok_or_else(|| status_from_error(Error::Unauthenticated))
}

/// The token after the scheme word. Like Lago, the scheme itself is not checked.
fn bearer_token(header: &str) -> Option<&str> {
    let mut words = header.split_whitespace();
    let _scheme = words.next()?;
    words.next().filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use entitlements::errors::{ErrorKind, ReceivedError};
    use entitlements_store::Store;
    use tower::ServiceExt as _;

    use super::*;
    use crate::ApiRoutes;

    #[test]
    fn takes_the_second_word() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token(""), None);
    }

    /// A store on a fresh SQLite file, migrated or not.
    async fn store(directory: &tempfile::TempDir, migrated: bool) -> Store {
        let url = format!("sqlite://{}?mode=rwc", directory.path().join("auth.db").display());
        let store = Store::connect(&url).await.expect("connect to SQLite");
        if migrated {
            store.migrate().await.expect("migrate");
        }
        store
    }

    fn grpc_request(path: &str, authorization: Option<&str>) -> http::Request<Body> {
        let mut request = http::Request::post(path).header("content-type", "application/grpc");
        if let Some(authorization) = authorization {
            request = request.header(API_KEY_METADATA, authorization);
        }
        request.body(Body::empty()).expect("a valid request")
    }

    /// The kind of the status a response carries in its headers (a trailers-only answer).
    fn refusal(response: &http::Response<Body>) -> Option<ErrorKind> {
        let status = Status::from_header_map(response.headers())?;
        Some(ReceivedError::from_status(&status).kind)
    }

    /// A service that answers with the organization it found in the request's extensions.
    fn echo_organization() -> impl Service<
        http::Request<Body>,
        Response = http::Response<Body>,
        Error = Infallible,
        Future = impl Send + 'static,
    > + Clone
    + Send
    + 'static {
        tower::service_fn(|request: http::Request<Body>| async move {
            let mut response = http::Response::new(Body::empty());
            if let Some(organization) = request.extensions().get::<AuthenticatedOrganization>() {
                response.extensions_mut().insert(*organization);
            }
            Ok::<_, Infallible>(response)
        })
    }

    #[tokio::test]
    async fn every_api_service_refuses_a_request_without_a_key() {
        let directory = tempfile::tempdir().expect("a temp dir");
        let api = ApiRoutes::new(store(&directory, true).await);
        assert_eq!(api.service_names.len(), 10, "{:?}", api.service_names);
        for service_name in api.service_names {
            let request = grpc_request(&format!("/{service_name}/AnyMethod"), None);
            let response = api.routes.clone().oneshot(request).await.expect("infallible");
            assert_eq!(refusal(&response), Some(ErrorKind::Unauthenticated), "{service_name}");
        }
    }

    #[tokio::test]
    async fn a_known_key_puts_its_organization_into_the_extensions() {
        let directory = tempfile::tempdir().expect("a temp dir");
        let store = store(&directory, true).await;
        let organization_id = store
            .ensure_organization_with_api_key("acme", &ApiKey::new("acme-key"))
            .await
            .expect("organization");
        let service = AuthenticationLayer::new(EntitlementsView::new(store)).layer(echo_organization());

        let response =
            service.clone().oneshot(grpc_request("/any", Some("Bearer acme-key"))).await.expect("infallible");
        assert_eq!(refusal(&response), None);
        let organization = response.extensions().get::<AuthenticatedOrganization>().map(|found| found.0);
        assert_eq!(organization, Some(organization_id));

        for authorization in [None, Some("Bearer other-key"), Some("Bearer"), Some("Bearer café")] {
            let response =
                service.clone().oneshot(grpc_request("/any", authorization)).await.expect("infallible");
            assert_eq!(refusal(&response), Some(ErrorKind::Unauthenticated), "{authorization:?}");
            assert!(response.extensions().get::<AuthenticatedOrganization>().is_none());
        }
    }

    #[tokio::test]
    async fn an_unmigrated_database_is_unavailable() {
        let directory = tempfile::tempdir().expect("a temp dir");
        let service = AuthenticationLayer::new(EntitlementsView::new(store(&directory, false).await))
            .layer(echo_organization());
        let response =
            service.oneshot(grpc_request("/any", Some("Bearer any-key"))).await.expect("infallible");
        assert_eq!(refusal(&response), Some(ErrorKind::Unavailable));
    }

    #[test]
    fn a_request_that_skipped_the_layer_fails_closed() {
        let status = organization_of(&Request::new(())).expect_err("no organization without the layer");
        assert_eq!(ReceivedError::from_status(&status).kind, ErrorKind::Internal);
    }
}
