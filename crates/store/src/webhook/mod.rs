//! Webhooks in the database: the outbox that every write feeds in its own transaction
//! (`outbox`), the objects an event carries (`objects`), the dispatcher's claims and outcomes
//! (`dispatch`), and the signing keys (`keys`).

pub(crate) mod dispatch;
mod keys;
pub(crate) mod objects;
pub(crate) mod outbox;
pub(crate) mod retention;

pub use dispatch::{DeliveryAttempt, DeliveryEndpoint, DueDelivery, SignatureAlgorithm};
pub use retention::WEBHOOK_DELIVERY_PRUNE_BATCH;
