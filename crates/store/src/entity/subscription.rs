//! `subscriptions`, never deleted. `status`, `billing_time` and the on-termination choices are
//! stored as Lago spells them; `transition_due_at` is when time alone next changes the row.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub customer_id: Uuid,
    pub plan_id: Uuid,
    pub previous_subscription_id: Option<Uuid>,
    pub external_id: String,
    pub name: Option<String>,
    pub status: String,
    pub billing_time: String,
    pub subscription_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub ending_at: Option<DateTimeUtc>,
    pub terminated_at: Option<DateTimeUtc>,
    pub canceled_at: Option<DateTimeUtc>,
    pub downgrade_at: Option<DateTimeUtc>,
    pub transition_due_at: Option<DateTimeUtc>,
    pub on_termination_credit_note: Option<String>,
    pub on_termination_invoice: String,
    pub progressive_billing_disabled: bool,
    pub consolidate_invoice: bool,
    pub purchase_order_number: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
