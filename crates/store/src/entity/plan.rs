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

plain_entity!();

stored_enum! {
    /// `plans.interval`, in Lago's spelling.
    Interval <=> domain::PlanInterval {
        Weekly = "weekly",
        Monthly = "monthly",
        Quarterly = "quarterly",
        Semiannual = "semiannual",
        Yearly = "yearly",
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
