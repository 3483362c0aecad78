//! Conversions between the BillableMetricService messages and domain types. Proto -> domain
//! destructures every message, so that a new field is a compile error here until it is handled.

use entitlements::v1 as pb;
use entitlements_domain::{
    BillableMetric, BillableMetricCreateInput, BillableMetricFilterInput, BillableMetricUpdateInput,
    EnumInput, Error, MetricAggregation, RoundingFunction, WeightedInterval,
};

use prost_types::FieldMask;

use crate::feature_conversions::timestamp;
use crate::update_mask::UpdateMask;

pub(crate) fn create_input(
    request: pb::CreateBillableMetricRequest,
) -> Result<BillableMetricCreateInput, Error> {
    let pb::CreateBillableMetricRequest { billable_metric } = request;
    let pb::BillableMetricCreateInput {
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
    } = billable_metric.ok_or_else(|| Error::missing_param("billable_metric"))?;
    Ok(BillableMetricCreateInput {
        code,
        name,
        description,
        aggregation_type: aggregation_input(aggregation_type),
        field_name,
        recurring,
        weighted_interval: weighted_interval_input(weighted_interval),
        rounding_function: rounding_function_input(rounding_function),
        rounding_precision,
        expression,
        filters: filters.into_iter().map(filter_input).collect(),
    })
}

/// The update as `update_mask` selects it.
///
/// # Errors
/// `BadRequest` when the request carries no `billable_metric`; `update_mask: unknown_field`.
pub(crate) fn update_input(
    billable_metric: Option<pb::BillableMetricUpdateInput>,
    update_mask: Option<FieldMask>,
) -> Result<BillableMetricUpdateInput, Error> {
    let pb::BillableMetricUpdateInput {
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
    } = billable_metric.ok_or_else(|| Error::missing_param("billable_metric"))?;
    let mask = UpdateMask::resolve(
        update_mask,
        "update_mask",
        &[
            ("code", code.is_some()),
            ("name", name.is_some()),
            ("description", description.is_some()),
            ("aggregation_type", aggregation_type.is_some()),
            ("field_name", field_name.is_some()),
            ("recurring", recurring.is_some()),
            ("weighted_interval", weighted_interval.is_some()),
            ("rounding_function", rounding_function.is_some()),
            ("rounding_precision", rounding_precision.is_some()),
            ("expression", expression.is_some()),
            ("filters", !filters.is_empty()),
        ],
    )?;
    // An unset enumeration is null, as UNSPECIFIED is.
    let enumeration =
        |path: &str, number: Option<i32>| mask.field(path, number).map(Option::unwrap_or_default);
    Ok(BillableMetricUpdateInput {
        code: mask.field("code", code),
        name: mask.field("name", name),
        description: mask.field("description", description),
        aggregation_type: enumeration("aggregation_type", aggregation_type).map(aggregation_input),
        field_name: mask.field("field_name", field_name),
        // The column is not nullable: a cleared flag is false, as Lago's `recurring || false`.
        recurring: mask.field("recurring", recurring).map(|recurring| recurring.unwrap_or(false)),
        weighted_interval: enumeration("weighted_interval", weighted_interval).map(weighted_interval_input),
        rounding_function: enumeration("rounding_function", rounding_function).map(rounding_function_input),
        rounding_precision: mask.field("rounding_precision", rounding_precision),
        expression: mask.field("expression", expression),
        filters: mask.list("filters", filters).map(|filters| filters.into_iter().map(filter_input).collect()),
    })
}

fn filter_input(filter: pb::BillableMetricFilterInput) -> BillableMetricFilterInput {
    let pb::BillableMetricFilterInput { key, values } = filter;
    BillableMetricFilterInput { key, values }
}

fn aggregation_input(number: i32) -> EnumInput<MetricAggregation> {
    use pb::AggregationType as Pb;
    match Pb::try_from(number) {
        Ok(Pb::Unspecified) => EnumInput::Null,
        Ok(Pb::CountAgg) => EnumInput::Known(MetricAggregation::Count),
        Ok(Pb::SumAgg) => EnumInput::Known(MetricAggregation::Sum),
        Ok(Pb::MaxAgg) => EnumInput::Known(MetricAggregation::Max),
        Ok(Pb::UniqueCountAgg) => EnumInput::Known(MetricAggregation::UniqueCount),
        Ok(Pb::WeightedSumAgg) => EnumInput::Known(MetricAggregation::WeightedSum),
        Ok(Pb::LatestAgg) => EnumInput::Known(MetricAggregation::Latest),
        Ok(Pb::CustomAgg) => EnumInput::Known(MetricAggregation::Custom),
        Err(_) => EnumInput::Unknown,
    }
}

fn weighted_interval_input(number: i32) -> EnumInput<WeightedInterval> {
    match pb::WeightedInterval::try_from(number) {
        Ok(pb::WeightedInterval::Unspecified) => EnumInput::Null,
        Ok(pb::WeightedInterval::Seconds) => EnumInput::Known(WeightedInterval::Seconds),
        Err(_) => EnumInput::Unknown,
    }
}

fn rounding_function_input(number: i32) -> EnumInput<RoundingFunction> {
    match pb::RoundingFunction::try_from(number) {
        Ok(pb::RoundingFunction::Unspecified) => EnumInput::Null,
        Ok(pb::RoundingFunction::Round) => EnumInput::Known(RoundingFunction::Round),
        Ok(pb::RoundingFunction::Ceil) => EnumInput::Known(RoundingFunction::Ceil),
        Ok(pb::RoundingFunction::Floor) => EnumInput::Known(RoundingFunction::Floor),
        Err(_) => EnumInput::Unknown,
    }
}

pub(crate) fn aggregation_to_pb(aggregation: MetricAggregation) -> pb::AggregationType {
    match aggregation {
        MetricAggregation::Count => pb::AggregationType::CountAgg,
        MetricAggregation::Sum => pb::AggregationType::SumAgg,
        MetricAggregation::Max => pb::AggregationType::MaxAgg,
        MetricAggregation::UniqueCount => pb::AggregationType::UniqueCountAgg,
        MetricAggregation::WeightedSum => pb::AggregationType::WeightedSumAgg,
        MetricAggregation::Latest => pb::AggregationType::LatestAgg,
        MetricAggregation::Custom => pb::AggregationType::CustomAgg,
    }
}

fn rounding_function_to_pb(function: Option<RoundingFunction>) -> pb::RoundingFunction {
    match function {
        None => pb::RoundingFunction::Unspecified,
        Some(RoundingFunction::Round) => pb::RoundingFunction::Round,
        Some(RoundingFunction::Ceil) => pb::RoundingFunction::Ceil,
        Some(RoundingFunction::Floor) => pb::RoundingFunction::Floor,
    }
}

pub(crate) fn billable_metric_to_pb(metric: &BillableMetric) -> pb::BillableMetric {
    let weighted_interval = match metric.weighted_interval {
        None => pb::WeightedInterval::Unspecified,
        Some(WeightedInterval::Seconds) => pb::WeightedInterval::Seconds,
    };
    pb::BillableMetric {
        id: metric.id.to_string(),
        code: metric.code.clone(),
        name: metric.name.clone(),
        description: metric.description.clone(),
        aggregation_type: aggregation_to_pb(metric.aggregation_type).into(),
        field_name: metric.field_name.clone(),
        recurring: metric.recurring,
        weighted_interval: weighted_interval.into(),
        rounding_function: rounding_function_to_pb(metric.rounding_function).into(),
        rounding_precision: metric.rounding_precision,
        expression: metric.expression.clone(),
        filters: metric
            .filters
            .iter()
            .map(|filter| pb::BillableMetricFilter { key: filter.key.clone(), values: filter.values.clone() })
            .collect(),
        created_at: Some(timestamp(metric.created_at)),
    }
}
