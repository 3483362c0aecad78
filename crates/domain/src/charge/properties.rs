//! Charge properties, typed per charge model. Amounts are decimal strings kept exactly as sent;
//! bounds are decimal texts (JSON numbers on Lago's wire). A client's properties are "sliced" to
//! the keys of the charge's model before they get here (Lago drops the others), and absent or
//! empty properties take the model's defaults (`ChargeModels::BuildDefaultPropertiesService`).

use crate::charge::model::ChargeModel;

/// One tier of graduated or volume pricing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PriceRange {
    /// Decimal text; `None` when the client left it out (always invalid).
    pub from_value: Option<String>,
    /// Decimal text; `None` for the open-ended last tier.
    pub to_value: Option<String>,
    pub per_unit_amount: Option<String>,
    pub flat_amount: Option<String>,
}

/// One tier of graduated-percentage pricing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PercentageRange {
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub rate: Option<String>,
    pub fixed_amount: Option<String>,
    pub flat_amount: Option<String>,
}

/// The properties of one charge model; every field is optional because clients may omit any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelProperties {
    Standard {
        amount: Option<String>,
    },
    Graduated {
        graduated_ranges: Option<Vec<PriceRange>>,
    },
    Package {
        amount: Option<String>,
        free_units: Option<i64>,
        package_size: Option<i64>,
    },
    Percentage {
        rate: Option<String>,
        fixed_amount: Option<String>,
        free_units_per_events: Option<i64>,
        free_units_per_total_aggregation: Option<String>,
        per_transaction_max_amount: Option<String>,
        per_transaction_min_amount: Option<String>,
    },
    Volume {
        volume_ranges: Option<Vec<PriceRange>>,
    },
    GraduatedPercentage {
        graduated_percentage_ranges: Option<Vec<PercentageRange>>,
    },
    /// A JSON object of the client's own, as JSON text (only for `custom_agg` metrics).
    Custom {
        custom_properties: Option<String>,
    },
    Dynamic,
}

/// How an invoice presents one grouping key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentationGroupKey {
    /// The grouping key; must not be empty.
    pub value: String,
    /// `options.display_in_invoice`, when `options` was given.
    pub display_in_invoice: Option<bool>,
}

/// A charge's (or a charge filter's) properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeProperties {
    pub model: ModelProperties,
    /// `pricing_group_keys` (Lago's legacy `grouped_by` is the same list).
    pub pricing_group_keys: Option<Vec<String>>,
    pub presentation_group_keys: Option<Vec<PresentationGroupKey>>,
}

impl ChargeProperties {
    /// Lago's defaults for a model, used when properties are absent or `{}`.
    pub fn defaults(charge_model: ChargeModel) -> Self {
        let zero = || Some("0".to_owned());
        let open_range = || PriceRange {
            from_value: zero(),
            to_value: None,
            per_unit_amount: zero(),
            flat_amount: zero(),
        };
        let model = match charge_model {
            ChargeModel::Standard => ModelProperties::Standard { amount: zero() },
            ChargeModel::Graduated => {
                ModelProperties::Graduated { graduated_ranges: Some(vec![open_range()]) }
            }
            ChargeModel::Volume => ModelProperties::Volume { volume_ranges: Some(vec![open_range()]) },
            ChargeModel::Package => {
                ModelProperties::Package { amount: zero(), free_units: Some(0), package_size: Some(1) }
            }
            ChargeModel::Percentage => ModelProperties::Percentage {
                rate: zero(),
                fixed_amount: None,
                free_units_per_events: None,
                free_units_per_total_aggregation: None,
                per_transaction_max_amount: None,
                per_transaction_min_amount: None,
            },
            ChargeModel::GraduatedPercentage => ModelProperties::GraduatedPercentage {
                graduated_percentage_ranges: Some(vec![PercentageRange {
                    from_value: zero(),
                    to_value: None,
                    rate: zero(),
                    fixed_amount: zero(),
                    flat_amount: zero(),
                }]),
            },
            ChargeModel::Custom => ModelProperties::Custom { custom_properties: None },
            ChargeModel::Dynamic => ModelProperties::Dynamic,
        };
        Self { model, pricing_group_keys: None, presentation_group_keys: None }
    }

    /// Properties with every model field missing: what Lago's slicing leaves of properties that
    /// carry only keys of another model (they then fail validation).
    pub fn empty(charge_model: ChargeModel) -> Self {
        let model = match charge_model {
            ChargeModel::Standard => ModelProperties::Standard { amount: None },
            ChargeModel::Graduated => ModelProperties::Graduated { graduated_ranges: None },
            ChargeModel::Volume => ModelProperties::Volume { volume_ranges: None },
            ChargeModel::Package => {
                ModelProperties::Package { amount: None, free_units: None, package_size: None }
            }
            ChargeModel::Percentage => ModelProperties::Percentage {
                rate: None,
                fixed_amount: None,
                free_units_per_events: None,
                free_units_per_total_aggregation: None,
                per_transaction_max_amount: None,
                per_transaction_min_amount: None,
            },
            ChargeModel::GraduatedPercentage => {
                ModelProperties::GraduatedPercentage { graduated_percentage_ranges: None }
            }
            ChargeModel::Custom => ModelProperties::Custom { custom_properties: None },
            ChargeModel::Dynamic => ModelProperties::Dynamic,
        };
        Self { model, pricing_group_keys: None, presentation_group_keys: None }
    }

    /// The model these properties belong to.
    pub fn charge_model(&self) -> ChargeModel {
        match self.model {
            ModelProperties::Standard { .. } => ChargeModel::Standard,
            ModelProperties::Graduated { .. } => ChargeModel::Graduated,
            ModelProperties::Package { .. } => ChargeModel::Package,
            ModelProperties::Percentage { .. } => ChargeModel::Percentage,
            ModelProperties::Volume { .. } => ChargeModel::Volume,
            ModelProperties::GraduatedPercentage { .. } => ChargeModel::GraduatedPercentage,
            ModelProperties::Custom { .. } => ChargeModel::Custom,
            ModelProperties::Dynamic => ChargeModel::Dynamic,
        }
    }
}
