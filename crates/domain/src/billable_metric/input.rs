//! Billable metric create and update commands: the raw input a client sends, validated in the
//! order of Lago's `BillableMetric` model (recurring, expression, name, field_name,
//! aggregation_type, code, weighted_interval, custom_aggregator, rounding_function), and filters
//! validated one by one as `BillableMetricFilters::CreateOrUpdateBatchService` does: after the
//! metric on create, before it on update.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::billable_metric::expression::validate_expression;
use crate::billable_metric::{BillableMetric, BillableMetricFilter, RoundingFunction, WeightedInterval};
use crate::charge::model::MetricAggregation;
use crate::enum_input::EnumInput;
use crate::error::Error;
use crate::ids::BillableMetricId;
use crate::validation::{ErrorCode, ValidationErrors, is_blank};

/// A filter as a client sent it. An empty key is a missing one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillableMetricFilterInput {
    pub key: String,
    pub values: Vec<String>,
}

/// A billable metric as a client sent it to be created. Empty strings are missing values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillableMetricCreateInput {
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub aggregation_type: EnumInput<MetricAggregation>,
    pub field_name: Option<String>,
    /// `None`: false.
    pub recurring: Option<bool>,
    pub weighted_interval: EnumInput<WeightedInterval>,
    pub rounding_function: EnumInput<RoundingFunction>,
    pub rounding_precision: Option<i32>,
    pub expression: Option<String>,
    pub filters: Vec<BillableMetricFilterInput>,
}

/// A partial update: the outer `None` keeps a field, `Some(None)` sets it to null.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillableMetricUpdateInput {
    pub code: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub aggregation_type: Option<EnumInput<MetricAggregation>>,
    pub field_name: Option<Option<String>>,
    pub recurring: Option<bool>,
    pub weighted_interval: Option<EnumInput<WeightedInterval>>,
    pub rounding_function: Option<EnumInput<RoundingFunction>>,
    pub rounding_precision: Option<Option<i32>>,
    pub expression: Option<Option<String>>,
    /// `Some`: the new set of filters, replacing every current one (`[]` removes them all).
    pub filters: Option<Vec<BillableMetricFilterInput>>,
}

/// A validated billable metric to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBillableMetric {
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub aggregation_type: MetricAggregation,
    pub field_name: Option<String>,
    pub recurring: bool,
    pub weighted_interval: Option<WeightedInterval>,
    pub rounding_function: Option<RoundingFunction>,
    pub rounding_precision: Option<i32>,
    pub expression: Option<String>,
    /// Ordered by key, one per key.
    pub filters: Vec<BillableMetricFilter>,
}

impl NewBillableMetric {
    /// The metric this creates, with its new id, created at `created_at`.
    pub fn into_metric(self, id: BillableMetricId, created_at: DateTime<Utc>) -> BillableMetric {
        let Self {
            code,
            name,
            description,
            aggregation_type,
            field_name,
            recurring,
            weighted_interval,
            rounding_function,
            rounding_precision,
            expression,
            filters,
        } = self;
        BillableMetric {
            id,
            code,
            name,
            description,
            aggregation_type,
            field_name,
            recurring,
            weighted_interval,
            rounding_function,
            rounding_precision,
            expression,
            filters,
            created_at,
        }
    }

    /// Validates a create request. `code_taken` says whether a metric that is not deleted already
    /// has the code; the store answers it, and its unique index settles races.
    ///
    /// # Errors
    /// `Validation` with the metric's errors in Lago's order, or else the first invalid filter's
    /// `key | values: value_is_mandatory`.
    pub fn parse(input: BillableMetricCreateInput, code_taken: bool) -> Result<Self, Error> {
        let BillableMetricCreateInput {
            code,
            name,
            description,
            aggregation_type,
            field_name,
            recurring,
            weighted_interval,
            rounding_function,
            rounding_precision,
            expression,
            filters,
        } = input;
        let draft = Draft {
            code: Some(code),
            name: Some(name),
            description,
            aggregation_type,
            field_name,
            recurring: recurring.unwrap_or(false),
            weighted_interval,
            rounding_function,
            rounding_precision,
            expression,
        };
        let mut metric = draft.validate(code_taken)?;
        metric.filters = parse_filters(filters)?;
        Ok(metric)
    }
}

impl BillableMetricUpdateInput {
    /// The code the update would give the metric, when it changes it: the one whose uniqueness
    /// the store must check.
    pub fn new_code<'a>(&'a self, current: &BillableMetric) -> Option<&'a str> {
        self.code.as_ref().and_then(Option::as_deref).filter(|code| *code != current.code)
    }

    /// This update as Lago applies it to a metric that a plan's charge uses: only `name`,
    /// `description` and `filters` change; the fields that decide what the charges bill are
    /// silently kept, as `BillableMetrics::UpdateService` does.
    #[must_use]
    pub fn for_attached_metric(self) -> Self {
        Self { name: self.name, description: self.description, filters: self.filters, ..Self::default() }
    }

    /// The metric after this update (same id and creation time), validated like a new one.
    /// `code_taken` says whether another metric that is not deleted has the new code.
    ///
    /// # Errors
    /// `Validation`: the first invalid filter's errors, or else the metric's in Lago's order.
    pub fn apply(self, current: &BillableMetric, code_taken: bool) -> Result<BillableMetric, Error> {
        let filters = match self.filters {
            Some(filters) => parse_filters(filters)?,
            None => current.filters.clone(),
        };
        let draft = Draft {
            code: self.code.unwrap_or_else(|| Some(current.code.clone())),
            name: self.name.unwrap_or_else(|| Some(current.name.clone())),
            description: self.description.unwrap_or_else(|| current.description.clone()),
            aggregation_type: self.aggregation_type.unwrap_or(EnumInput::Known(current.aggregation_type)),
            field_name: self.field_name.unwrap_or_else(|| current.field_name.clone()),
            recurring: self.recurring.unwrap_or(current.recurring),
            weighted_interval: self
                .weighted_interval
                .unwrap_or(EnumInput::from_stored(current.weighted_interval)),
            rounding_function: self
                .rounding_function
                .unwrap_or(EnumInput::from_stored(current.rounding_function)),
            rounding_precision: self.rounding_precision.unwrap_or(current.rounding_precision),
            expression: self.expression.unwrap_or_else(|| current.expression.clone()),
        };
        let metric = draft.validate(code_taken)?;
        Ok(BillableMetric {
            id: current.id,
            code: metric.code,
            name: metric.name,
            description: metric.description,
            aggregation_type: metric.aggregation_type,
            field_name: metric.field_name,
            recurring: metric.recurring,
            weighted_interval: metric.weighted_interval,
            rounding_function: metric.rounding_function,
            rounding_precision: metric.rounding_precision,
            expression: metric.expression,
            filters,
            created_at: current.created_at,
        })
    }
}

/// The metric's fields as they would be saved, before validation.
struct Draft {
    code: Option<String>,
    name: Option<String>,
    description: Option<String>,
    aggregation_type: EnumInput<MetricAggregation>,
    field_name: Option<String>,
    recurring: bool,
    weighted_interval: EnumInput<WeightedInterval>,
    rounding_function: EnumInput<RoundingFunction>,
    rounding_precision: Option<i32>,
    expression: Option<String>,
}

impl Draft {
    /// Lago's model validations, in declaration order. The result has no filters.
    fn validate(self, code_taken: bool) -> Result<NewBillableMetric, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let aggregation = match self.aggregation_type {
            EnumInput::Known(aggregation) => Some(aggregation),
            EnumInput::Null | EnumInput::Unknown => None,
        };
        if self.recurring && aggregation.is_some_and(|aggregation| !aggregation.allows_recurring()) {
            errors.add("recurring", ErrorCode::Named("not_compatible_with_aggregation_type"));
        }
        let expression = self.expression.as_deref().filter(|expression| !is_blank(Some(expression)));
        if expression.is_some_and(|expression| validate_expression(expression).is_err()) {
            errors.add("expression", ErrorCode::Named("invalid_expression"));
        }
        if is_blank(self.name.as_deref()) {
            errors.add("name", ErrorCode::ValueIsMandatory);
        }
        // An unknown aggregation needs a field name too, as in Lago (only count and custom don't).
        let needs_field_name = aggregation.is_none_or(MetricAggregation::needs_field_name);
        if needs_field_name && is_blank(self.field_name.as_deref()) {
            errors.add("field_name", ErrorCode::ValueIsMandatory);
        }
        if aggregation.is_none() {
            errors.add("aggregation_type", ErrorCode::ValueIsInvalid);
        }
        if is_blank(self.code.as_deref()) {
            errors.add("code", ErrorCode::ValueIsMandatory);
        } else if code_taken {
            errors.add("code", ErrorCode::ValueAlreadyExist);
        }
        let weighted_interval = known_or_none(self.weighted_interval);
        let weighted_without_seconds = aggregation == Some(MetricAggregation::WeightedSum)
            && weighted_interval != Some(WeightedInterval::Seconds);
        if self.weighted_interval == EnumInput::Unknown || weighted_without_seconds {
            errors.add("weighted_interval", ErrorCode::ValueIsInvalid);
        }
        // `custom_aggregator` is not an API parameter in Lago, so a custom metric always lacks it.
        if aggregation == Some(MetricAggregation::Custom) {
            errors.add("custom_aggregator", ErrorCode::ValueIsMandatory);
        }
        if self.rounding_function == EnumInput::Unknown {
            errors.add("rounding_function", ErrorCode::ValueIsInvalid);
        }
        let (Some(aggregation_type), Some(code), Some(name), true) =
            (aggregation, self.code, self.name, errors.is_empty())
        else {
            return Err(errors);
        };
        Ok(NewBillableMetric {
            code,
            name,
            description: self.description,
            aggregation_type,
            field_name: self.field_name.filter(|_| aggregation_type != MetricAggregation::Count),
            recurring: self.recurring,
            weighted_interval,
            rounding_function: known_or_none(self.rounding_function),
            rounding_precision: self.rounding_precision,
            expression: self.expression,
            filters: Vec::new(),
        })
    }
}

fn known_or_none<T>(input: EnumInput<T>) -> Option<T> {
    match input {
        EnumInput::Known(value) => Some(value),
        EnumInput::Null | EnumInput::Unknown => None,
    }
}

/// Validates filters in order, stopping at the first invalid one; a key given twice keeps its
/// last values, as Lago's `find_or_initialize_by(key)` does.
fn parse_filters(
    inputs: Vec<BillableMetricFilterInput>,
) -> Result<Vec<BillableMetricFilter>, ValidationErrors> {
    let mut by_key = BTreeMap::new();
    for (index, BillableMetricFilterInput { key, values }) in inputs.into_iter().enumerate() {
        let mut errors = ValidationErrors::new();
        if is_blank(Some(&key)) {
            errors.add("key", ErrorCode::ValueIsMandatory);
        }
        if values.is_empty() {
            errors.add("values", ErrorCode::ValueIsMandatory);
        }
        errors.into_result().map_err(|errors| errors.prefixed(&format!("filters[{index}].")))?;
        by_key.insert(key, values);
    }
    Ok(by_key.into_iter().map(|(key, values)| BillableMetricFilter::new(key, values)).collect())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::ids::BillableMetricId;

    fn create(aggregation_type: EnumInput<MetricAggregation>) -> BillableMetricCreateInput {
        BillableMetricCreateInput {
            code: "api_calls".to_owned(),
            name: "API calls".to_owned(),
            description: None,
            aggregation_type,
            field_name: Some("amount".to_owned()),
            recurring: None,
            weighted_interval: EnumInput::Null,
            rounding_function: EnumInput::Null,
            rounding_precision: None,
            expression: None,
            filters: Vec::new(),
        }
    }

    fn filter(key: &str, values: &[&str]) -> BillableMetricFilterInput {
        BillableMetricFilterInput {
            key: key.to_owned(),
            values: values.iter().map(|&v| v.to_owned()).collect(),
        }
    }

    fn errors_of<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
        match result {
            Err(Error::Validation(errors)) => errors.to_string(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn stored(metric: NewBillableMetric) -> BillableMetric {
        BillableMetric {
            id: BillableMetricId::generate(),
            code: metric.code,
            name: metric.name,
            description: metric.description,
            aggregation_type: metric.aggregation_type,
            field_name: metric.field_name,
            recurring: metric.recurring,
            weighted_interval: metric.weighted_interval,
            rounding_function: metric.rounding_function,
            rounding_precision: metric.rounding_precision,
            expression: metric.expression,
            filters: metric.filters,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn count_metrics_need_no_field_name_and_drop_it() {
        let metric = NewBillableMetric::parse(create(EnumInput::Known(MetricAggregation::Count)), false)
            .expect("a valid metric");
        assert_eq!(metric.field_name, None);
        assert!(!metric.recurring);
    }

    #[test]
    fn errors_follow_the_model_order() {
        let mut input = create(EnumInput::Null);
        input.code = String::new();
        input.name = " ".to_owned();
        input.field_name = None;
        input.recurring = Some(true);
        input.expression = Some("1 +".to_owned());
        input.weighted_interval = EnumInput::Unknown;
        input.rounding_function = EnumInput::Unknown;
        assert_eq!(
            errors_of(NewBillableMetric::parse(input, false)),
            "expression: invalid_expression, name: value_is_mandatory, \
             field_name: value_is_mandatory, aggregation_type: value_is_invalid, \
             code: value_is_mandatory, weighted_interval: value_is_invalid, \
             rounding_function: value_is_invalid"
        );
    }

    #[test]
    fn aggregation_specific_rules() {
        let mut recurring_max = create(EnumInput::Known(MetricAggregation::Max));
        recurring_max.recurring = Some(true);
        assert_eq!(
            errors_of(NewBillableMetric::parse(recurring_max, true)),
            "recurring: not_compatible_with_aggregation_type, code: value_already_exist"
        );
        let weighted = create(EnumInput::Known(MetricAggregation::WeightedSum));
        assert_eq!(
            errors_of(NewBillableMetric::parse(weighted, false)),
            "weighted_interval: value_is_invalid"
        );
        let custom = create(EnumInput::Known(MetricAggregation::Custom));
        assert_eq!(
            errors_of(NewBillableMetric::parse(custom, false)),
            "custom_aggregator: value_is_mandatory"
        );
        let mut blank_expression = create(EnumInput::Known(MetricAggregation::Sum));
        blank_expression.expression = Some("  ".to_owned());
        let metric =
            NewBillableMetric::parse(blank_expression, false).expect("blank expressions are not parsed");
        assert_eq!(metric.expression.as_deref(), Some("  "));
    }

    #[test]
    fn filters_are_checked_after_the_metric_on_create() {
        let mut input = create(EnumInput::Known(MetricAggregation::Sum));
        input.filters = vec![filter("region", &["us", "eu", "us"]), filter("", &[]), filter("x", &[])];
        assert_eq!(
            errors_of(NewBillableMetric::parse(input.clone(), false)),
            "filters[1].key: value_is_mandatory, filters[1].values: value_is_mandatory"
        );
        input.name = String::new();
        assert_eq!(errors_of(NewBillableMetric::parse(input, false)), "name: value_is_mandatory");
    }

    #[test]
    fn filters_are_sorted_unique_and_the_last_of_a_key_wins() {
        let mut input = create(EnumInput::Known(MetricAggregation::Sum));
        input.filters = vec![
            filter("region", &["us", "eu", "us"]),
            filter("cloud", &["b", "a"]),
            filter("region", &["ap"]),
        ];
        let metric = NewBillableMetric::parse(input, false).expect("a valid metric");
        assert_eq!(
            metric.filters,
            vec![
                BillableMetricFilter::new("cloud".into(), vec!["a".into(), "b".into()]),
                BillableMetricFilter::new("region".into(), vec!["ap".into()]),
            ]
        );
    }

    #[test]
    fn updates_are_partial_and_filters_come_first() {
        let mut input = create(EnumInput::Known(MetricAggregation::Sum));
        input.filters = vec![filter("region", &["eu"])];
        let current = stored(NewBillableMetric::parse(input, false).expect("a valid metric"));

        let rename = BillableMetricUpdateInput { code: Some(Some("calls".into())), ..Default::default() };
        assert_eq!(rename.new_code(&current), Some("calls"));
        let renamed = rename.apply(&current, false).expect("a valid update");
        assert_eq!(renamed, BillableMetric { code: "calls".into(), ..current.clone() });

        let to_count = BillableMetricUpdateInput {
            aggregation_type: Some(EnumInput::Known(MetricAggregation::Count)),
            filters: Some(Vec::new()),
            ..Default::default()
        };
        let counted = to_count.apply(&current, false).expect("a valid update");
        assert_eq!((counted.field_name, counted.filters), (None, Vec::new()));

        let both_invalid = BillableMetricUpdateInput {
            name: Some(None),
            filters: Some(vec![filter("region", &[])]),
            ..Default::default()
        };
        assert_eq!(errors_of(both_invalid.apply(&current, false)), "filters[0].values: value_is_mandatory");
    }
}
