//! The subscription lookup of Lago's subscription entitlement endpoints
//! (`organization.subscriptions.order("terminated_at DESC NULLS FIRST, started_at DESC")
//! .find_by!(external_id:, status:)`), on effective statuses: a pending subscription whose start
//! date has come is found as active, one whose `ending_at` passed as terminated, whether or not
//! the transition has been written yet.

use chrono::{DateTime, Utc};
use entitlements_domain::{Error, OrganizationId, PlanId, Resource, SubscriptionId, SubscriptionSelector};
use sea_orm::ConnectionTrait;

use crate::db::error::StoreError;
use crate::subscription_lifecycle::chain::SubscriptionSet;

/// The subscription an entitlement request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubscriptionTarget {
    pub(crate) id: SubscriptionId,
    pub(crate) plan_id: PlanId,
    pub(crate) external_id: String,
}

/// The organization's subscription the selector finds among the effective states at `now` (the
/// domain's `find_by_status`: the most recently terminated first, then the most recently
/// started).
///
/// `for_update` (inside a write transaction) locks the subscriptions of the external id, so that
/// writes to one subscription serialize; call it before locking anything else. It does not take
/// the organization's writer lock (`lock_organization`): an entitlement write changes only rows
/// of the subscription it has locked, so writes to different subscriptions run side by side and
/// meet only on the change log's counter at commit.
///
/// # Errors
/// `NotFound(Subscription)` when none matches;
/// `Unavailable` or `Internal` when the database fails.
pub(crate) async fn find_subscription_for_entitlements(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    subscription: &SubscriptionSelector,
    now: DateTime<Utc>,
    for_update: bool,
) -> Result<SubscriptionTarget, StoreError> {
    let mut subscriptions = SubscriptionSet::load(
        connection,
        organization_id,
        std::slice::from_ref(&subscription.external_id),
        for_update,
    )
    .await?;
    // The effective statuses: transitions due are applied here (not written: reads stay reads).
    subscriptions.advance(now);
    subscriptions
        .find(subscription.status)
        .map(|row| SubscriptionTarget {
            id: SubscriptionId(row.id),
            plan_id: PlanId(row.plan_id),
            external_id: row.external_id.clone(),
        })
        .ok_or_else(|| Error::not_found(Resource::Subscription, subscription.external_id.as_str()).into())
}
