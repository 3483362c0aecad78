//! `entitlements.v1.WatchService`: checks where the stream may start (a revision the organization
//! has reached, and whose next event is still retained), then hands the stream to a follower task
//! (`watch_stream`) that feeds it over a channel.

use std::sync::Arc;

use entitlements::v1 as pb;
use entitlements::v1::watch_service_server::WatchService;
use entitlements_domain::{ErrorCode, ValidationErrors};
use entitlements_store::Store;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::auth::organization_of;
use crate::error_status::status_from_error;
use crate::service_counters::ServiceCounters;
use crate::watch_conversions::{WatchStart, watch_query};
use crate::watch_stream::{WatchFollower, WatchSettings, revision_expired};

/// Messages a stream buffers for a slow client before its follower waits.
const STREAM_BUFFER: usize = 64;

/// The WatchService implementation.
#[derive(Debug, Clone)]
pub struct WatchApi {
    store: Store,
    settings: WatchSettings,
    /// Where open streams are counted, when the server reports metrics.
    counters: Option<Arc<ServiceCounters>>,
}

impl WatchApi {
    pub fn new(store: Store, settings: WatchSettings, counters: Option<Arc<ServiceCounters>>) -> Self {
        Self { store, settings, counters }
    }
}

#[tonic::async_trait]
impl WatchService for WatchApi {
    type WatchStream = ReceiverStream<Result<pb::WatchResponse, Status>>;

    async fn watch(&self, request: Request<pb::WatchRequest>) -> Result<Response<Self::WatchStream>, Status> {
        let organization_id = organization_of(&request)?;
        let (start, filter) = watch_query(request.into_inner()).map_err(status_from_error)?;
        // Subscribed before the first read, so that a commit right after it still wakes the
        // follower.
        let signals = self.store.change_signals();
        let latest = self.store.latest_revision(organization_id).await.map_err(status_from_error)?;
        let cursor = match start {
            WatchStart::Now => latest,
            WatchStart::After(revision) if revision > latest => {
                let violation =
                    ValidationErrors::single("after_revision", ErrorCode::Named("value_is_out_of_range"));
                return Err(status_from_error(violation));
            }
            WatchStart::After(revision) => {
                let next = self
                    .store
                    .change_events(organization_id, revision, 1)
                    .await
                    .map_err(status_from_error)?;
                if let Some(oldest_retained) = next.first().map(|event| event.sequence)
                    && oldest_retained != revision + 1
                {
                    return Err(revision_expired(revision, oldest_retained));
                }
                revision
            }
        };
        let (sender, receiver) = tokio::sync::mpsc::channel(STREAM_BUFFER);
        let follower = WatchFollower {
            store: self.store.clone(),
            organization_id,
            cursor,
            filter,
            settings: self.settings.clone(),
            sender,
            counted_open: self.counters.as_ref().map(ServiceCounters::watch_stream_opened),
        };
        tokio::spawn(follower.follow(signals));
        Ok(Response::new(ReceiverStream::new(receiver)))
    }
}
