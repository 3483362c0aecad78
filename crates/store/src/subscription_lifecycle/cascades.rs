//! What happens to subscriptions when their plan or customer goes, or when the customer's
//! timezone changes, inside that write's transaction (which holds the organization's writer
//! lock): Lago terminates active subscriptions and cancels pending ones (asynchronously for
//! customers; here at once), and reads start dates in the customer's new timezone.

use chrono::{DateTime, Utc};
use entitlements_domain::OrganizationId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::change_log::PendingChange;
use crate::db::error::StoreError;
use crate::entity::subscription;
use crate::subscription_lifecycle::chain::SubscriptionSet;
use crate::subscription_lifecycle::transitions::write_due_transitions;

/// Whose subscriptions end.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SubscriptionOwner {
    Plan(Uuid),
    Customer(Uuid),
}

impl SubscriptionOwner {
    fn column(self) -> (subscription::Column, Uuid) {
        match self {
            Self::Plan(plan_id) => (subscription::Column::PlanId, plan_id),
            Self::Customer(customer_id) => (subscription::Column::CustomerId, customer_id),
        }
    }

    fn owns(self, row: &subscription::Model) -> bool {
        match self {
            Self::Plan(plan_id) => row.plan_id == plan_id,
            Self::Customer(customer_id) => row.customer_id == customer_id,
        }
    }
}

/// Terminates the owner's active subscriptions and cancels its pending ones at `now` (with the
/// downgrades they scheduled); returns the change events, those of transitions that were due
/// first.
pub(crate) async fn end_subscriptions_of(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    owner: SubscriptionOwner,
    now: DateTime<Utc>,
) -> Result<Vec<PendingChange>, StoreError> {
    let external_ids = open_external_ids(connection, owner).await?;
    if external_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut subscriptions = SubscriptionSet::load(connection, organization_id, &external_ids, true).await?;
    let mut transitions = subscriptions.advance(now);
    // Active ones first: ending one cancels the downgrade it scheduled, whatever its plan.
    for status in [subscription::Status::Active, subscription::Status::Pending] {
        let targets: Vec<Uuid> = subscriptions
            .rows()
            .iter()
            .filter(|row| owner.owns(row) && row.status == status)
            .map(|row| row.id)
            .collect();
        for target in targets {
            transitions.extend(subscriptions.end_on_request(target, now));
        }
    }
    subscriptions.save(connection, now).await?;
    Ok(subscriptions.transition_changes(&transitions))
}

/// After a customer's timezone changed: its subscriptions' start dates are read in the new one,
/// so their due instants move, and a start date may have come already.
pub(crate) async fn retime_customer_subscriptions(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    customer_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<PendingChange>, StoreError> {
    let external_ids = open_external_ids(connection, SubscriptionOwner::Customer(customer_id)).await?;
    write_due_transitions(connection, organization_id, &external_ids, now).await
}

/// The external ids of the owner's subscriptions that are not over (as stored).
async fn open_external_ids(
    connection: &impl ConnectionTrait,
    owner: SubscriptionOwner,
) -> Result<Vec<String>, StoreError> {
    let (column, id) = owner.column();
    Ok(subscription::Entity::find()
        .select_only()
        .column(subscription::Column::ExternalId)
        .distinct()
        .filter(column.eq(id))
        .filter(
            subscription::Column::Status.is_in([subscription::Status::Pending, subscription::Status::Active]),
        )
        .into_tuple()
        .all(connection)
        .await?)
}
