//! Charges of plans as stored: their properties and filters as JSON columns, and what a billable
//! metric's deletion or filter change does to the charges on it.

pub(crate) mod json;
pub(crate) mod metric_cascades;
