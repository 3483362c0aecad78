//! What deleting or changing a billable metric does to the plans that use it: the metric's
//! charges are deleted with it, and charge filters lose the values their metric dropped. Each
//! runs inside the caller's write transaction in a fixed number of statements, and answers the
//! `plan.updated` changes to record for the plans it touched.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use entitlements_domain::{BillableMetricFilter, prune_charge_filters};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::change_log::PendingChange;
use crate::change_log::touched::plans_updated;
use crate::charge::json::{filters_from_json, filters_to_json};
use crate::db::IN_LIST_CHUNK;
use crate::db::error::StoreError;
use crate::entity::charge;

/// The charges (not deleted) on a billable metric, on every plan. A metric with any is attached.
pub(crate) async fn charges_on_metric(
    connection: &impl ConnectionTrait,
    metric_id: Uuid,
) -> Result<Vec<charge::Model>, StoreError> {
    Ok(charge::Entity::find()
        .filter(charge::Column::BillableMetricId.eq(metric_id))
        .filter(charge::Column::DeletedAt.is_null())
        .all(connection)
        .await?)
}

/// Soft-deletes the charges of a deleted metric, as Lago's `metric.charges.discard_all` does.
pub(crate) async fn delete_metric_charges(
    connection: &impl ConnectionTrait,
    charges: &[charge::Model],
    now: DateTime<Utc>,
) -> Result<Vec<PendingChange>, StoreError> {
    let charge_ids: Vec<Uuid> = charges.iter().map(|charge| charge.id).collect();
    for chunk in charge_ids.chunks(IN_LIST_CHUNK) {
        charge::Entity::update_many()
            .col_expr(charge::Column::DeletedAt, Expr::value(now))
            .col_expr(charge::Column::UpdatedAt, Expr::value(now))
            .filter(charge::Column::Id.is_in(chunk.iter().copied()))
            .exec(connection)
            .await?;
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
) -> Result<Vec<PendingChange>, StoreError> {
    let mut changed_plans = BTreeSet::new();
    let mut rows = Vec::new();
    for row in charges {
        let (filters, ids) = filters_from_json(row.charge_model.into(), &row.filters)?;
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
            .await?;
    }
    plans_updated(connection, changed_plans).await
}
