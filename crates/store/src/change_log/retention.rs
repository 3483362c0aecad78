//! Retention of the change log: events older than the retention are deleted in bounded batches,
//! except each organization's latest event, which is kept whatever its age. The log then always
//! ends at the organization's revision and never has a gap, so its oldest retained event marks
//! how far back a follower can resume (see the module above).

use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{EntityTrait, QueryFilter};

use crate::Store;
use crate::db::error::StoreError;
use crate::entity::change_event;
use crate::entity::organization;

/// Events deleted per statement: enough to catch up quickly, few enough that each statement (and
/// on SQLite the write lock it holds) stays short. A step that deleted this many may have left
/// some.
pub const CHANGE_LOG_PRUNE_BATCH: u64 = 1000;

impl Store {
    /// One step of the pruning task: deletes up to [`CHANGE_LOG_PRUNE_BATCH`] change events
    /// created more than `retention` ago (by the store's clock), oldest first, keeping each
    /// organization's latest event. One statement, walking the `created_at` index. Returns how
    /// many it deleted.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn prune_change_log(&self, retention: Duration) -> Result<u64, StoreError> {
        let retention = chrono::TimeDelta::from_std(retention).unwrap_or(chrono::TimeDelta::MAX);
        let Some(cutoff) = self.now().checked_sub_signed(retention) else {
            // A retention reaching before the calendar's start keeps everything.
            return Ok(0);
        };
        let event_column = |column: change_event::Column| Expr::col((change_event::Entity, column));
        let expired = Query::select()
            .column((change_event::Entity, change_event::Column::OrganizationId))
            .column((change_event::Entity, change_event::Column::Sequence))
            .from(change_event::Entity)
            .inner_join(
                organization::Entity,
                Expr::col((organization::Entity, organization::Column::Id))
                    .equals((change_event::Entity, change_event::Column::OrganizationId)),
            )
            .and_where(event_column(change_event::Column::CreatedAt).lt(cutoff))
            // The organization's latest event stays: its sequence is the organization's counter.
            .and_where(
                event_column(change_event::Column::Sequence)
                    .lt(Expr::col((organization::Entity, organization::Column::ChangeSequence))),
            )
            .order_by((change_event::Entity, change_event::Column::CreatedAt), Order::Asc)
            .limit(CHANGE_LOG_PRUNE_BATCH)
            .to_owned();
        let key = Expr::tuple([
            Expr::col(change_event::Column::OrganizationId),
            Expr::col(change_event::Column::Sequence),
        ]);
        let deleted = change_event::Entity::delete_many()
            .filter(key.in_subquery(expired))
            .exec(self.connection())
            .await?;
        Ok(deleted.rows_affected)
    }
}
