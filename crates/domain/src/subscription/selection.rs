//! Which stored subscription a request means. Subscriptions share an external id across an
//! upgrade, a scheduled downgrade or a termination and a new start, so every request names one
//! by external id and, optionally, a status. Reads, updates and entitlement requests take the
//! status as given (none meaning active); terminations accept only active and pending. Each
//! reading is one constructor of `SubscriptionSelector`, so that the rules below decide on typed
//! values.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use crate::enum_input::EnumInput;
use crate::ids::{CustomerId, SubscriptionId};
use crate::plan::PlanInterval;
use crate::subscription::lifecycle::Lifecycle;
use crate::subscription::{SubscriptionStatus, yearly_amount_cents};
use crate::validation::{ErrorCode, ValidationErrors};

/// The status a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WantedStatus {
    Status(SubscriptionStatus),
    /// A status this server does not know (a client's number outside the enum, such as the REST
    /// gateway's reading of Lago's `incomplete`): the request finds nothing by status.
    Nothing,
}

/// A subscription as a request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSelector {
    pub external_id: String,
    pub status: WantedStatus,
}

impl SubscriptionSelector {
    /// Reads, updates and entitlement requests (Lago's `find_by(external_id:, status:)`): no
    /// status means `active`; a status is matched exactly; an unknown one finds nothing by status
    /// (an update still finds an external id's lone subscription, see `update_target`).
    pub fn new(external_id: String, status: EnumInput<SubscriptionStatus>) -> Self {
        let status = match status {
            EnumInput::Null => WantedStatus::Status(SubscriptionStatus::Active),
            EnumInput::Known(status) => WantedStatus::Status(status),
            EnumInput::Unknown => WantedStatus::Nothing,
        };
        Self { external_id, status }
    }

    /// Terminations: `pending` cancels the pending subscription; `active`, or no status,
    /// terminates the active one.
    ///
    /// # Errors
    /// `status: value_is_invalid` for any other status.
    pub fn for_termination(
        external_id: String,
        status: EnumInput<SubscriptionStatus>,
    ) -> Result<Self, ValidationErrors> {
        let status = match status {
            EnumInput::Null | EnumInput::Known(SubscriptionStatus::Active) => SubscriptionStatus::Active,
            EnumInput::Known(SubscriptionStatus::Pending) => SubscriptionStatus::Pending,
            EnumInput::Known(SubscriptionStatus::Terminated | SubscriptionStatus::Canceled)
            | EnumInput::Unknown => {
                return Err(ValidationErrors::single("status", ErrorCode::ValueIsInvalid));
            }
        };
        Ok(Self { external_id, status: WantedStatus::Status(status) })
    }
}

/// The first subscription with the wanted status in Lago's lookup order (`lookup_order`).
pub fn find_by_status(subscriptions: &[Lifecycle], wanted: WantedStatus) -> Option<SubscriptionId> {
    let WantedStatus::Status(status) = wanted else {
        return None;
    };
    subscriptions
        .iter()
        .filter(|subscription| subscription.status == status)
        .min_by(|left, right| lookup_order(left, right))
        .map(|subscription| subscription.id)
}

/// Lago's order among subscriptions of one external id for lookups by status
/// (`terminated_at DESC NULLS FIRST, started_at DESC`, PostgreSQL putting nulls first in
/// descending order): those not terminated first, then the most recently terminated, then the
/// most recently started.
pub fn lookup_order(left: &Lifecycle, right: &Lifecycle) -> Ordering {
    newest_first(left.terminated_at, right.terminated_at)
        .then(newest_first(left.started_at, right.started_at))
}

/// Descending, with `None` first.
fn newest_first(left: Option<DateTime<Utc>>, right: Option<DateTime<Utc>>) -> Ordering {
    match (left, right) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(left), Some(right)) => right.cmp(&left),
    }
}

/// Lago's lookup of an update: by subscription date (newest first), the only subscription of
/// the external id whatever its status, else the first with the wanted status.
pub fn update_target(subscriptions: &[Lifecycle], wanted: WantedStatus) -> Option<SubscriptionId> {
    let mut newest_first: Vec<&Lifecycle> = subscriptions.iter().collect();
    newest_first.sort_by_key(|subscription| std::cmp::Reverse(subscription.subscription_at));
    if let [only] = newest_first.as_slice() {
        return Some(only.id);
    }
    let WantedStatus::Status(status) = wanted else {
        return None;
    };
    newest_first
        .into_iter()
        .find(|subscription| subscription.status == status)
        .map(|subscription| subscription.id)
}

/// The customer's subscription a new request with its external id changes (Lago's
/// `editable_subscriptions`): the active one, or the one starting in the future, the one not
/// started yet first (as PostgreSQL sorts `started_at DESC`), then the most recently started.
pub fn editable_subscription(subscriptions: &[Lifecycle], customer_id: CustomerId) -> Option<SubscriptionId> {
    subscriptions
        .iter()
        .filter(|subscription| subscription.customer_id == customer_id && subscription.is_editable())
        .max_by_key(|subscription| (subscription.started_at.is_none(), subscription.started_at))
        .map(|subscription| subscription.id)
}

/// Whether another customer has an editable subscription with the external id: a new
/// subscription cannot take it (`external_id: value_already_exist`).
pub fn is_taken_by_another_customer(subscriptions: &[Lifecycle], customer_id: CustomerId) -> bool {
    subscriptions
        .iter()
        .any(|subscription| subscription.customer_id != customer_id && subscription.is_editable())
}

/// Lago's `yearly_amount_cents` comparison when a customer changes plans: a plan that costs more
/// or the same a year is an upgrade (the new subscription replaces the current one at once);
/// a cheaper one is a downgrade (at the end of the current period).
pub fn is_upgrade(
    new_interval: PlanInterval,
    new_amount_cents: i64,
    current_interval: PlanInterval,
    current_amount_cents: i64,
) -> bool {
    yearly_amount_cents(new_interval, new_amount_cents)
        >= yearly_amount_cents(current_interval, current_amount_cents)
}

#[cfg(test)]
mod tests;
