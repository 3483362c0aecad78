//! Retention of the delivery log: deliveries that are finished (succeeded, or failed for good)
//! and untouched for longer than the retention are deleted in bounded batches, like Lago's daily
//! cleanup of its `webhooks` rows after 90 days. Deliveries still due are never deleted.

use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::Store;
use crate::db::error::StoreError;
use crate::entity::webhook_delivery;

/// Deliveries deleted per statement (see `CHANGE_LOG_PRUNE_BATCH` for the trade-off).
pub const WEBHOOK_DELIVERY_PRUNE_BATCH: u64 = 1000;

impl Store {
    /// One step of the pruning task: deletes up to [`WEBHOOK_DELIVERY_PRUNE_BATCH`] finished
    /// deliveries last updated more than `retention` ago (by the store's clock), oldest first.
    /// Returns how many it deleted.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn prune_webhook_deliveries(&self, retention: Duration) -> Result<u64, StoreError> {
        let retention = chrono::TimeDelta::from_std(retention).unwrap_or(chrono::TimeDelta::MAX);
        let Some(cutoff) = self.now().checked_sub_signed(retention) else {
            return Ok(0);
        };
        let expired = Query::select()
            .column(webhook_delivery::Column::Id)
            .from(webhook_delivery::Entity)
            .and_where(Expr::col(webhook_delivery::Column::NextAttemptAt).is_null())
            .and_where(Expr::col(webhook_delivery::Column::UpdatedAt).lt(cutoff))
            .order_by(webhook_delivery::Column::UpdatedAt, Order::Asc)
            .limit(WEBHOOK_DELIVERY_PRUNE_BATCH)
            .to_owned();
        let deleted = webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::Id.in_subquery(expired))
            .exec(self.connection())
            .await?;
        Ok(deleted.rows_affected)
    }
}
