//! Changes recorded for objects that a write touched without naming them: plans whose charges
//! or entitlements a cascade changed, subscriptions whose effective entitlements changed.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::change_log::subscription_events::subscription_change;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::db::error::StoreError;
use crate::db::in_chunks;
use crate::entity::plan;
use crate::entity::subscription;

/// `plan.updated` for each of these plans that is not deleted, in code order.
pub(crate) async fn plans_updated(
    connection: &impl ConnectionTrait,
    plan_ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<PendingChange>, StoreError> {
    let plan_ids: BTreeSet<Uuid> = plan_ids.into_iter().collect();
    let plan_ids: Vec<Uuid> = plan_ids.into_iter().collect();
    let mut plans = in_chunks(&plan_ids, |chunk| {
        plan::Entity::find()
            .filter(plan::Column::Id.is_in(chunk.iter().copied()))
            .filter(plan::Column::DeletedAt.is_null())
            .all(connection)
    })
    .await?;
    plans.sort_by(|left, right| left.code.cmp(&right.code));
    Ok(plans
        .into_iter()
        .map(|plan| PendingChange {
            event_type: ChangeEventType::PlanUpdated,
            object_id: plan.id,
            object_code: plan.code,
        })
        .collect())
}

/// `subscription.updated` for each of these subscriptions, in external id order: their effective
/// entitlements changed although no request named them (Lago sends no webhook here; the change
/// log must not miss it, since caches follow it).
pub(crate) async fn subscriptions_updated(
    connection: &impl ConnectionTrait,
    subscription_ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<PendingChange>, StoreError> {
    let subscription_ids: BTreeSet<Uuid> = subscription_ids.into_iter().collect();
    let subscription_ids: Vec<Uuid> = subscription_ids.into_iter().collect();
    let mut subscriptions = in_chunks(&subscription_ids, |chunk| {
        subscription::Entity::find()
            .filter(subscription::Column::Id.is_in(chunk.iter().copied()))
            .all(connection)
    })
    .await?;
    subscriptions.sort_by(|left, right| (&left.external_id, left.id).cmp(&(&right.external_id, right.id)));
    Ok(subscriptions
        .into_iter()
        .map(|row| subscription_change(ChangeEventType::SubscriptionUpdated, row.id, &row.external_id))
        .collect())
}
