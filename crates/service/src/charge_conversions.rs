//! Conversions between the charge messages and domain charges. A charge input is read through
//! its own `update_mask`: a charge of the plan writes only the fields the mask names.

use entitlements::v1 as pb;
use entitlements_domain::{
    ChargeFilter, ChargeFilterInput, ChargeInput, ChargeModel, ChargeModelInput, ChargeProperties, Error,
    ModelProperties, PercentageRange, PlanCharge, PresentationGroupKey, PriceRange,
};

use crate::feature_conversions::timestamp;
use crate::struct_json::{json_text_to_struct, struct_to_json_text};
use crate::tax_conversions::tax_to_pb;
use crate::update_mask::UpdateMask;

fn charge_model_from_pb(number: i32) -> ChargeModelInput {
    match pb::ChargeModel::try_from(number) {
        Ok(pb::ChargeModel::Unspecified) => ChargeModelInput::Null,
        Ok(pb::ChargeModel::Standard) => ChargeModelInput::Known(ChargeModel::Standard),
        Ok(pb::ChargeModel::Graduated) => ChargeModelInput::Known(ChargeModel::Graduated),
        Ok(pb::ChargeModel::Package) => ChargeModelInput::Known(ChargeModel::Package),
        Ok(pb::ChargeModel::Percentage) => ChargeModelInput::Known(ChargeModel::Percentage),
        Ok(pb::ChargeModel::Volume) => ChargeModelInput::Known(ChargeModel::Volume),
        Ok(pb::ChargeModel::GraduatedPercentage) => ChargeModelInput::Known(ChargeModel::GraduatedPercentage),
        Ok(pb::ChargeModel::Custom) => ChargeModelInput::Known(ChargeModel::Custom),
        Ok(pb::ChargeModel::Dynamic) => ChargeModelInput::Known(ChargeModel::Dynamic),
        Err(_) => ChargeModelInput::Unknown,
    }
}

fn charge_model_to_pb(model: ChargeModel) -> pb::ChargeModel {
    match model {
        ChargeModel::Standard => pb::ChargeModel::Standard,
        ChargeModel::Graduated => pb::ChargeModel::Graduated,
        ChargeModel::Package => pb::ChargeModel::Package,
        ChargeModel::Percentage => pb::ChargeModel::Percentage,
        ChargeModel::Volume => pb::ChargeModel::Volume,
        ChargeModel::GraduatedPercentage => pb::ChargeModel::GraduatedPercentage,
        ChargeModel::Custom => pb::ChargeModel::Custom,
        ChargeModel::Dynamic => pb::ChargeModel::Dynamic,
    }
}

/// The `index`-th charge of a plan, as its `update_mask` selects it. A written field that is unset
/// gets a new charge's default (null, false, true for `invoiceable`, 0, the model's properties,
/// a generated code); `charge_model` has none.
///
/// # Errors
/// `charges[index].update_mask: unknown_field`.
pub(crate) fn charge_input_from_pb(index: usize, input: pb::ChargeInput) -> Result<ChargeInput, Error> {
    let pb::ChargeInput {
        id,
        code,
        invoice_display_name,
        billable_metric_id,
        billable_metric_code,
        charge_model,
        pay_in_advance,
        prorated,
        invoiceable,
        regroup_paid_fees,
        min_amount_cents,
        properties,
        filters,
        tax_codes,
        update_mask,
    } = input;
    let mask = UpdateMask::resolve(
        update_mask,
        &format!("charges[{index}].update_mask"),
        &[
            ("code", code.is_some()),
            ("invoice_display_name", invoice_display_name.is_some()),
            ("billable_metric_id", billable_metric_id.is_some()),
            ("billable_metric_code", billable_metric_code.is_some()),
            ("charge_model", charge_model.is_some()),
            ("pay_in_advance", pay_in_advance.is_some()),
            ("prorated", prorated.is_some()),
            ("invoiceable", invoiceable.is_some()),
            ("regroup_paid_fees", regroup_paid_fees.is_some()),
            ("min_amount_cents", min_amount_cents.is_some()),
            ("properties", properties.is_some()),
            ("filters", !filters.is_empty()),
            ("tax_codes", !tax_codes.is_empty()),
        ],
    )?;
    let charge_model = match mask.field("charge_model", charge_model) {
        None => ChargeModelInput::Absent,
        Some(None) => ChargeModelInput::Null,
        Some(Some(number)) => charge_model_from_pb(number),
    };
    let model_for_keys = match charge_model {
        ChargeModelInput::Known(model) => model,
        // The charge is invalid, or keeps its model; any model carries the keys to validation,
        // which slices them to the charge's model.
        ChargeModelInput::Absent | ChargeModelInput::Null | ChargeModelInput::Unknown => {
            ChargeModel::Standard
        }
    };
    let defaulted = |path: &str, value: Option<bool>, default: bool| {
        mask.field(path, value).map(|value| value.unwrap_or(default))
    };
    Ok(ChargeInput {
        id,
        // A blank code is generated again from the metric's.
        code: mask.field("code", code).map(Option::unwrap_or_default),
        invoice_display_name: mask.field("invoice_display_name", invoice_display_name),
        billable_metric_id: mask.field("billable_metric_id", billable_metric_id).flatten(),
        billable_metric_code: mask.field("billable_metric_code", billable_metric_code).flatten(),
        charge_model,
        pay_in_advance: defaulted("pay_in_advance", pay_in_advance, false),
        prorated: defaulted("prorated", prorated, false),
        invoiceable: defaulted("invoiceable", invoiceable, true),
        // "" is null too (Rails' enum reads a blank string as nil).
        regroup_paid_fees: mask
            .field("regroup_paid_fees", regroup_paid_fees)
            .map(|value| value.filter(|value| !value.is_empty())),
        min_amount_cents: mask.field("min_amount_cents", min_amount_cents).map(|amount| amount.unwrap_or(0)),
        properties: mask.field("properties", properties).map(|properties| {
            properties.and_then(|properties| properties_from_pb(properties, model_for_keys))
        }),
        filters: mask.list("filters", filters).map(|filters| {
            filters
                .into_iter()
                .map(|pb::ChargeFilterInput { invoice_display_name, properties, values }| ChargeFilterInput {
                    invoice_display_name,
                    properties: properties
                        .and_then(|properties| properties_from_pb(properties, model_for_keys)),
                    values: values
                        .into_iter()
                        .map(|pb::ChargeFilterValues { key, values }| (key, values))
                        .collect(),
                })
                .collect()
        }),
        tax_codes: mask.list("tax_codes", tax_codes),
    })
}

/// `None` when nothing was given (the model's defaults apply); properties with only grouping
/// keys carry the charge's model with no model field set (they then fail validation, as in Lago).
fn properties_from_pb(
    properties: pb::ChargeProperties,
    charge_model: ChargeModel,
) -> Option<ChargeProperties> {
    let pb::ChargeProperties {
        model,
        pricing_group_keys,
        has_pricing_group_keys,
        presentation_group_keys,
        has_presentation_group_keys,
    } = properties;
    if model.is_none() && !has_pricing_group_keys && !has_presentation_group_keys {
        return None;
    }
    let model = match model {
        Some(model) => model_from_pb(model),
        None => ChargeProperties::empty(charge_model).model,
    };
    Some(ChargeProperties {
        model,
        pricing_group_keys: has_pricing_group_keys.then_some(pricing_group_keys),
        presentation_group_keys: has_presentation_group_keys.then(|| {
            presentation_group_keys
                .into_iter()
                .map(|pb::PresentationGroupKey { value, display_in_invoice }| PresentationGroupKey {
                    value,
                    display_in_invoice,
                })
                .collect()
        }),
    })
}

fn model_from_pb(model: pb::charge_properties::Model) -> ModelProperties {
    use pb::charge_properties::Model;
    let price_ranges = |ranges: Vec<pb::PriceRange>| {
        ranges
            .into_iter()
            .map(|pb::PriceRange { from_value, to_value, per_unit_amount, flat_amount }| PriceRange {
                from_value,
                to_value,
                per_unit_amount,
                flat_amount,
            })
            .collect()
    };
    match model {
        Model::Standard(pb::StandardProperties { amount }) => ModelProperties::Standard { amount },
        Model::Graduated(pb::GraduatedProperties { graduated_ranges }) => {
            ModelProperties::Graduated { graduated_ranges: Some(price_ranges(graduated_ranges)) }
        }
        Model::Volume(pb::VolumeProperties { volume_ranges }) => {
            ModelProperties::Volume { volume_ranges: Some(price_ranges(volume_ranges)) }
        }
        Model::Package(pb::PackageProperties { amount, free_units, package_size }) => {
            ModelProperties::Package { amount, free_units, package_size }
        }
        Model::Percentage(pb::PercentageProperties {
            rate,
            fixed_amount,
            free_units_per_events,
            free_units_per_total_aggregation,
            per_transaction_max_amount,
            per_transaction_min_amount,
        }) => ModelProperties::Percentage {
            rate,
            fixed_amount,
            free_units_per_events,
            free_units_per_total_aggregation,
            per_transaction_max_amount,
            per_transaction_min_amount,
        },
        Model::GraduatedPercentage(pb::GraduatedPercentageProperties { graduated_percentage_ranges }) => {
            ModelProperties::GraduatedPercentage {
                graduated_percentage_ranges: Some(
                    graduated_percentage_ranges
                        .into_iter()
                        .map(
                            |pb::PercentageRange {
                                 from_value,
                                 to_value,
                                 rate,
                                 fixed_amount,
                                 flat_amount,
                             }| {
                                PercentageRange { from_value, to_value, rate, fixed_amount, flat_amount }
                            },
                        )
                        .collect(),
                ),
            }
        }
        Model::Custom(pb::CustomProperties { custom_properties }) => {
            ModelProperties::Custom { custom_properties: custom_properties.as_ref().map(struct_to_json_text) }
        }
        Model::Dynamic(pb::DynamicProperties {}) => ModelProperties::Dynamic,
    }
}

pub(crate) fn properties_to_pb(properties: &ChargeProperties) -> pb::ChargeProperties {
    use pb::charge_properties::Model;
    let price_ranges = |ranges: &Option<Vec<PriceRange>>| {
        ranges
            .iter()
            .flatten()
            .map(|range| pb::PriceRange {
                from_value: range.from_value.clone(),
                to_value: range.to_value.clone(),
                per_unit_amount: range.per_unit_amount.clone(),
                flat_amount: range.flat_amount.clone(),
            })
            .collect()
    };
    let model = match &properties.model {
        ModelProperties::Standard { amount } => {
            Model::Standard(pb::StandardProperties { amount: amount.clone() })
        }
        ModelProperties::Graduated { graduated_ranges } => {
            Model::Graduated(pb::GraduatedProperties { graduated_ranges: price_ranges(graduated_ranges) })
        }
        ModelProperties::Volume { volume_ranges } => {
            Model::Volume(pb::VolumeProperties { volume_ranges: price_ranges(volume_ranges) })
        }
        ModelProperties::Package { amount, free_units, package_size } => {
            Model::Package(pb::PackageProperties {
                amount: amount.clone(),
                free_units: *free_units,
                package_size: *package_size,
            })
        }
        ModelProperties::Percentage {
            rate,
            fixed_amount,
            free_units_per_events,
            free_units_per_total_aggregation,
            per_transaction_max_amount,
            per_transaction_min_amount,
        } => Model::Percentage(pb::PercentageProperties {
            rate: rate.clone(),
            fixed_amount: fixed_amount.clone(),
            free_units_per_events: *free_units_per_events,
            free_units_per_total_aggregation: free_units_per_total_aggregation.clone(),
            per_transaction_max_amount: per_transaction_max_amount.clone(),
            per_transaction_min_amount: per_transaction_min_amount.clone(),
        }),
        ModelProperties::GraduatedPercentage { graduated_percentage_ranges } => {
            Model::GraduatedPercentage(pb::GraduatedPercentageProperties {
                graduated_percentage_ranges: graduated_percentage_ranges
                    .iter()
                    .flatten()
                    .map(|range| pb::PercentageRange {
                        from_value: range.from_value.clone(),
                        to_value: range.to_value.clone(),
                        rate: range.rate.clone(),
                        fixed_amount: range.fixed_amount.clone(),
                        flat_amount: range.flat_amount.clone(),
                    })
                    .collect(),
            })
        }
        ModelProperties::Custom { custom_properties } => Model::Custom(pb::CustomProperties {
            custom_properties: custom_properties.as_deref().and_then(json_text_to_struct),
        }),
        ModelProperties::Dynamic => Model::Dynamic(pb::DynamicProperties {}),
    };
    pb::ChargeProperties {
        model: Some(model),
        has_pricing_group_keys: properties.pricing_group_keys.is_some(),
        pricing_group_keys: properties.pricing_group_keys.clone().unwrap_or_default(),
        has_presentation_group_keys: properties.presentation_group_keys.is_some(),
        presentation_group_keys: properties
            .presentation_group_keys
            .iter()
            .flatten()
            .map(|key| pb::PresentationGroupKey {
                value: key.value.clone(),
                display_in_invoice: key.display_in_invoice,
            })
            .collect(),
    }
}

fn filter_to_pb(filter: &ChargeFilter, id: &uuid::Uuid) -> pb::ChargeFilter {
    pb::ChargeFilter {
        id: id.to_string(),
        invoice_display_name: filter.invoice_display_name.clone(),
        properties: Some(properties_to_pb(&filter.properties)),
        values: filter
            .values
            .iter()
            .map(|(key, values)| pb::ChargeFilterValues { key: key.clone(), values: values.clone() })
            .collect(),
    }
}

pub(crate) fn charge_to_pb(charge: &PlanCharge) -> pb::Charge {
    let settings = &charge.settings;
    pb::Charge {
        id: charge.id.to_string(),
        billable_metric_id: charge.billable_metric_id.to_string(),
        billable_metric_code: charge.billable_metric_code.clone(),
        code: settings.code.clone(),
        invoice_display_name: settings.invoice_display_name.clone(),
        charge_model: charge_model_to_pb(settings.charge_model).into(),
        invoiceable: settings.invoiceable,
        regroup_paid_fees: settings.regroup_paid_fees.clone(),
        pay_in_advance: settings.pay_in_advance,
        prorated: settings.prorated,
        min_amount_cents: settings.min_amount_cents,
        accepts_target_wallet: false,
        properties: Some(properties_to_pb(&settings.properties)),
        filters: settings
            .filters
            .iter()
            .zip(&charge.filter_ids)
            .map(|(filter, id)| filter_to_pb(filter, id))
            .collect(),
        taxes: charge.taxes.iter().map(tax_to_pb).collect(),
        created_at: Some(timestamp(charge.created_at)),
    }
}
