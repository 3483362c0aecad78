//! Lookups shared by every table whose rows an organization addresses by code (features, taxes,
//! billable metrics, plans): always scoped to the organization and to rows that are not deleted,
//! so that another organization's object and a deleted one both read as missing.

use entitlements_domain::OrganizationId;
use sea_orm::{ColumnTrait, ConnectionTrait, PaginatorTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::db::error::StoreError;
use crate::db::soft_delete::SoftDeleted;
use crate::entity::billable_metric;
use crate::entity::feature;
use crate::entity::plan;
use crate::entity::tax;

/// A table of soft-deleted rows that an organization addresses by code.
pub(crate) trait CodedEntity: SoftDeleted {
    const ORGANIZATION_ID: Self::Column;
    const CODE: Self::Column;
}

macro_rules! coded_entity {
    ($($module:ident),*) => {
        $(impl CodedEntity for $module::Entity {
            const ORGANIZATION_ID: Self::Column = $module::Column::OrganizationId;
            const CODE: Self::Column = $module::Column::Code;
        })*
    };
}

coded_entity!(feature, tax, billable_metric, plan);

/// The organization's rows with this exact code that are not deleted.
pub(crate) fn find_by_code<E: CodedEntity>(organization_id: OrganizationId, code: &str) -> Select<E> {
    E::find()
        .filter(E::ORGANIZATION_ID.eq(organization_id.0))
        .filter(E::CODE.eq(code))
        .filter(E::DELETED_AT.is_null())
}

/// Whether a row of the organization that is not deleted, other than `except`, has this code.
pub(crate) async fn code_is_taken<E: CodedEntity>(
    connection: &impl ConnectionTrait,
    query: Select<E>,
    except: Option<Uuid>,
) -> Result<bool, StoreError>
where
    E::Model: Sync,
{
    let query = match except {
        Some(except) => query.filter(E::ID.ne(except)),
        None => query,
    };
    Ok(query.count(connection).await? > 0)
}
