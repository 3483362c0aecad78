//! The filters of billable metrics: read for many metrics in one query per thousand, and
//! replaced key by key so that a key that stays keeps its row (and id), as Lago's
//! `find_or_initialize_by(key)` does.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitlements_domain::{BillableMetricFilter, Error, OrganizationId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::db::IN_LIST_CHUNK;
use crate::db::error::StoreError;
use crate::entity::billable_metric_filter;

/// The filters of each metric, ordered by key (byte order, on both databases): those not
/// deleted, and for a metric in `deleted_at` (deleted metrics, with their deletion time) those
/// deleted with it, in its deletion's transaction.
pub(crate) async fn filters_by_metric(
    connection: &impl ConnectionTrait,
    metric_ids: &[Uuid],
    deleted_at: &HashMap<Uuid, DateTime<Utc>>,
) -> Result<HashMap<Uuid, Vec<BillableMetricFilter>>, StoreError> {
    let mut filters: HashMap<Uuid, Vec<BillableMetricFilter>> = HashMap::new();
    for chunk in metric_ids.chunks(IN_LIST_CHUNK) {
        let condition = billable_metric_filter::Column::BillableMetricId.is_in(chunk.iter().copied());
        // Only deleted metrics need deleted filters: the usual read leaves them out in SQL.
        let rows = if deleted_at.is_empty() {
            current_rows(connection, condition).await?
        } else {
            billable_metric_filter::Entity::find().filter(condition).all(connection).await?
        };
        for row in rows {
            if row.deleted_at.is_some() && row.deleted_at != deleted_at.get(&row.billable_metric_id).copied()
            {
                continue;
            }
            let metric_id = row.billable_metric_id;
            filters.entry(metric_id).or_default().push(filter_from_row(row)?);
        }
    }
    for metric_filters in filters.values_mut() {
        metric_filters.sort_by(|left, right| left.key.cmp(&right.key));
    }
    Ok(filters)
}

/// Adds filters to a new metric.
pub(crate) async fn insert_filters(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    metric_id: Uuid,
    filters: &[BillableMetricFilter],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if filters.is_empty() {
        return Ok(());
    }
    let rows = filters.iter().map(|filter| billable_metric_filter::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id.0),
        billable_metric_id: Set(metric_id),
        key: Set(filter.key.clone()),
        values: Set(json!(filter.values)),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    });
    billable_metric_filter::Entity::insert_many(rows).exec(connection).await?;
    Ok(())
}

/// Makes `filters` the metric's filters: a current key gets the new values (same row), a new key
/// a new row, and a key no longer listed is soft-deleted.
pub(crate) async fn replace_filters(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    metric_id: Uuid,
    filters: &[BillableMetricFilter],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let current =
        current_rows(connection, billable_metric_filter::Column::BillableMetricId.eq(metric_id)).await?;
    let mut new_filters = Vec::new();
    for filter in filters {
        let Some(row) = current.iter().find(|row| row.key == filter.key) else {
            new_filters.push(filter.clone());
            continue;
        };
        let values = json!(filter.values);
        if row.values != values {
            billable_metric_filter::Entity::update(billable_metric_filter::ActiveModel {
                id: Set(row.id),
                values: Set(values),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec(connection)
            .await?;
        }
    }
    let removed: Vec<Uuid> = current
        .iter()
        .filter(|row| filters.iter().all(|filter| filter.key != row.key))
        .map(|row| row.id)
        .collect();
    if !removed.is_empty() {
        soft_delete(connection, billable_metric_filter::Column::Id.is_in(removed), now).await?;
    }
    insert_filters(connection, organization_id, metric_id, &new_filters, now).await
}

/// Soft-deletes every filter of the metric.
pub(crate) async fn delete_filters(
    connection: &impl ConnectionTrait,
    metric_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    soft_delete(connection, billable_metric_filter::Column::BillableMetricId.eq(metric_id), now).await
}

async fn soft_delete(
    connection: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    billable_metric_filter::Entity::update_many()
        .col_expr(billable_metric_filter::Column::DeletedAt, Expr::value(now))
        .col_expr(billable_metric_filter::Column::UpdatedAt, Expr::value(now))
        .filter(condition)
        .filter(billable_metric_filter::Column::DeletedAt.is_null())
        .exec(connection)
        .await?;
    Ok(())
}

async fn current_rows(
    connection: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<billable_metric_filter::Model>, StoreError> {
    Ok(billable_metric_filter::Entity::find()
        .filter(condition)
        .filter(billable_metric_filter::Column::DeletedAt.is_null())
        .all(connection)
        .await?)
}

fn filter_from_row(row: billable_metric_filter::Model) -> Result<BillableMetricFilter, StoreError> {
    let values: Vec<String> = serde_json::from_value(row.values)
        .map_err(|_| Error::Internal(format!("billable metric filter {} has invalid values", row.id)))?;
    Ok(BillableMetricFilter::new(row.key, values))
}
