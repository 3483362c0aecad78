//! Billable metrics: how an organization's usage events are aggregated into billable units,
//! identified by a code. The Lago spellings of the aggregation types and the rules that tie other
//! fields to them live here, next to the metric.

pub(crate) mod charge_filter_pruning;
pub(crate) mod expression;
pub(crate) mod input;

use chrono::{DateTime, Utc};

use crate::charge::model::{ChargeMetric, MetricAggregation};
use crate::ids::BillableMetricId;

impl MetricAggregation {
    pub const ALL: [Self; 7] =
        [Self::Count, Self::Sum, Self::Max, Self::UniqueCount, Self::WeightedSum, Self::Latest, Self::Custom];

    /// The aggregation type as Lago spells it (`count_agg`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Count => "count_agg",
            Self::Sum => "sum_agg",
            Self::Max => "max_agg",
            Self::UniqueCount => "unique_count_agg",
            Self::WeightedSum => "weighted_sum_agg",
            Self::Latest => "latest_agg",
            Self::Custom => "custom_agg",
        }
    }

    /// Parses Lago's spelling; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|aggregation| aggregation.as_str() == text)
    }

    /// Every aggregation reads an event property except counting and custom code.
    pub fn needs_field_name(self) -> bool {
        !matches!(self, Self::Count | Self::Custom)
    }

    /// Counts, maxima and latest values cannot carry over from one period to the next.
    pub fn allows_recurring(self) -> bool {
        !matches!(self, Self::Count | Self::Max | Self::Latest)
    }
}

/// The time unit of a `weighted_sum_agg` metric; Lago knows only seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightedInterval {
    Seconds,
}

impl WeightedInterval {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seconds => "seconds",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        (text == "seconds").then_some(Self::Seconds)
    }
}

/// How aggregated units are rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundingFunction {
    Round,
    Ceil,
    Floor,
}

impl RoundingFunction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Round => "round",
            Self::Ceil => "ceil",
            Self::Floor => "floor",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Round, Self::Ceil, Self::Floor].into_iter().find(|function| function.as_str() == text)
    }
}

/// A filter of a metric: an event property and the values charges may price differently. The
/// values are sorted and unique, as Lago answers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillableMetricFilter {
    pub key: String,
    pub values: Vec<String>,
}

impl BillableMetricFilter {
    /// A filter with `values` sorted (by bytes, as Ruby sorts strings) and de-duplicated.
    pub fn new(key: String, mut values: Vec<String>) -> Self {
        values.sort();
        values.dedup();
        Self { key, values }
    }
}

/// A billable metric as stored, with its filters that are not deleted, ordered by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillableMetric {
    pub id: BillableMetricId,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub aggregation_type: MetricAggregation,
    /// Always `None` for `count_agg`.
    pub field_name: Option<String>,
    pub recurring: bool,
    pub weighted_interval: Option<WeightedInterval>,
    pub rounding_function: Option<RoundingFunction>,
    pub rounding_precision: Option<i32>,
    /// Stored as sent, blank included; validated when not blank.
    pub expression: Option<String>,
    pub filters: Vec<BillableMetricFilter>,
    pub created_at: DateTime<Utc>,
}

impl BillableMetric {
    /// What charge validation needs to know about this metric.
    pub fn charge_metric(&self) -> ChargeMetric {
        ChargeMetric {
            code: self.code.clone(),
            aggregation: self.aggregation_type,
            recurring: self.recurring,
            filters: self.filters.iter().map(|filter| (filter.key.clone(), filter.values.clone())).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for aggregation in MetricAggregation::ALL {
            assert_eq!(MetricAggregation::parse(aggregation.as_str()), Some(aggregation));
        }
        assert_eq!(MetricAggregation::parse("recurring_count_agg"), None);
        assert_eq!(RoundingFunction::parse("floor"), Some(RoundingFunction::Floor));
        assert_eq!(RoundingFunction::parse("Floor"), None);
        assert_eq!(WeightedInterval::parse("hours"), None);
    }

    #[test]
    fn filter_values_are_sorted_and_unique() {
        let filter = BillableMetricFilter::new("region".into(), vec!["us".into(), "eu".into(), "us".into()]);
        assert_eq!(filter.values, ["eu", "us"]);
    }
}
