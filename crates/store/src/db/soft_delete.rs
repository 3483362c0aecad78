//! Soft deletion, shared by every table whose deleted rows stay (so that history reads back and a
//! deleted code or external id can be reused): the row gets `deleted_at`, and `updated_at` moves.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::db::error::StoreError;
use crate::entity::billable_metric;
use crate::entity::customer;
use crate::entity::feature;
use crate::entity::plan;
use crate::entity::privilege;
use crate::entity::tax;

/// A table of soft-deleted rows.
pub(crate) trait SoftDeleted: EntityTrait {
    const ID: Self::Column;
    const DELETED_AT: Self::Column;
    const UPDATED_AT: Self::Column;
}

macro_rules! soft_deleted {
    ($($module:ident),*) => {
        $(impl SoftDeleted for $module::Entity {
            const ID: Self::Column = $module::Column::Id;
            const DELETED_AT: Self::Column = $module::Column::DeletedAt;
            const UPDATED_AT: Self::Column = $module::Column::UpdatedAt;
        })*
    };
}

soft_deleted!(feature, privilege, tax, billable_metric, plan, customer);

/// Marks the row deleted at `now`.
///
/// # Errors
/// `Unavailable` or `Internal` when the database fails.
pub(crate) async fn soft_delete<E: SoftDeleted>(
    connection: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    E::update_many()
        .col_expr(E::DELETED_AT, Expr::value(now))
        .col_expr(E::UPDATED_AT, Expr::value(now))
        .filter(E::ID.eq(id))
        .exec(connection)
        .await?;
    Ok(())
}
