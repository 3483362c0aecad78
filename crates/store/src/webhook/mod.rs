//! Webhooks in the database: the outbox that every write feeds in its own transaction
//! (`outbox`), the objects an event carries (`objects`), the dispatcher's claims and outcomes
//! (`dispatch`), the signing keys (`keys`), the endpoints (`endpoints`) and their delivery log
//! with its manual retry (`delivery_log`).

mod delivery_log;
pub(crate) mod dispatch;
mod endpoints;
mod keys;
pub(crate) mod objects;
pub(crate) mod outbox;
mod queue_depth;
pub(crate) mod retention;

pub use dispatch::{DeliveryAttempt, DeliveryEndpoint, DueDelivery, WEBHOOK_RESPONSE_KEPT_BYTES};
pub use outbox::TraceParentSource;
pub use retention::WEBHOOK_DELIVERY_PRUNE_BATCH;
