//! `charges` of plans, soft-deleted. `properties` is Lago's JSON for the model; `filters` is a
//! JSON array of `{id, invoice_display_name, properties, values}`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "charges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub plan_id: Uuid,
    pub billable_metric_id: Uuid,
    pub code: String,
    pub invoice_display_name: Option<String>,
    pub charge_model: String,
    pub pay_in_advance: bool,
    pub prorated: bool,
    pub invoiceable: bool,
    pub regroup_paid_fees: Option<String>,
    pub min_amount_cents: i64,
    pub properties: Json,
    pub filters: Json,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
