//! Charges of a plan: the input a client sends, Lago's charge-level rules, and automatic codes.
//! Properties are validated by `charge_property_validation`; filters against the metric's filters.

pub(crate) mod model;
pub(crate) mod properties;
pub(crate) mod property_validation;

use std::collections::HashSet;

use crate::charge::model::{ChargeMetric, ChargeModel, MetricAggregation};
use crate::charge::properties::ChargeProperties;
use crate::charge::property_validation::validate_properties;
use crate::validation::{ErrorCode, ValidationErrors};

/// Lago's value that makes a filter match every value of its key.
pub const ALL_FILTER_VALUES: &str = "__ALL_FILTER_VALUES__";

/// What a client said about a charge model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeModelInput {
    /// Not given: mandatory for a new charge, kept by an update.
    Absent,
    /// Given as null (unset): mandatory, also on update.
    Null,
    Known(ChargeModel),
    Unknown,
}

/// A charge filter as a client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeFilterInput {
    pub invoice_display_name: Option<String>,
    /// `None` when absent or `{}`: no property at all (Lago gives filters no defaults).
    pub properties: Option<ChargeProperties>,
    /// Metric filter key -> values, in the client's order.
    pub values: Vec<(String, Vec<String>)>,
}

/// A validated charge filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeFilter {
    pub invoice_display_name: Option<String>,
    pub properties: ChargeProperties,
    pub values: Vec<(String, Vec<String>)>,
}

/// A charge as a client sent it, before validation. The metric is resolved by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeInput {
    /// The id of an existing charge of the plan, for updates.
    pub id: Option<String>,
    /// `None` or blank: generated from the metric's code (kept by an update).
    pub code: Option<String>,
    /// Outer `None`: not given (null for a new charge, kept by an update); `Some(None)`: null.
    pub invoice_display_name: Option<Option<String>>,
    pub billable_metric_id: Option<String>,
    pub billable_metric_code: Option<String>,
    pub charge_model: ChargeModelInput,
    pub pay_in_advance: Option<bool>,
    pub prorated: Option<bool>,
    pub invoiceable: Option<bool>,
    /// `Some(None)`: explicitly null.
    pub regroup_paid_fees: Option<Option<String>>,
    /// `None`: 0 for a new charge, kept by an update.
    pub min_amount_cents: Option<i64>,
    /// Outer `None`: not given (kept by an update while the model stays); `Some(None)`: given as
    /// absent or `{}`, so the model's defaults apply.
    pub properties: Option<Option<ChargeProperties>>,
    /// `None` when absent (keep, on update).
    pub filters: Option<Vec<ChargeFilterInput>>,
    /// `None` when absent (keep, on update).
    pub tax_codes: Option<Vec<String>>,
}

/// A validated charge, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeSettings {
    pub code: String,
    pub invoice_display_name: Option<String>,
    pub charge_model: ChargeModel,
    pub pay_in_advance: bool,
    pub prorated: bool,
    pub invoiceable: bool,
    pub regroup_paid_fees: Option<String>,
    pub min_amount_cents: i64,
    pub properties: ChargeProperties,
    pub filters: Vec<ChargeFilter>,
}

/// Validates a charge on `metric` whose code is `code` (given or generated). `taken_codes` are the
/// codes of the plan's other charges.
///
/// # Errors
/// Lago's charge errors, not prefixed, in the order of the `Charge` model's validations:
/// `charge_model` (unknown), `properties`, `charge_model` (dynamic on a metric that is not a sum),
/// `min_amount_cents` (negative), `charge_model` (absent), `code`, `pay_in_advance`,
/// `regroup_paid_fees`, `prorated`, `min_amount_cents` (paid in advance), `charge_model` (custom
/// on a metric that is not custom), `invoiceable`; then filter errors.
pub fn validate_charge(
    input: &ChargeInput,
    metric: &ChargeMetric,
    code: String,
    taken_codes: &HashSet<String>,
) -> Result<ChargeSettings, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    // Rails' enum inclusion check is declared first; the presence check comes later.
    let charge_model = match input.charge_model {
        ChargeModelInput::Known(model) => Some(model),
        ChargeModelInput::Absent | ChargeModelInput::Null | ChargeModelInput::Unknown => {
            errors.add("charge_model", ErrorCode::ValueIsInvalid);
            None
        }
    };
    let given_properties = input.properties.as_ref().and_then(Option::as_ref);
    let properties = charge_model.map(|model| effective_properties(given_properties, model));
    if let Some(properties) = &properties {
        for code in validate_properties(properties, metric) {
            errors.add("properties", ErrorCode::Named(code));
        }
    }
    let model_misfit = ErrorCode::Named("invalid_aggregation_type_or_charge_model");
    if charge_model == Some(ChargeModel::Dynamic) && metric.aggregation != MetricAggregation::Sum {
        errors.add("charge_model", model_misfit.clone());
    }
    let min_amount_cents = input.min_amount_cents.unwrap_or(0);
    if min_amount_cents < 0 {
        errors.add("min_amount_cents", ErrorCode::Named("value_is_out_of_range"));
    }
    if matches!(input.charge_model, ChargeModelInput::Absent | ChargeModelInput::Null) {
        errors.add("charge_model", ErrorCode::ValueIsMandatory);
    }
    if taken_codes.contains(&code) {
        errors.add("code", ErrorCode::ValueAlreadyExist);
    }
    let pay_in_advance = input.pay_in_advance.unwrap_or(false);
    let prorated = input.prorated.unwrap_or(false);
    let invoiceable = input.invoiceable.unwrap_or(true);
    let regroup_paid_fees = input.regroup_paid_fees.clone().flatten();
    if pay_in_advance
        && (charge_model == Some(ChargeModel::Volume) || !metric.aggregation.allows_pay_in_advance())
    {
        errors.add("pay_in_advance", ErrorCode::Named("invalid_aggregation_type_or_charge_model"));
    }
    match regroup_paid_fees.as_deref() {
        None => {}
        Some("invoice") if pay_in_advance && !invoiceable => {}
        Some("invoice") => errors.add(
            "regroup_paid_fees",
            ErrorCode::Named("only_compatible_with_pay_in_advance_and_non_invoiceable"),
        ),
        Some(_) => errors.add("regroup_paid_fees", ErrorCode::ValueIsInvalid),
    }
    if prorated && !prorating_allowed(charge_model, metric, pay_in_advance) {
        errors.add("prorated", ErrorCode::Named("invalid_billable_metric_or_charge_model"));
    }
    if min_amount_cents > 0 && pay_in_advance {
        errors.add("min_amount_cents", ErrorCode::Named("not_compatible_with_pay_in_advance"));
    }
    if charge_model == Some(ChargeModel::Custom) && metric.aggregation != MetricAggregation::Custom {
        errors.add("charge_model", model_misfit);
    }
    if !invoiceable && !pay_in_advance {
        errors.add("invoiceable", ErrorCode::Named("must_be_true_unless_pay_in_advance"));
    }
    let (Some(charge_model), Some(properties), true) = (charge_model, properties, errors.is_empty()) else {
        return Err(errors);
    };
    let filters = match &input.filters {
        Some(filters) => validate_filters(filters, metric, charge_model)?,
        None => Vec::new(),
    };
    Ok(ChargeSettings {
        code,
        invoice_display_name: input.invoice_display_name.clone().flatten(),
        charge_model,
        pay_in_advance,
        prorated,
        invoiceable,
        regroup_paid_fees,
        min_amount_cents,
        properties,
        filters,
    })
}

/// Properties sliced to the charge's model: defaults when none were given; all fields missing
/// when the given properties belong to another model (Lago's slicing keeps none of their keys).
fn effective_properties(
    properties: Option<&ChargeProperties>,
    charge_model: ChargeModel,
) -> ChargeProperties {
    match properties {
        None => ChargeProperties::defaults(charge_model),
        Some(properties) if properties.charge_model() == charge_model => properties.clone(),
        Some(properties) => ChargeProperties {
            pricing_group_keys: properties.pricing_group_keys.clone(),
            presentation_group_keys: properties.presentation_group_keys.clone(),
            ..ChargeProperties::empty(charge_model)
        },
    }
}

/// Lago's rule: prorating needs a recurring metric that is not a weighted sum, and a standard
/// model when paid in advance, or standard, volume or graduated when paid in arrears.
fn prorating_allowed(charge_model: Option<ChargeModel>, metric: &ChargeMetric, pay_in_advance: bool) -> bool {
    let model_allows = matches!(
        (pay_in_advance, charge_model),
        (true, Some(ChargeModel::Standard))
            | (false, Some(ChargeModel::Standard | ChargeModel::Volume | ChargeModel::Graduated))
    );
    metric.aggregation != MetricAggregation::WeightedSum && metric.recurring && model_allows
}

/// Lago's `ChargeFilters::CreateOrUpdateBatchService`, one filter after the other: the filter's
/// properties (saved first), then each key's values (`ChargeFilterValue`: its metric filter must
/// exist, its values must be present and among that filter's values).
fn validate_filters(
    filters: &[ChargeFilterInput],
    metric: &ChargeMetric,
    charge_model: ChargeModel,
) -> Result<Vec<ChargeFilter>, ValidationErrors> {
    filters
        .iter()
        .enumerate()
        .map(|(filter_index, filter)| {
            let in_filter = |errors: ValidationErrors| errors.prefixed(&format!("filters[{filter_index}]."));
            // Unlike a charge's, a filter's missing properties get no defaults in Lago: they are
            // sliced to nothing and then fail the model's validator.
            let mut properties = match &filter.properties {
                Some(properties) => effective_properties(Some(properties), charge_model),
                None => ChargeProperties::empty(charge_model),
            };
            // Lago strips presentation keys from filters: they belong to the charge.
            properties.presentation_group_keys = None;
            let codes = validate_properties(&properties, metric);
            if !codes.is_empty() {
                let mut errors = ValidationErrors::new();
                codes.into_iter().for_each(|code| errors.add("properties", ErrorCode::Named(code)));
                return Err(in_filter(errors));
            }
            if filter.values.is_empty() {
                return Err(in_filter(ValidationErrors::single("values", ErrorCode::ValueIsMandatory)));
            }
            for (value_index, (key, values)) in filter.values.iter().enumerate() {
                validate_filter_values(metric, key, values)
                    .into_result()
                    .map_err(|errors| in_filter(errors.prefixed(&format!("values[{value_index}]."))))?;
            }
            Ok(ChargeFilter {
                invoice_display_name: filter.invoice_display_name.clone(),
                properties,
                values: filter.values.clone(),
            })
        })
        .collect()
}

/// The errors of one `ChargeFilterValue`, in the model's order: an unknown metric filter on its
/// `key` (Lago's `billable_metric_filter: relation_must_exist`), then its `values`.
fn validate_filter_values(metric: &ChargeMetric, key: &str, values: &[String]) -> ValidationErrors {
    let mut errors = ValidationErrors::new();
    let accepted = metric.filters.iter().find(|(filter_key, _)| filter_key == key).map(|(_, values)| values);
    if accepted.is_none() {
        errors.add("key", ErrorCode::Named("relation_must_exist"));
    }
    if values.is_empty() {
        errors.add("values", ErrorCode::ValueIsMandatory);
    }
    let all_values = values == [ALL_FILTER_VALUES];
    let known = values.iter().all(|value| accepted.is_some_and(|accepted| accepted.contains(value)));
    if !all_values && !known {
        errors.add("values", ErrorCode::ValueIsInvalid);
    }
    errors
}

/// Lago's automatic charge code: the metric's code if free on the plan, else the code followed by
/// one more than the highest numeric suffix in use (`api`, `api_2`, `api_3`).
pub fn generate_charge_code(metric_code: &str, taken_codes: &HashSet<String>) -> String {
    if !taken_codes.contains(metric_code) {
        return metric_code.to_owned();
    }
    let prefix = format!("{metric_code}_");
    let highest_suffix = taken_codes
        .iter()
        .filter_map(|code| code.strip_prefix(&prefix)?.parse::<u64>().ok())
        .max()
        .unwrap_or(1)
        .max(1);
    format!("{metric_code}_{}", highest_suffix.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(aggregation: MetricAggregation, recurring: bool) -> ChargeMetric {
        ChargeMetric {
            code: "api".into(),
            aggregation,
            recurring,
            filters: vec![("region".into(), vec!["eu".into(), "us".into()])],
        }
    }

    fn input(model: ChargeModel) -> ChargeInput {
        ChargeInput {
            id: None,
            code: None,
            invoice_display_name: None,
            billable_metric_id: None,
            billable_metric_code: None,
            charge_model: ChargeModelInput::Known(model),
            pay_in_advance: None,
            prorated: None,
            invoiceable: None,
            regroup_paid_fees: None,
            min_amount_cents: None,
            properties: None,
            filters: None,
            tax_codes: None,
        }
    }

    fn errors(result: Result<ChargeSettings, ValidationErrors>) -> String {
        result.expect_err("invalid charge").to_string()
    }

    #[test]
    fn codes_are_generated_with_numeric_suffixes() {
        let mut taken = HashSet::new();
        assert_eq!(generate_charge_code("api", &taken), "api");
        taken.insert("api".to_owned());
        assert_eq!(generate_charge_code("api", &taken), "api_2");
        taken.insert("api_2".to_owned());
        assert_eq!(generate_charge_code("api", &taken), "api_3");
    }

    #[test]
    fn defaults_apply_without_properties() {
        let charge = validate_charge(
            &input(ChargeModel::Package),
            &metric(MetricAggregation::Sum, false),
            "c".into(),
            &HashSet::new(),
        )
        .expect("valid charge");
        assert_eq!(charge.properties, ChargeProperties::defaults(ChargeModel::Package));
        assert!(charge.invoiceable);
    }

    #[test]
    fn charge_level_rules() {
        let sum = metric(MetricAggregation::Sum, false);
        let mut volume_in_advance = input(ChargeModel::Volume);
        volume_in_advance.pay_in_advance = Some(true);
        assert_eq!(
            errors(validate_charge(&volume_in_advance, &sum, "c".into(), &HashSet::new())),
            "pay_in_advance: invalid_aggregation_type_or_charge_model"
        );
        let mut prorated = input(ChargeModel::Standard);
        prorated.prorated = Some(true);
        assert_eq!(
            errors(validate_charge(&prorated, &sum, "c".into(), &HashSet::new())),
            "prorated: invalid_billable_metric_or_charge_model"
        );
        assert!(
            validate_charge(&prorated, &metric(MetricAggregation::Sum, true), "c".into(), &HashSet::new())
                .is_ok()
        );
        let mut not_invoiceable = input(ChargeModel::Standard);
        not_invoiceable.invoiceable = Some(false);
        assert_eq!(
            errors(validate_charge(&not_invoiceable, &sum, "c".into(), &HashSet::new())),
            "invoiceable: must_be_true_unless_pay_in_advance"
        );
        assert_eq!(
            errors(validate_charge(&input(ChargeModel::Custom), &sum, "c".into(), &HashSet::new())),
            "charge_model: invalid_aggregation_type_or_charge_model"
        );
        let taken = HashSet::from(["c".to_owned()]);
        assert_eq!(
            errors(validate_charge(&input(ChargeModel::Standard), &sum, "c".into(), &taken)),
            "code: value_already_exist"
        );
    }

    #[test]
    fn filters_are_checked_against_the_metric() {
        let sum = metric(MetricAggregation::Sum, false);
        let filter = |key: &str, values: &[&str]| ChargeFilterInput {
            invoice_display_name: None,
            properties: Some(ChargeProperties::defaults(ChargeModel::Standard)),
            values: vec![(key.to_owned(), values.iter().map(|value| (*value).to_owned()).collect())],
        };
        let mut charge = input(ChargeModel::Standard);
        charge.filters = Some(vec![filter("region", &["eu"]), filter("region", &[ALL_FILTER_VALUES])]);
        assert_eq!(
            validate_charge(&charge, &sum, "c".into(), &HashSet::new()).expect("valid").filters.len(),
            2
        );
        charge.filters = Some(vec![filter("region", &["asia"])]);
        assert_eq!(
            errors(validate_charge(&charge, &sum, "c".into(), &HashSet::new())),
            "filters[0].values[0].values: value_is_invalid"
        );
        charge.filters = Some(vec![filter("region", &[])]);
        assert_eq!(
            errors(validate_charge(&charge, &sum, "c".into(), &HashSet::new())),
            "filters[0].values[0].values: value_is_mandatory"
        );
        charge.filters = Some(vec![filter("country", &["fr"])]);
        assert_eq!(
            errors(validate_charge(&charge, &sum, "c".into(), &HashSet::new())),
            "filters[0].values[0].key: relation_must_exist, filters[0].values[0].values: value_is_invalid"
        );
        // No defaults for a filter: its properties are checked before its values.
        charge.filters = Some(vec![ChargeFilterInput { properties: None, ..filter("country", &["fr"]) }]);
        assert_eq!(
            errors(validate_charge(&charge, &sum, "c".into(), &HashSet::new())),
            "filters[0].properties: invalid_amount"
        );
    }

    #[test]
    fn errors_come_in_the_charge_models_order() {
        let latest = metric(MetricAggregation::Latest, false);
        let mut charge = input(ChargeModel::Percentage);
        charge.invoiceable = Some(false);
        charge.prorated = Some(true);
        charge.pay_in_advance = Some(true);
        charge.regroup_paid_fees = Some(Some("invoice".into()));
        charge.min_amount_cents = Some(5);
        let taken = HashSet::from(["c".to_owned()]);
        assert_eq!(
            errors(validate_charge(&charge, &latest, "c".into(), &taken)),
            "properties: invalid_value, code: value_already_exist, \
             pay_in_advance: invalid_aggregation_type_or_charge_model, \
             prorated: invalid_billable_metric_or_charge_model, \
             min_amount_cents: not_compatible_with_pay_in_advance"
        );
        let mut absent = input(ChargeModel::Standard);
        absent.charge_model = ChargeModelInput::Absent;
        absent.min_amount_cents = Some(-1);
        assert_eq!(
            errors(validate_charge(&absent, &latest, "c".into(), &HashSet::new())),
            "charge_model: value_is_invalid|value_is_mandatory, min_amount_cents: value_is_out_of_range"
        );
    }
}
