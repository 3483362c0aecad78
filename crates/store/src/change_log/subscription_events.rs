//! The change events of subscriptions: each names the subscription by its external id, and each
//! time-driven or requested transition records the event Lago's webhook of the same name sends.

use entitlements_domain::{Transition, TransitionKind};
use uuid::Uuid;

use crate::change_log::{ChangeEventType, PendingChange};

/// The change event of a subscription write.
pub(crate) fn subscription_change(
    event_type: ChangeEventType,
    subscription_id: Uuid,
    external_id: &str,
) -> PendingChange {
    PendingChange { event_type, object_id: subscription_id, object_code: external_id.to_owned() }
}

/// The event a transition records: `subscription.started`, `.terminated` or `.canceled`.
pub(crate) fn transition_change(transition: &Transition, external_id: &str) -> PendingChange {
    let event_type = match transition.kind {
        TransitionKind::Started => ChangeEventType::SubscriptionStarted,
        TransitionKind::Terminated => ChangeEventType::SubscriptionTerminated,
        TransitionKind::Canceled => ChangeEventType::SubscriptionCanceled,
    };
    subscription_change(event_type, transition.subscription_id.0, external_id)
}
