//! Charge models and the aggregation types of billable metrics they depend on.

/// How a charge turns usage into an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargeModel {
    Standard,
    Graduated,
    Package,
    Percentage,
    Volume,
    GraduatedPercentage,
    Custom,
    Dynamic,
}

impl ChargeModel {
    pub const ALL: [Self; 8] = [
        Self::Standard,
        Self::Graduated,
        Self::Package,
        Self::Percentage,
        Self::Volume,
        Self::GraduatedPercentage,
        Self::Custom,
        Self::Dynamic,
    ];

    /// The model as Lago spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Graduated => "graduated",
            Self::Package => "package",
            Self::Percentage => "percentage",
            Self::Volume => "volume",
            Self::GraduatedPercentage => "graduated_percentage",
            Self::Custom => "custom",
            Self::Dynamic => "dynamic",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|model| model.as_str() == text)
    }
}

/// The aggregation of a billable metric, as far as charges care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricAggregation {
    Count,
    Sum,
    Max,
    UniqueCount,
    WeightedSum,
    Latest,
    Custom,
}

impl MetricAggregation {
    /// Metrics whose charges may be paid in advance.
    pub fn allows_pay_in_advance(self) -> bool {
        matches!(self, Self::Count | Self::Sum | Self::UniqueCount | Self::Custom)
    }
}

/// What charge validation needs to know about the charge's billable metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeMetric {
    pub code: String,
    pub aggregation: MetricAggregation,
    pub recurring: bool,
    /// The metric's filters: key and accepted values.
    pub filters: Vec<(String, Vec<String>)>,
}
