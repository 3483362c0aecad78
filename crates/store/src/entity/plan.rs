//! `plans`, soft-deleted. `metadata` is `null` when the plan has no metadata record, else an
//! array of `[key, value]` pairs (keeping the client's order). `interval` is stored in Lago's
//! spelling (`monthly`).

use entitlements_domain as domain;
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
    pub interval: Interval,
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

/// `plans.interval`, in Lago's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Interval {
    #[sea_orm(string_value = "weekly")]
    Weekly,
    #[sea_orm(string_value = "monthly")]
    Monthly,
    #[sea_orm(string_value = "quarterly")]
    Quarterly,
    #[sea_orm(string_value = "semiannual")]
    Semiannual,
    #[sea_orm(string_value = "yearly")]
    Yearly,
}

impl From<Interval> for domain::PlanInterval {
    fn from(interval: Interval) -> Self {
        match interval {
            Interval::Weekly => Self::Weekly,
            Interval::Monthly => Self::Monthly,
            Interval::Quarterly => Self::Quarterly,
            Interval::Semiannual => Self::Semiannual,
            Interval::Yearly => Self::Yearly,
        }
    }
}

impl From<domain::PlanInterval> for Interval {
    fn from(interval: domain::PlanInterval) -> Self {
        match interval {
            domain::PlanInterval::Weekly => Self::Weekly,
            domain::PlanInterval::Monthly => Self::Monthly,
            domain::PlanInterval::Quarterly => Self::Quarterly,
            domain::PlanInterval::Semiannual => Self::Semiannual,
            domain::PlanInterval::Yearly => Self::Yearly,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::tests::assert_stored_enum;

    #[test]
    fn interval_is_stored_in_lago_spelling_and_converts_both_ways() {
        assert_stored_enum::<Interval, domain::PlanInterval>(
            Column::Interval,
            &["weekly", "monthly", "quarterly", "semiannual", "yearly"],
            &domain::PlanInterval::ALL,
            domain::PlanInterval::as_str,
        );
    }
}
