//! Billable metrics: reads in a fixed number of indexed queries (never one per metric), writes in
//! one transaction each with their change events.

pub(crate) mod filters;

use std::collections::HashMap;

use entitlements_domain::{
    BillableMetric, BillableMetricCreateInput, BillableMetricId, BillableMetricUpdateInput, Error,
    NewBillableMetric, OrganizationId, Page, PageRequest, Resource,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::Store;
use crate::billable_metric::filters::{delete_filters, filters_by_metric, insert_filters, replace_filters};
use crate::change_log::{ChangeEventType, PendingChange};
use crate::charge::metric_cascades::{charges_on_metric, delete_metric_charges, prune_metric_charge_filters};
use crate::db::coded_rows::{code_is_taken, find_by_code};
use crate::db::error::StoreError;
use crate::db::error::already_exists_or_db_error;
use crate::db::soft_delete::soft_delete;
use crate::db::{IN_LIST_CHUNK, page_window};
use crate::entity::billable_metric;

impl Store {
    /// Validates and creates a billable metric with its filters.
    ///
    /// # Errors
    /// `Validation` with Lago's fields and codes (`code: value_already_exist` when a metric that
    /// is not deleted has the code).
    pub async fn create_billable_metric(
        &self,
        organization_id: OrganizationId,
        input: BillableMetricCreateInput,
    ) -> Result<BillableMetric, StoreError> {
        let transaction = self.begin_write().await?;
        let code_taken = code_is_taken(
            &transaction,
            find_by_code::<billable_metric::Entity>(organization_id, &input.code),
            None,
        )
        .await?;
        let now = self.now();
        let created =
            NewBillableMetric::parse(input, code_taken)?.into_metric(BillableMetricId::generate(), now);
        let row = billable_metric::ActiveModel {
            organization_id: Set(organization_id.0),
            deleted_at: Set(None),
            created_at: Set(now),
            ..metric_row(&created, now)
        };
        billable_metric::Entity::insert(row)
            .exec(&transaction)
            .await
            .map_err(|error| already_exists_or_db_error(&error, "code"))?;
        insert_filters(&transaction, organization_id, created.id.0, &created.filters, now).await?;
        self.commit_with_changes(
            transaction,
            organization_id,
            vec![metric_change(ChangeEventType::BillableMetricCreated, &created)],
        )
        .await?;
        Ok(created)
    }

    /// The billable metric with exactly this code.
    ///
    /// # Errors
    /// `NotFound(BillableMetric)` when no metric of the organization that is not deleted has it.
    pub async fn billable_metric(
        &self,
        organization_id: OrganizationId,
        code: &str,
    ) -> Result<BillableMetric, StoreError> {
        load_metric(self.connection(), organization_id, code, false).await
    }

    /// The organization's billable metrics (not deleted) with these ids, with their filters, in
    /// no particular order; unknown ids are absent. Two queries per thousand ids, also usable
    /// inside a write transaction through `billable_metrics_by_ids`.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn billable_metrics_by_ids(
        &self,
        organization_id: OrganizationId,
        ids: &[BillableMetricId],
    ) -> Result<Vec<BillableMetric>, StoreError> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        billable_metrics_by_ids(self.connection(), organization_id, &ids).await
    }

    /// The organization's billable metrics (not deleted) with these codes, with their filters, in
    /// no particular order; unknown codes are absent. Two queries per thousand codes.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn billable_metrics_by_codes(
        &self,
        organization_id: OrganizationId,
        codes: &[String],
    ) -> Result<Vec<BillableMetric>, StoreError> {
        billable_metrics_by_codes(self.connection(), organization_id, codes).await
    }

    /// A page of the organization's billable metrics, newest first.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn list_billable_metrics(
        &self,
        organization_id: OrganizationId,
        page_request: PageRequest,
    ) -> Result<Page<BillableMetric>, StoreError> {
        let query = billable_metric::Entity::find()
            .filter(billable_metric::Column::OrganizationId.eq(organization_id.0))
            .filter(billable_metric::Column::DeletedAt.is_null());
        let total_count = query.clone().count(self.connection()).await?;
        let (offset, limit) = page_window(page_request);
        let rows = query
            .order_by_desc(billable_metric::Column::CreatedAt)
            .order_by_asc(billable_metric::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(self.connection())
            .await?;
        Ok(Page { items: with_filters(self.connection(), rows).await?, total_count })
    }

    /// Applies a partial update to the billable metric with this code.
    ///
    /// # Errors
    /// `NotFound(BillableMetric)`; `Validation` with Lago's fields and codes.
    pub async fn update_billable_metric(
        &self,
        organization_id: OrganizationId,
        code: &str,
        update: BillableMetricUpdateInput,
    ) -> Result<BillableMetric, StoreError> {
        let transaction = self.begin_write().await?;
        let current = load_metric(&transaction, organization_id, code, true).await?;
        let charges = charges_on_metric(&transaction, current.id.0).await?;
        let update = if charges.is_empty() { update } else { update.for_attached_metric() };
        let code_taken = match update.new_code(&current) {
            Some(new_code) => {
                code_is_taken(
                    &transaction,
                    find_by_code::<billable_metric::Entity>(organization_id, new_code),
                    Some(current.id.0),
                )
                .await?
            }
            None => false,
        };
        let replaces_filters = update.filters.is_some();
        let updated = update.apply(&current, code_taken)?;
        let now = self.now();
        billable_metric::Entity::update(metric_row(&updated, now))
            .exec(&transaction)
            .await
            .map_err(|error| already_exists_or_db_error(&error, "code"))?;
        let mut changes = vec![metric_change(ChangeEventType::BillableMetricUpdated, &updated)];
        if replaces_filters {
            replace_filters(&transaction, organization_id, updated.id.0, &updated.filters, now).await?;
            changes.extend(
                prune_metric_charge_filters(&transaction, charges, &current.filters, &updated.filters, now)
                    .await?,
            );
        }
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(updated)
    }

    /// Soft-deletes the billable metric, its filters and every charge on it, freeing its code.
    /// Returns the metric as it was.
    ///
    /// # Errors
    /// `NotFound(BillableMetric)`.
    pub async fn delete_billable_metric(
        &self,
        organization_id: OrganizationId,
        code: &str,
    ) -> Result<BillableMetric, StoreError> {
        let transaction = self.begin_write().await?;
        let deleted = load_metric(&transaction, organization_id, code, true).await?;
        let now = self.now();
        let charges = charges_on_metric(&transaction, deleted.id.0).await?;
        let mut changes = vec![metric_change(ChangeEventType::BillableMetricDeleted, &deleted)];
        changes.extend(delete_metric_charges(&transaction, &charges, now).await?);
        delete_filters(&transaction, deleted.id.0, now).await?;
        soft_delete::<billable_metric::Entity>(&transaction, deleted.id.0, now).await?;
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(deleted)
    }
}

/// The organization's billable metrics (not deleted) with these ids, with their filters, in no
/// particular order; unknown ids are simply absent. Two queries per thousand ids.
///
/// # Errors
/// `Unavailable` or `Internal` when the database fails.
pub(crate) async fn billable_metrics_by_ids(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &[Uuid],
) -> Result<Vec<BillableMetric>, StoreError> {
    let mut metrics = Vec::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let condition = billable_metric::Column::Id.is_in(chunk.iter().copied());
        metrics.extend(find_metrics(connection, organization_id, condition).await?);
    }
    Ok(metrics)
}

/// The organization's billable metrics (not deleted) with these codes, with their filters, in no
/// particular order; unknown codes are simply absent. Two queries per thousand codes.
///
/// # Errors
/// `Unavailable` or `Internal` when the database fails.
pub(crate) async fn billable_metrics_by_codes(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    codes: &[String],
) -> Result<Vec<BillableMetric>, StoreError> {
    let mut metrics = Vec::new();
    for chunk in codes.chunks(IN_LIST_CHUNK) {
        let condition = billable_metric::Column::Code.is_in(chunk.iter().cloned());
        metrics.extend(find_metrics(connection, organization_id, condition).await?);
    }
    Ok(metrics)
}

/// The organization's billable metrics with these ids, deleted ones included, in no particular
/// order; unknown ids are absent. A deleted metric shows the filters it had when it was deleted:
/// what its `billable_metric.deleted` webhook carries. Two queries per thousand ids.
pub(crate) async fn billable_metrics_by_ids_with_deleted(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &[Uuid],
) -> Result<Vec<BillableMetric>, StoreError> {
    let mut metrics = Vec::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let rows = billable_metric::Entity::find()
            .filter(billable_metric::Column::OrganizationId.eq(organization_id.0))
            .filter(billable_metric::Column::Id.is_in(chunk.iter().copied()))
            .all(connection)
            .await?;
        metrics.extend(with_filters(connection, rows).await?);
    }
    Ok(metrics)
}

async fn find_metrics(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<BillableMetric>, StoreError> {
    let rows = billable_metric::Entity::find()
        .filter(billable_metric::Column::OrganizationId.eq(organization_id.0))
        .filter(billable_metric::Column::DeletedAt.is_null())
        .filter(condition)
        .all(connection)
        .await?;
    with_filters(connection, rows).await
}

/// Loads a metric that is not deleted, with its filters; `for_update` locks its row (on
/// PostgreSQL; SQLite write transactions hold the database lock already).
async fn load_metric(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    code: &str,
    for_update: bool,
) -> Result<BillableMetric, StoreError> {
    let mut query = find_by_code::<billable_metric::Entity>(organization_id, code);
    if for_update {
        query = query.lock_exclusive();
    }
    let row = query.one(connection).await?.ok_or(Error::not_found(Resource::BillableMetric, code))?;
    Ok(with_filters(connection, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("loaded billable metric lost".to_owned()))?)
}

/// Attaches their filters to metrics, in one query per thousand metrics.
async fn with_filters(
    connection: &impl ConnectionTrait,
    rows: Vec<billable_metric::Model>,
) -> Result<Vec<BillableMetric>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let deleted_at: HashMap<Uuid, chrono::DateTime<chrono::Utc>> =
        rows.iter().filter_map(|row| Some((row.id, row.deleted_at?))).collect();
    let mut filters = filters_by_metric(connection, &ids, &deleted_at).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let metric_filters = filters.remove(&row.id).unwrap_or_default();
            metric_from_row(row, metric_filters)
        })
        .collect())
}

/// The columns a create or an update writes (not the organization, deletion or creation time).
fn metric_row(metric: &BillableMetric, now: chrono::DateTime<chrono::Utc>) -> billable_metric::ActiveModel {
    billable_metric::ActiveModel {
        id: Set(metric.id.0),
        code: Set(metric.code.clone()),
        name: Set(metric.name.clone()),
        description: Set(metric.description.clone()),
        aggregation_type: Set(metric.aggregation_type.into()),
        field_name: Set(metric.field_name.clone()),
        recurring: Set(metric.recurring),
        weighted_interval: Set(metric.weighted_interval.map(Into::into)),
        rounding_function: Set(metric.rounding_function.map(Into::into)),
        rounding_precision: Set(metric.rounding_precision),
        expression: Set(metric.expression.clone()),
        updated_at: Set(now),
        ..Default::default()
    }
}

fn metric_from_row(
    row: billable_metric::Model,
    filters: Vec<entitlements_domain::BillableMetricFilter>,
) -> BillableMetric {
    BillableMetric {
        id: BillableMetricId(row.id),
        code: row.code,
        name: row.name,
        description: row.description,
        aggregation_type: row.aggregation_type.into(),
        field_name: row.field_name,
        recurring: row.recurring,
        weighted_interval: row.weighted_interval.map(Into::into),
        rounding_function: row.rounding_function.map(Into::into),
        rounding_precision: row.rounding_precision,
        expression: row.expression,
        filters,
        created_at: row.created_at,
    }
}

fn metric_change(event_type: ChangeEventType, metric: &BillableMetric) -> PendingChange {
    PendingChange { event_type, object_id: metric.id.0, object_code: metric.code.clone() }
}
