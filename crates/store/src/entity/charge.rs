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

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// `charges.charge_model`, in Lago's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ChargeModel {
    #[sea_orm(string_value = "standard")]
    Standard,
    #[sea_orm(string_value = "graduated")]
    Graduated,
    #[sea_orm(string_value = "package")]
    Package,
    #[sea_orm(string_value = "percentage")]
    Percentage,
    #[sea_orm(string_value = "volume")]
    Volume,
    #[sea_orm(string_value = "graduated_percentage")]
    GraduatedPercentage,
    #[sea_orm(string_value = "custom")]
    Custom,
    #[sea_orm(string_value = "dynamic")]
    Dynamic,
}

impl From<ChargeModel> for domain::ChargeModel {
    fn from(model: ChargeModel) -> Self {
        match model {
            ChargeModel::Standard => Self::Standard,
            ChargeModel::Graduated => Self::Graduated,
            ChargeModel::Package => Self::Package,
            ChargeModel::Percentage => Self::Percentage,
            ChargeModel::Volume => Self::Volume,
            ChargeModel::GraduatedPercentage => Self::GraduatedPercentage,
            ChargeModel::Custom => Self::Custom,
            ChargeModel::Dynamic => Self::Dynamic,
        }
    }
}

impl From<domain::ChargeModel> for ChargeModel {
    fn from(model: domain::ChargeModel) -> Self {
        match model {
            domain::ChargeModel::Standard => Self::Standard,
            domain::ChargeModel::Graduated => Self::Graduated,
            domain::ChargeModel::Package => Self::Package,
            domain::ChargeModel::Percentage => Self::Percentage,
            domain::ChargeModel::Volume => Self::Volume,
            domain::ChargeModel::GraduatedPercentage => Self::GraduatedPercentage,
            domain::ChargeModel::Custom => Self::Custom,
            domain::ChargeModel::Dynamic => Self::Dynamic,
        }
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
