//! `plans`, soft-deleted. `metadata` is `null` when the plan has no metadata record, else an
//! array of `[key, value]` pairs (keeping the client's order).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub code: String,
    pub name: String,
    pub invoice_display_name: Option<String>,
    pub description: Option<String>,
    pub interval: String,
    pub amount_cents: i64,
    pub amount_currency: String,
    pub trial_period: Option<f64>,
    pub pay_in_advance: bool,
    pub bill_charges_monthly: Option<bool>,
    pub bill_fixed_charges_monthly: Option<bool>,
    pub parent_id: Option<Uuid>,
    pub pending_deletion: bool,
    pub metadata: Option<Json>,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
