//! Reads the whole body of an HTTP/1.x request (gRPC-Web) before the services see it.
//!
//! Over HTTP/1.1 a connection carries one request at a time, and a server that answers before
//! reading the request's body (the authentication layer refusing a key does) must close the
//! connection. A client that writes the headers first and the body after them, as Node's does,
//! then writes into a closed socket and gets a broken pipe instead of UNAUTHENTICATED. Reading
//! the body first keeps the connection usable and the answer deliverable. gRPC-Web requests are
//! one message (gRPC-Web has no client streaming), so nothing streams through here anyway; HTTP/2
//! requests (gRPC, and gRPC-Web over HTTP/2) pass untouched, since HTTP/2 answers each stream on
//! its own.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode, Version};
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use tonic::body::Body;
use tower::{Layer, Service};

/// The largest body read: a message of tonic's default 4 MiB decoding limit in base64
/// (`application/grpc-web-text`), with room for the framing. Larger bodies are answered 413.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Wraps services in [`ReadHttp1RequestBody`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReadHttp1RequestBodyLayer;

impl<S> Layer<S> for ReadHttp1RequestBodyLayer {
    type Service = ReadHttp1RequestBody<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ReadHttp1RequestBody { inner }
    }
}

/// Calls `inner` with the request body already read, for HTTP/1.x requests.
#[derive(Debug, Clone)]
pub(crate) struct ReadHttp1RequestBody<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> Service<Request<Body>> for ReadHttp1RequestBody<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if request.version() >= Version::HTTP_2 {
            return Box::pin(self.inner.call(request));
        }
        // The service that poll_ready prepared goes into the future; a clone takes its place.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(error) if error.is::<LengthLimitError>() => {
                    tracing::debug!(limit = MAX_BODY_BYTES, "http/1 request body too large");
                    return Ok(status_only(StatusCode::PAYLOAD_TOO_LARGE));
                }
                Err(error) => {
                    tracing::debug!(%error, "http/1 request body unreadable");
                    return Ok(status_only(StatusCode::BAD_REQUEST));
                }
            };
            inner.call(Request::from_parts(parts, Body::new(Full::new(bytes)))).await
        })
    }
}

fn status_only(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}
