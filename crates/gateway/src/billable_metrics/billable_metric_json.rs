//! Lago's billable metric JSON <-> BillableMetricService messages. Strong parameters keep the
//! fields of `BillableMetricsController#input_params`; other keys are ignored.

use entitlements::v1 as pb;
use serde_json::{Map, Value, json};

use crate::lago_error::BodyError;
use crate::lago_json::timestamp;
use crate::request_body::{nullable_string, root_object};
use crate::update_mask::MaskPaths;

/// Sent for an enumeration value the gateway cannot name: proto enums are open, and the service
/// rejects numbers it does not know with `value_is_invalid`.
const UNKNOWN_ENUM_VALUE: i32 = -1;

/// Whether the metric object carries Lago's (always 0) counters: every route but GET /:code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counters {
    Included,
    Omitted,
}

/// `{"billable_metric": {...}}` of POST /billable_metrics; `None` when the root is missing, empty
/// or not an object.
pub(super) fn create_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<pb::BillableMetricCreateInput>, BodyError> {
    let Some(metric) = metric_root(body)? else { return Ok(None) };
    Ok(Some(pb::BillableMetricCreateInput {
        code: string(&metric, "code")?.flatten().unwrap_or_default(),
        name: string(&metric, "name")?.flatten().unwrap_or_default(),
        description: string(&metric, "description")?.flatten(),
        aggregation_type: enum_value(&metric, "aggregation_type", aggregation_type)
            .flatten()
            .unwrap_or_default(),
        field_name: string(&metric, "field_name")?.flatten(),
        recurring: recurring(&metric)?.flatten(),
        weighted_interval: enum_value(&metric, "weighted_interval", weighted_interval)
            .flatten()
            .unwrap_or_default(),
        rounding_function: enum_value(&metric, "rounding_function", rounding_function)
            .flatten()
            .unwrap_or_default(),
        rounding_precision: rounding_precision(&metric)?.flatten(),
        expression: string(&metric, "expression")?.flatten(),
        filters: filters(&metric)?.unwrap_or_default(),
    }))
}

/// `{"billable_metric": {...}}` of PUT/PATCH /billable_metrics/{code} with its update mask: the
/// keys given (`filters: null` is not); `None` when the root is missing, empty or not an object.
pub(super) fn update_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<(pb::BillableMetricUpdateInput, prost_types::FieldMask)>, BodyError> {
    let Some(metric) = metric_root(body)? else { return Ok(None) };
    let mut mask = MaskPaths::default();
    let update = pb::BillableMetricUpdateInput {
        code: mask.field("code", string(&metric, "code")?),
        name: mask.field("name", string(&metric, "name")?),
        description: mask.field("description", string(&metric, "description")?),
        aggregation_type: mask
            .field("aggregation_type", enum_value(&metric, "aggregation_type", aggregation_type)),
        field_name: mask.field("field_name", string(&metric, "field_name")?),
        recurring: mask.field("recurring", recurring(&metric)?),
        weighted_interval: mask
            .field("weighted_interval", enum_value(&metric, "weighted_interval", weighted_interval)),
        rounding_function: mask
            .field("rounding_function", enum_value(&metric, "rounding_function", rounding_function)),
        rounding_precision: mask.field("rounding_precision", rounding_precision(&metric)?),
        expression: mask.field("expression", string(&metric, "expression")?),
        filters: mask.list("filters", filters(&metric)?),
    };
    Ok(Some((update, mask.into_field_mask())))
}

/// Lago's `params.expect(billable_metric: ...)` reports a root that is not an object as missing.
fn metric_root(mut body: Map<String, Value>) -> Result<Option<Map<String, Value>>, BodyError> {
    if body.get("billable_metric").is_some_and(|root| !root.is_object()) {
        body.remove("billable_metric");
    }
    root_object(body, "billable_metric")
}

fn string(metric: &Map<String, Value>, key: &str) -> Result<Option<Option<String>>, BodyError> {
    nullable_string(metric, key, "billable_metric")
}

/// An enumeration: absent is `None`, null `Some(None)`, a spelling the gateway does not know (or
/// a value that is not a string) is `UNKNOWN_ENUM_VALUE`.
fn enum_value(metric: &Map<String, Value>, key: &str, parse: fn(&str) -> Option<i32>) -> Option<Option<i32>> {
    match metric.get(key)? {
        Value::Null => Some(None),
        Value::String(text) => Some(Some(parse(text).unwrap_or(UNKNOWN_ENUM_VALUE))),
        _ => Some(Some(UNKNOWN_ENUM_VALUE)),
    }
}

fn aggregation_type(text: &str) -> Option<i32> {
    let aggregation = match text {
        "count_agg" => pb::AggregationType::CountAgg,
        "sum_agg" => pb::AggregationType::SumAgg,
        "max_agg" => pb::AggregationType::MaxAgg,
        "unique_count_agg" => pb::AggregationType::UniqueCountAgg,
        "weighted_sum_agg" => pb::AggregationType::WeightedSumAgg,
        "latest_agg" => pb::AggregationType::LatestAgg,
        "custom_agg" => pb::AggregationType::CustomAgg,
        _ => return None,
    };
    Some(aggregation.into())
}

fn weighted_interval(text: &str) -> Option<i32> {
    (text == "seconds").then_some(pb::WeightedInterval::Seconds.into())
}

fn rounding_function(text: &str) -> Option<i32> {
    let function = match text {
        "round" => pb::RoundingFunction::Round,
        "ceil" => pb::RoundingFunction::Ceil,
        "floor" => pb::RoundingFunction::Floor,
        _ => return None,
    };
    Some(function.into())
}

/// A boolean; null is false, as Lago's `recurring || false`.
fn recurring(metric: &Map<String, Value>) -> Result<Option<Option<bool>>, BodyError> {
    match metric.get("recurring") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(Some(false))),
        Some(Value::Bool(recurring)) => Ok(Some(Some(*recurring))),
        Some(_) => Err(BodyError("billable_metric.recurring must be a boolean".to_owned())),
    }
}

/// A 32-bit integer or null (Lago's integer column).
fn rounding_precision(metric: &Map<String, Value>) -> Result<Option<Option<i32>>, BodyError> {
    match metric.get("rounding_precision") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(value) => value
            .as_i64()
            .and_then(|precision| i32::try_from(precision).ok())
            .map(|precision| Some(Some(precision)))
            .ok_or_else(|| {
                BodyError("billable_metric.rounding_precision must be a 32-bit integer".to_owned())
            }),
    }
}

/// `filters`: `None` when absent or null (kept on update), else `[{key, values}]`.
fn filters(metric: &Map<String, Value>) -> Result<Option<Vec<pb::BillableMetricFilterInput>>, BodyError> {
    let filters = match metric.get("filters") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(filters)) => filters,
        Some(_) => return Err(BodyError("billable_metric.filters must be an array".to_owned())),
    };
    filters.iter().map(filter).collect::<Result<Vec<_>, _>>().map(Some)
}

fn filter(filter: &Value) -> Result<pb::BillableMetricFilterInput, BodyError> {
    let Value::Object(filter) = filter else {
        return Err(BodyError("billable_metric.filters must contain objects".to_owned()));
    };
    let key = nullable_string(filter, "key", "filter")?.flatten().unwrap_or_default();
    let values = match filter.get("values") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(values)) => values
            .iter()
            .map(|value| value.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| BodyError("filter.values must contain strings".to_owned()))?,
        Some(_) => return Err(BodyError("filter.values must be an array".to_owned())),
    };
    Ok(pb::BillableMetricFilterInput { key, values })
}

/// Lago's billable metric object, keys in Lago's order; the counters are always 0.
pub(crate) fn billable_metric_to_json(metric: &pb::BillableMetric, counters: Counters) -> Value {
    let mut object = Map::new();
    let mut put = |key: &str, value: Value| {
        object.insert(key.to_owned(), value);
    };
    put("lago_id", json!(metric.id));
    put("name", json!(metric.name));
    put("code", json!(metric.code));
    put("description", json!(metric.description));
    put("aggregation_type", json!(aggregation_type_to_json(metric.aggregation_type())));
    put("weighted_interval", json!(weighted_interval_to_json(metric.weighted_interval())));
    put("recurring", json!(metric.recurring));
    put("rounding_function", json!(rounding_function_to_json(metric.rounding_function())));
    put("rounding_precision", json!(metric.rounding_precision));
    put("created_at", timestamp(metric.created_at.as_ref()));
    put("field_name", json!(metric.field_name));
    put("expression", json!(metric.expression));
    if counters == Counters::Included {
        for counter in ["active_subscriptions_count", "draft_invoices_count", "plans_count"] {
            put(counter, json!(0));
        }
    }
    let filters: Vec<Value> =
        metric.filters.iter().map(|filter| json!({ "key": filter.key, "values": filter.values })).collect();
    put("filters", Value::Array(filters));
    Value::Object(object)
}

fn aggregation_type_to_json(aggregation: pb::AggregationType) -> Option<&'static str> {
    match aggregation {
        pb::AggregationType::Unspecified => None,
        pb::AggregationType::CountAgg => Some("count_agg"),
        pb::AggregationType::SumAgg => Some("sum_agg"),
        pb::AggregationType::MaxAgg => Some("max_agg"),
        pb::AggregationType::UniqueCountAgg => Some("unique_count_agg"),
        pb::AggregationType::WeightedSumAgg => Some("weighted_sum_agg"),
        pb::AggregationType::LatestAgg => Some("latest_agg"),
        pb::AggregationType::CustomAgg => Some("custom_agg"),
    }
}

fn weighted_interval_to_json(interval: pb::WeightedInterval) -> Option<&'static str> {
    match interval {
        pb::WeightedInterval::Unspecified => None,
        pb::WeightedInterval::Seconds => Some("seconds"),
    }
}

fn rounding_function_to_json(function: pb::RoundingFunction) -> Option<&'static str> {
    match function {
        pb::RoundingFunction::Unspecified => None,
        pb::RoundingFunction::Round => Some("round"),
        pb::RoundingFunction::Ceil => Some("ceil"),
        pb::RoundingFunction::Floor => Some("floor"),
    }
}
