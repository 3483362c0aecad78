//! The tower layer that counts the calls arriving on the gRPC listener: `started` when a call
//! comes in, `handled` (with its code) and its handling time when its status is known — from a
//! trailers-only answer's `grpc-status` header, or from the trailers that end the answer's body
//! (for a Watch stream, when the stream ends). An answer dropped before its status (the client
//! went away) counts as `Canceled`. The request path is looked up once per call in the table
//! made at start-up (see `grpc_methods`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::grpc_code::{CANCELED, GrpcCodeIndex, UNKNOWN, grpc_code_of};
use super::grpc_methods::{MethodMetrics, MethodTable};

/// Counts calls to the services it wraps.
#[derive(Debug, Clone)]
pub(crate) struct GrpcMetricsLayer {
    methods: Arc<MethodTable>,
}

impl GrpcMetricsLayer {
    pub(crate) fn new(methods: MethodTable) -> Self {
        Self { methods: Arc::new(methods) }
    }
}

impl<S> Layer<S> for GrpcMetricsLayer {
    type Service = GrpcMetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcMetricsService { inner, methods: Arc::clone(&self.methods) }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct GrpcMetricsService<S> {
    inner: S,
    methods: Arc<MethodTable>,
}

impl<S, RequestBody, ResponseBody> Service<Request<RequestBody>> for GrpcMetricsService<S>
where
    S: Service<Request<RequestBody>, Response = Response<ResponseBody>>,
{
    type Response = Response<MeteredBody<ResponseBody>>;
    type Error = S::Error;
    type Future = MeteredFuture<S::Future>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request<RequestBody>) -> Self::Future {
        let call = CallInProgress::new(Arc::clone(self.methods.find(request.uri().path())));
        MeteredFuture { inner: self.inner.call(request), call: Some(call) }
    }
}

/// A call whose status is not known yet. Dropped without [`CallInProgress::finish`], it counts
/// as `Canceled`: its answer was dropped before its status was sent.
#[derive(Debug)]
struct CallInProgress {
    method: Arc<MethodMetrics>,
    started: Instant,
    finished: bool,
}

impl CallInProgress {
    fn new(method: Arc<MethodMetrics>) -> Self {
        method.started();
        Self { method, started: Instant::now(), finished: false }
    }

    fn finish(mut self, code: GrpcCodeIndex) {
        self.record(code);
    }

    fn record(&mut self, code: GrpcCodeIndex) {
        if !self.finished {
            self.finished = true;
            self.method.handled(code, self.started.elapsed().as_secs_f64());
        }
    }
}

impl Drop for CallInProgress {
    fn drop(&mut self) {
        self.record(CANCELED);
    }
}

pin_project! {
    /// The inner service's answer, with the call it belongs to.
    #[derive(Debug)]
    pub(crate) struct MeteredFuture<F> {
        #[pin]
        inner: F,
        call: Option<CallInProgress>,
    }
}

impl<F, ResponseBody, Error> Future for MeteredFuture<F>
where
    F: Future<Output = Result<Response<ResponseBody>, Error>>,
{
    type Output = Result<Response<MeteredBody<ResponseBody>>, Error>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answered = ready!(this.inner.poll(context));
        let call = this.call.take();
        Poll::Ready(match answered {
            Ok(response) => {
                // A trailers-only answer (every error, and an empty stream) has its status here.
                let call = match (call, grpc_code_of(response.headers())) {
                    (Some(call), Some(code)) => {
                        call.finish(code);
                        None
                    }
                    (call, _) => call,
                };
                Ok(response.map(|inner| MeteredBody { inner, call }))
            }
            Err(error) => {
                if let Some(call) = call {
                    call.finish(UNKNOWN);
                }
                Err(error)
            }
        })
    }
}

pin_project! {
    /// An answer's body, watched for the trailers that carry its status.
    #[derive(Debug)]
    pub(crate) struct MeteredBody<B> {
        #[pin]
        inner: B,
        call: Option<CallInProgress>,
    }
}

impl<B: Body> Body for MeteredBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(context));
        let code = match &frame {
            Some(Ok(frame)) => frame.trailers_ref().map(|trailers| grpc_code_of(trailers).unwrap_or(UNKNOWN)),
            // A body that fails or ends without trailers ends the call without a status.
            Some(Err(_)) | None => Some(UNKNOWN),
        };
        if let Some(code) = code
            && let Some(call) = this.call.take()
        {
            call.finish(code);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
