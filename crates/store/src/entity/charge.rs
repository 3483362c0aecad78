//! `charges` of plans, soft-deleted. `properties` is Lago's JSON for the model; `filters` is a
//! JSON array of `{id, invoice_display_name, properties, values}`. `charge_model` is stored in
//! Lago's spelling (`graduated_percentage`).

use entitlements_domain as domain;
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
    pub charge_model: ChargeModel,
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

plain_entity!();

stored_enum! {
    /// `charges.charge_model`, in Lago's spelling.
    ChargeModel <=> domain::ChargeModel {
        Standard = "standard",
        Graduated = "graduated",
        Package = "package",
        Percentage = "percentage",
        Volume = "volume",
        GraduatedPercentage = "graduated_percentage",
        Custom = "custom",
        Dynamic = "dynamic",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::tests::assert_stored_enum;

    #[test]
    fn charge_model_is_stored_in_lago_spelling_and_converts_both_ways() {
        assert_stored_enum::<ChargeModel, domain::ChargeModel>(
            Column::ChargeModel,
            &[
                "standard",
                "graduated",
                "package",
                "percentage",
                "volume",
                "graduated_percentage",
                "custom",
                "dynamic",
            ],
            &domain::ChargeModel::ALL,
            domain::ChargeModel::as_str,
        );
    }
}
