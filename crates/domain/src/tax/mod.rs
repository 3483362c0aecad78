//! Taxes: a rate an organization applies to plans and charges, identified by a code.

pub(crate) mod input;

use chrono::{DateTime, Utc};

use crate::ids::TaxId;

/// A tax as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Tax {
    pub id: TaxId,
    pub code: String,
    pub name: String,
    /// A percentage; Lago stores it as a float and accepts any value.
    pub rate: f64,
    pub description: Option<String>,
    /// Whether the tax applies to the organization's (default billing entity's) customers.
    pub applied_to_organization: bool,
    pub created_at: DateTime<Utc>,
}
