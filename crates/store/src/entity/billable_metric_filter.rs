//! `billable_metric_filters`, soft-deleted. A key kept by an update keeps its row (and id), so
//! that charge filters can refer to it; `values` is a JSON array of strings, sorted and unique.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billable_metric_filters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub billable_metric_id: Uuid,
    pub key: String,
    pub values: Json,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

plain_entity!();
