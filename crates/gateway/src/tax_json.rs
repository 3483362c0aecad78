//! Lago's tax object as embedded in plans, charges and commitments (`V1::TaxSerializer`): the
//! stored `applied_to_organization`, and counters that Lago always answers as 0.

use entitlements::v1 as pb;
use serde_json::{Value, json};

use crate::lago_json::timestamp;

/// The rate as the JSON number Lago shows (a float column): the service's decimal text read back
/// as the number it was written from. Text that is no number (the service never sends one) shows
/// as null rather than a wrong number.
fn rate_to_json(rate: &str) -> Value {
    rate.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
}

pub(crate) fn embedded_tax_to_json(tax: &pb::Tax) -> Value {
    json!({
        "lago_id": tax.id,
        "name": tax.name,
        "code": tax.code,
        "rate": rate_to_json(&tax.rate),
        "description": tax.description,
        "applied_to_organization": tax.applied_to_organization,
        "add_ons_count": 0,
        "customers_count": 0,
        "plans_count": 0,
        "charges_count": 0,
        "commitments_count": 0,
        "created_at": timestamp(tax.created_at.as_ref()),
    })
}
