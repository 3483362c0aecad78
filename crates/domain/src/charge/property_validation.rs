//! Lago's charge property validators (`Charges::Validators::*`), each returning its codes in
//! Lago's order: grouped by the validator's internal field in order of first appearance, each
//! code once per field, then flattened into the charge's `properties` errors.

use rust_decimal::Decimal;

use crate::charge::model::{ChargeMetric, MetricAggregation};
use crate::charge::properties::{
    ChargeProperties, ModelProperties, PercentageRange, PresentationGroupKey, PriceRange,
};
use crate::decimal_text::{is_valid_amount, parse_decimal};

/// Most presentation group keys a charge may have.
const MAX_PRESENTATION_GROUP_KEYS: usize = 2;

/// Codes collected per internal field, in order of first appearance.
#[derive(Debug, Default)]
struct PropertyErrors {
    fields: Vec<(&'static str, Vec<&'static str>)>,
}

impl PropertyErrors {
    fn add(&mut self, field: &'static str, code: &'static str) {
        match self.fields.iter_mut().find(|(name, _)| *name == field) {
            Some((_, codes)) if codes.contains(&code) => {}
            Some((_, codes)) => codes.push(code),
            None => self.fields.push((field, vec![code])),
        }
    }

    fn check(&mut self, valid: bool, field: &'static str, code: &'static str) {
        if !valid {
            self.add(field, code);
        }
    }

    fn into_codes(self) -> Vec<&'static str> {
        self.fields.into_iter().flat_map(|(_, codes)| codes).collect()
    }
}

/// Validates properties for a charge on `metric`; empty when valid. Filters' properties are
/// validated the same way (they carry no presentation keys).
pub fn validate_properties(properties: &ChargeProperties, metric: &ChargeMetric) -> Vec<&'static str> {
    let mut errors = PropertyErrors::default();
    match &properties.model {
        ModelProperties::Standard { amount } => {
            errors.check(valid_amount(amount), "amount", "invalid_amount")
        }
        ModelProperties::Graduated { graduated_ranges } => {
            validate_price_ranges(&mut errors, graduated_ranges.as_deref(), RangeKind::Graduated);
        }
        ModelProperties::Volume { volume_ranges } => {
            validate_price_ranges(&mut errors, volume_ranges.as_deref(), RangeKind::Volume);
        }
        ModelProperties::Package { amount, free_units, package_size } => {
            errors.check(valid_amount(amount), "amount", "invalid_amount");
            errors.check(free_units.is_some_and(|units| units >= 0), "free_units", "invalid_free_units");
            errors.check(package_size.is_some_and(|size| size > 0), "package_size", "invalid_package_size");
        }
        ModelProperties::Percentage {
            rate,
            fixed_amount,
            free_units_per_events,
            free_units_per_total_aggregation,
            per_transaction_max_amount,
            per_transaction_min_amount,
        } => {
            errors.check(metric.aggregation != MetricAggregation::Latest, "billable_metric", "invalid_value");
            errors.check(valid_amount(rate), "rate", "invalid_rate");
            errors.check(optional_amount(fixed_amount), "fixed_amount", "invalid_fixed_amount");
            errors.check(
                free_units_per_events.is_none_or(|events| events > 0),
                "free_units_per_events",
                "invalid_free_units_per_events",
            );
            errors.check(
                optional_amount(free_units_per_total_aggregation),
                "free_units_per_total_aggregation",
                "invalid_free_units_per_total_aggregation",
            );
            validate_transaction_bounds(&mut errors, per_transaction_min_amount, per_transaction_max_amount);
        }
        ModelProperties::GraduatedPercentage { graduated_percentage_ranges } => {
            errors.check(metric.aggregation != MetricAggregation::Latest, "billable_metric", "invalid_value");
            validate_percentage_ranges(&mut errors, graduated_percentage_ranges.as_deref());
        }
        ModelProperties::Custom { .. } | ModelProperties::Dynamic => {}
    }
    validate_grouping_keys(&mut errors, properties);
    errors.into_codes()
}

fn valid_amount(amount: &Option<String>) -> bool {
    amount.as_deref().is_some_and(is_valid_amount)
}

fn optional_amount(amount: &Option<String>) -> bool {
    amount.as_deref().is_none_or(is_valid_amount)
}

#[derive(Debug, Clone, Copy)]
enum RangeKind {
    Graduated,
    Volume,
}

fn validate_price_ranges(errors: &mut PropertyErrors, ranges: Option<&[PriceRange]>, kind: RangeKind) {
    let (missing, invalid) = match kind {
        RangeKind::Graduated => ("missing_graduated_ranges", "invalid_graduated_ranges"),
        RangeKind::Volume => ("missing_volume_ranges", "invalid_volume_ranges"),
    };
    let Some(ranges) = ranges.filter(|ranges| !ranges.is_empty()) else {
        errors.add("ranges", missing);
        return;
    };
    let mut next_from = Decimal::ZERO;
    for (index, range) in ranges.iter().enumerate() {
        errors.check(valid_amount(&range.per_unit_amount), "amount", "invalid_amount");
        errors.check(valid_amount(&range.flat_amount), "amount", "invalid_amount");
        let is_last = index + 1 == ranges.len();
        errors.check(valid_bounds(&range.from_value, &range.to_value, is_last, next_from), "ranges", invalid);
        let to = bound(&range.to_value);
        // Graduated tiers may start at the previous `to` or one above it; volume tiers one or two above.
        next_from = match kind {
            RangeKind::Graduated => to,
            RangeKind::Volume => to + Decimal::ONE,
        };
    }
}

fn validate_percentage_ranges(errors: &mut PropertyErrors, ranges: Option<&[PercentageRange]>) {
    let Some(ranges) = ranges.filter(|ranges| !ranges.is_empty()) else {
        errors.add("ranges", "missing_graduated_percentage_ranges");
        return;
    };
    let mut next_from = Decimal::ZERO;
    for (index, range) in ranges.iter().enumerate() {
        errors.check(valid_amount(&range.flat_amount), "amount", "invalid_amount");
        errors.check(valid_amount(&range.rate), "rate", "invalid_rate");
        let is_last = index + 1 == ranges.len();
        errors.check(
            valid_bounds(&range.from_value, &range.to_value, is_last, next_from),
            "ranges",
            "invalid_graduated_percentage_ranges",
        );
        next_from = bound(&range.to_value);
    }
}

/// A bound's value, a missing or unreadable one counting as 0 (Lago's `to_value || 0`).
fn bound(value: &Option<String>) -> Decimal {
    value.as_deref().and_then(parse_decimal).unwrap_or(Decimal::ZERO)
}

/// Lago's `RangeBoundsValidator`: a tier starts at `next_from` or one above it, and ends above its
/// start, except the last tier, which is open-ended. A missing `from_value` is invalid (Lago
/// crashes on it).
fn valid_bounds(from: &Option<String>, to: &Option<String>, is_last: bool, next_from: Decimal) -> bool {
    let Some(from) = from.as_deref().and_then(parse_decimal) else { return false };
    let starts_right = from == next_from || from == next_from + Decimal::ONE;
    let ends_right = match (to, is_last) {
        (None, true) => true,
        (Some(_), true) => false,
        (None, false) => Decimal::ZERO > from,
        (Some(to), false) => parse_decimal(to).is_some_and(|to| to > from),
    };
    starts_right && ends_right
}

fn validate_transaction_bounds(
    errors: &mut PropertyErrors,
    minimum: &Option<String>,
    maximum: &Option<String>,
) {
    errors.check(optional_amount(minimum), "per_transaction_min_amount", "invalid_amount");
    errors.check(optional_amount(maximum), "per_transaction_max_amount", "invalid_amount");
    let parsed = |amount: &Option<String>| {
        amount.as_deref().filter(|text| is_valid_amount(text)).and_then(parse_decimal)
    };
    if let (Some(minimum), Some(maximum)) = (parsed(minimum), parsed(maximum))
        && maximum < minimum
    {
        errors.add("per_transaction_max_amount", "per_transaction_max_lower_than_per_transaction_min");
    }
}

fn validate_grouping_keys(errors: &mut PropertyErrors, properties: &ChargeProperties) {
    if let Some(keys) = &properties.pricing_group_keys {
        errors.check(keys.iter().all(|key| !key.is_empty()), "pricing_group_keys", "invalid_type");
    }
    if let Some(keys) = &properties.presentation_group_keys {
        validate_presentation_keys(errors, keys);
    }
}

fn validate_presentation_keys(errors: &mut PropertyErrors, keys: &[PresentationGroupKey]) {
    errors.check(keys.iter().all(|key| !key.value.is_empty()), "presentation_group_keys", "invalid_type");
    errors.check(keys.len() <= MAX_PRESENTATION_GROUP_KEYS, "presentation_group_keys", "too_many_keys");
    let mut values: Vec<&str> = keys.iter().map(|key| key.value.as_str()).collect();
    values.sort_unstable();
    let before = values.len();
    values.dedup();
    errors.check(values.len() == before, "presentation_group_keys", "value_is_duplicated");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charge::model::ChargeModel;

    fn metric(aggregation: MetricAggregation) -> ChargeMetric {
        ChargeMetric { code: "m".into(), aggregation, recurring: false, filters: vec![] }
    }

    fn with_model(model: ModelProperties) -> ChargeProperties {
        ChargeProperties { model, pricing_group_keys: None, presentation_group_keys: None }
    }

    fn text(value: &str) -> Option<String> {
        Some(value.to_owned())
    }

    fn range(from: &str, to: Option<&str>) -> PriceRange {
        PriceRange {
            from_value: text(from),
            to_value: to.map(str::to_owned),
            per_unit_amount: text("1"),
            flat_amount: text("0"),
        }
    }

    #[test]
    fn defaults_are_valid_for_every_model() {
        for model in ChargeModel::ALL {
            let aggregation =
                if model == ChargeModel::Custom { MetricAggregation::Custom } else { MetricAggregation::Sum };
            assert_eq!(
                validate_properties(&ChargeProperties::defaults(model), &metric(aggregation)),
                Vec::<&str>::new()
            );
        }
    }

    #[test]
    fn package_errors_in_validator_order() {
        let properties =
            with_model(ModelProperties::Package { amount: None, free_units: None, package_size: Some(0) });
        assert_eq!(
            validate_properties(&properties, &metric(MetricAggregation::Sum)),
            ["invalid_amount", "invalid_free_units", "invalid_package_size"]
        );
    }

    #[test]
    fn graduated_accepts_adjacent_and_plus_one_tiers() {
        let adjacent = vec![range("0", Some("10")), range("10", None)];
        let plus_one = vec![range("1", Some("10")), range("11", None)];
        for ranges in [adjacent, plus_one] {
            let properties = with_model(ModelProperties::Graduated { graduated_ranges: Some(ranges) });
            assert!(validate_properties(&properties, &metric(MetricAggregation::Sum)).is_empty());
        }
        let gap = vec![range("0", Some("10")), range("12", None)];
        let properties = with_model(ModelProperties::Graduated { graduated_ranges: Some(gap) });
        assert_eq!(
            validate_properties(&properties, &metric(MetricAggregation::Sum)),
            ["invalid_graduated_ranges"]
        );
    }

    #[test]
    fn volume_rejects_adjacency_but_accepts_a_one_unit_gap() {
        let adjacent = vec![range("0", Some("100")), range("100", None)];
        let properties = with_model(ModelProperties::Volume { volume_ranges: Some(adjacent) });
        assert_eq!(
            validate_properties(&properties, &metric(MetricAggregation::Sum)),
            ["invalid_volume_ranges"]
        );
        let gap = vec![range("0", Some("100")), range("102", None)];
        let properties = with_model(ModelProperties::Volume { volume_ranges: Some(gap) });
        assert!(validate_properties(&properties, &metric(MetricAggregation::Sum)).is_empty());
    }

    #[test]
    fn missing_ranges_and_missing_from_value() {
        let properties = with_model(ModelProperties::Graduated { graduated_ranges: Some(vec![]) });
        assert_eq!(
            validate_properties(&properties, &metric(MetricAggregation::Sum)),
            ["missing_graduated_ranges"]
        );
        let no_from = PriceRange { from_value: None, ..range("0", None) };
        let properties = with_model(ModelProperties::Graduated { graduated_ranges: Some(vec![no_from]) });
        assert_eq!(
            validate_properties(&properties, &metric(MetricAggregation::Sum)),
            ["invalid_graduated_ranges"]
        );
    }

    #[test]
    fn percentage_bounds_and_latest_metric() {
        let properties = with_model(ModelProperties::Percentage {
            rate: text("1"),
            fixed_amount: None,
            free_units_per_events: Some(0),
            free_units_per_total_aggregation: None,
            per_transaction_max_amount: text("1"),
            per_transaction_min_amount: text("2"),
        });
        assert_eq!(
            validate_properties(&properties, &metric(MetricAggregation::Latest)),
            [
                "invalid_value",
                "invalid_free_units_per_events",
                "per_transaction_max_lower_than_per_transaction_min"
            ]
        );
    }

    #[test]
    fn presentation_keys() {
        let key = |value: &str| PresentationGroupKey { value: value.to_owned(), display_in_invoice: None };
        let mut properties = ChargeProperties::defaults(ChargeModel::Standard);
        properties.presentation_group_keys = Some(vec![key("a"), key("a"), key("")]);
        assert_eq!(
            validate_properties(&properties, &metric(MetricAggregation::Sum)),
            ["invalid_type", "too_many_keys", "value_is_duplicated"]
        );
    }
}
