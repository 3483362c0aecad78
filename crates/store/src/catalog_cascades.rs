//! What deleting or changing a billable metric or a tax does to the plans that use it: the
//! metric's charges are deleted with it, charge filters lose the values their metric dropped, and
//! a deleted tax leaves every plan, charge, commitment and customer. Each runs inside the caller's
//! write transaction in a fixed number of statements, and answers the `plan.updated` (and
//! `customer.updated`) changes to record for the objects it touched.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use entitlements_domain::{BillableMetricFilter, ChargeModel, Error, prune_charge_filters};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::IN_LIST_CHUNK;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::charge_json::{filters_from_json, filters_to_json};
use crate::db_error::from_db_error;
use crate::entity::{applied_tax, charge, customer, minimum_commitment, plan, subscription};
use crate::subscription_events::subscription_change;

/// The charges (not deleted) on a billable metric, on every plan. A metric with any is attached.
pub(crate) async fn charges_on_metric(
    connection: &impl ConnectionTrait,
    metric_id: Uuid,
) -> Result<Vec<charge::Model>, Error> {
    charge::Entity::find()
        .filter(charge::Column::BillableMetricId.eq(metric_id))
        .filter(charge::Column::DeletedAt.is_null())
        .all(connection)
        .await
        .map_err(|error| from_db_error(&error))
}

/// Soft-deletes the charges of a deleted metric, as Lago's `metric.charges.discard_all` does.
pub(crate) async fn delete_metric_charges(
    connection: &impl ConnectionTrait,
    charges: &[charge::Model],
    now: DateTime<Utc>,
) -> Result<Vec<PendingChange>, Error> {
    let charge_ids: Vec<Uuid> = charges.iter().map(|charge| charge.id).collect();
    for chunk in charge_ids.chunks(IN_LIST_CHUNK) {
        charge::Entity::update_many()
            .col_expr(charge::Column::DeletedAt, Expr::value(now))
            .col_expr(charge::Column::UpdatedAt, Expr::value(now))
            .filter(charge::Column::Id.is_in(chunk.iter().copied()))
            .exec(connection)
            .await
            .map_err(|error| from_db_error(&error))?;
    }
    plans_updated(connection, charges.iter().map(|charge| charge.plan_id)).await
}

/// Rewrites the filters of the metric's charges after its filters went from `before` to `after`:
/// one upsert for all the charges that change.
pub(crate) async fn prune_metric_charge_filters(
    connection: &impl ConnectionTrait,
    charges: Vec<charge::Model>,
    before: &[BillableMetricFilter],
    after: &[BillableMetricFilter],
    now: DateTime<Utc>,
) -> Result<Vec<PendingChange>, Error> {
    let mut changed_plans = BTreeSet::new();
    let mut rows = Vec::new();
    for row in charges {
        let charge_model = ChargeModel::parse(&row.charge_model)
            .ok_or_else(|| Error::Internal(format!("charge {} has an unknown model", row.id)))?;
        let (filters, ids) = filters_from_json(charge_model, &row.filters)?;
        let current: Vec<_> = filters.into_iter().zip(ids).collect();
        let Some(remaining) = prune_charge_filters(&current, before, after) else {
            continue;
        };
        let (filters, ids): (Vec<_>, Vec<_>) = remaining.into_iter().unzip();
        changed_plans.insert(row.plan_id);
        let mut active = charge::ActiveModel::from(row).reset_all();
        active.filters = Set(filters_to_json(&filters, &ids));
        active.updated_at = Set(now);
        rows.push(active);
    }
    for chunk in rows.chunks(IN_LIST_CHUNK) {
        charge::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(charge::Column::Id)
                    .update_columns([charge::Column::Filters, charge::Column::UpdatedAt])
                    .to_owned(),
            )
            .exec(connection)
            .await
            .map_err(|error| from_db_error(&error))?;
    }
    plans_updated(connection, changed_plans).await
}

/// Removes a deleted tax from every plan, charge, minimum commitment and customer it applied to.
pub(crate) async fn unapply_tax(
    connection: &impl ConnectionTrait,
    tax_id: Uuid,
) -> Result<Vec<PendingChange>, Error> {
    let owners: Vec<Uuid> = applied_tax::Entity::find()
        .filter(applied_tax::Column::TaxId.eq(tax_id))
        .all(connection)
        .await
        .map_err(|error| from_db_error(&error))?
        .into_iter()
        .map(|row| row.owner_id)
        .collect();
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    applied_tax::Entity::delete_many()
        .filter(applied_tax::Column::TaxId.eq(tax_id))
        .exec(connection)
        .await
        .map_err(|error| from_db_error(&error))?;
    let mut plan_ids = BTreeSet::new();
    let mut customers = Vec::new();
    for chunk in owners.chunks(IN_LIST_CHUNK) {
        customers.extend(
            customer::Entity::find()
                .filter(customer::Column::Id.is_in(chunk.iter().copied()))
                .filter(customer::Column::DeletedAt.is_null())
                .all(connection)
                .await
                .map_err(|error| from_db_error(&error))?,
        );
        let charges = charge::Entity::find()
            .filter(charge::Column::Id.is_in(chunk.iter().copied()))
            .filter(charge::Column::DeletedAt.is_null())
            .all(connection)
            .await
            .map_err(|error| from_db_error(&error))?;
        let commitments = minimum_commitment::Entity::find()
            .filter(minimum_commitment::Column::Id.is_in(chunk.iter().copied()))
            .all(connection)
            .await
            .map_err(|error| from_db_error(&error))?;
        // The owners that are none of these are plans; `plans_updated` keeps those that exist.
        plan_ids.extend(chunk.iter().copied());
        plan_ids.extend(charges.into_iter().map(|charge| charge.plan_id));
        plan_ids.extend(commitments.into_iter().map(|commitment| commitment.plan_id));
    }
    let mut changes = plans_updated(connection, plan_ids).await?;
    customers.sort_by(|left, right| left.external_id.cmp(&right.external_id));
    changes.extend(customers.into_iter().map(|customer| PendingChange {
        event_type: ChangeEventType::CustomerUpdated,
        object_id: customer.id,
        object_code: customer.external_id,
    }));
    Ok(changes)
}

/// `plan.updated` for each of these plans that is not deleted, in code order.
pub(crate) async fn plans_updated(
    connection: &impl ConnectionTrait,
    plan_ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<PendingChange>, Error> {
    let plan_ids: BTreeSet<Uuid> = plan_ids.into_iter().collect();
    let plan_ids: Vec<Uuid> = plan_ids.into_iter().collect();
    let mut plans = Vec::new();
    for chunk in plan_ids.chunks(IN_LIST_CHUNK) {
        plans.extend(
            plan::Entity::find()
                .filter(plan::Column::Id.is_in(chunk.iter().copied()))
                .filter(plan::Column::DeletedAt.is_null())
                .all(connection)
                .await
                .map_err(|error| from_db_error(&error))?,
        );
    }
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
) -> Result<Vec<PendingChange>, Error> {
    let subscription_ids: BTreeSet<Uuid> = subscription_ids.into_iter().collect();
    let subscription_ids: Vec<Uuid> = subscription_ids.into_iter().collect();
    let mut subscriptions = Vec::new();
    for chunk in subscription_ids.chunks(IN_LIST_CHUNK) {
        subscriptions.extend(
            subscription::Entity::find()
                .filter(subscription::Column::Id.is_in(chunk.iter().copied()))
                .all(connection)
                .await
                .map_err(|error| from_db_error(&error))?,
        );
    }
    subscriptions.sort_by(|left, right| (&left.external_id, left.id).cmp(&(&right.external_id, right.id)));
    Ok(subscriptions
        .into_iter()
        .map(|row| subscription_change(ChangeEventType::SubscriptionUpdated, row.id, &row.external_id))
        .collect())
}
