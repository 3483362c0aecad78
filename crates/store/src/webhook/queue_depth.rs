//! The depth of the webhook outbox, for the server's metrics: deliveries not yet delivered nor
//! failed for good, of every organization and endpoint.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::Store;
use crate::db::error::StoreError;
use crate::entity::webhook_delivery;

impl Store {
    /// How many deliveries are still to be made (pending or retrying): one `COUNT` served by the
    /// partial index `idx_webhook_deliveries_due`, whose predicate is this query's filter
    /// (finished deliveries have no next attempt).
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn pending_webhook_delivery_count(&self) -> Result<u64, StoreError> {
        let count: Option<i64> = webhook_delivery::Entity::find()
            .select_only()
            .column_as(Expr::cust("COUNT(*)"), "pending")
            .filter(webhook_delivery::Column::NextAttemptAt.is_not_null())
            .into_tuple()
            .one(self.connection())
            .await?;
        Ok(count.and_then(|count| u64::try_from(count).ok()).unwrap_or_default())
    }
}
