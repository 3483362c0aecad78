//! A plan as a client sent it, for create (every field given or not) and for partial updates
//! (absent fields keep their value). `Option<Option<T>>` distinguishes absent from null.

use crate::charge::ChargeInput;
use crate::plan::PlanMetadata;
use crate::validation::{ErrorCode, ValidationErrors};

/// A usage threshold as a client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageThresholdInput {
    pub amount_cents: Option<i64>,
    pub threshold_display_name: Option<String>,
    pub recurring: Option<bool>,
}

/// A minimum commitment as a client sent it. An outer `None` is a field not given: the stored
/// commitment's value is kept (a new commitment has no amount, no display name and no taxes);
/// `Some(None)` is null.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MinimumCommitmentInput {
    pub amount_cents: Option<Option<i64>>,
    pub invoice_display_name: Option<Option<String>>,
    pub tax_codes: Option<Vec<String>>,
}

/// A plan as a client sent it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanInput {
    pub name: Option<String>,
    pub code: Option<String>,
    /// `Some(None)`: null or a value that is not a string.
    pub interval: Option<Option<String>>,
    /// `Some(None)`: null (`value_is_mandatory`).
    pub amount_cents: Option<Option<i64>>,
    /// `Some(None)`: null or not a string.
    pub amount_currency: Option<Option<String>>,
    /// `Some(None)`: null or not a boolean.
    pub pay_in_advance: Option<Option<bool>>,
    pub invoice_display_name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub trial_period: Option<Option<f64>>,
    pub bill_charges_monthly: Option<Option<bool>>,
    pub bill_fixed_charges_monthly: Option<Option<bool>>,
    pub tax_codes: Option<Vec<String>>,
    /// `Some(None)`: null (deletes the metadata on update).
    pub metadata: Option<Option<PlanMetadata>>,
    /// `Some(None)`: null (deletes the commitment on update).
    pub minimum_commitment: Option<Option<MinimumCommitmentInput>>,
    pub usage_thresholds: Option<Vec<UsageThresholdInput>>,
    pub charges: Option<Vec<ChargeInput>>,
}

/// Validates usage thresholds: each needs a positive amount.
///
/// # Errors
/// `usage_thresholds[i].amount_cents: value_is_mandatory | value_is_out_of_range` for the first
/// invalid threshold.
pub fn validate_usage_thresholds(thresholds: &[UsageThresholdInput]) -> Result<(), ValidationErrors> {
    for (index, threshold) in thresholds.iter().enumerate() {
        let field = || format!("usage_thresholds[{index}].amount_cents");
        match threshold.amount_cents {
            None => return Err(ValidationErrors::single(field(), ErrorCode::ValueIsMandatory)),
            Some(amount) if amount <= 0 => {
                return Err(ValidationErrors::single(field(), ErrorCode::Named("value_is_out_of_range")));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Where a plan's minimum commitment amount sits in its input.
const COMMITMENT_AMOUNT: &str = "minimum_commitment.amount_cents";

/// Validates the amount of a minimum commitment to create or update: the one given, else the
/// stored one (`None` for a new commitment).
///
/// # Errors
/// `minimum_commitment.amount_cents: value_is_mandatory | value_is_out_of_range`.
pub fn validate_minimum_commitment(
    commitment: &MinimumCommitmentInput,
    stored_amount_cents: Option<i64>,
) -> Result<i64, ValidationErrors> {
    match commitment.amount_cents.unwrap_or(stored_amount_cents) {
        None => Err(ValidationErrors::single(COMMITMENT_AMOUNT, ErrorCode::ValueIsMandatory)),
        Some(amount) if amount < 0 => {
            Err(ValidationErrors::single(COMMITMENT_AMOUNT, ErrorCode::Named("value_is_out_of_range")))
        }
        Some(amount) => Ok(amount),
    }
}
