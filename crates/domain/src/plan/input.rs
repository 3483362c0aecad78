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

/// A minimum commitment as a client sent it; every field absent means "remove it" on update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MinimumCommitmentInput {
    pub amount_cents: Option<i64>,
    pub invoice_display_name: Option<String>,
    pub tax_codes: Option<Vec<String>>,
}

impl MinimumCommitmentInput {
    /// Lago's `{}`: on update it deletes the commitment.
    pub fn is_empty(&self) -> bool {
        self.amount_cents.is_none() && self.invoice_display_name.is_none() && self.tax_codes.is_none()
    }
}

/// A plan as a client sent it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanInput {
    pub name: Option<String>,
    pub code: Option<String>,
    /// `Some(None)`: null or a value that is not a string.
    pub interval: Option<Option<String>>,
    pub amount_cents: Option<i64>,
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
    pub minimum_commitment: Option<MinimumCommitmentInput>,
    pub usage_thresholds: Option<Vec<UsageThresholdInput>>,
    pub charges: Option<Vec<ChargeInput>>,
}

/// Validates usage thresholds: each needs a positive amount.
///
/// # Errors
/// `amount_cents: value_is_mandatory | value_is_out_of_range` for the first invalid threshold.
pub fn validate_usage_thresholds(thresholds: &[UsageThresholdInput]) -> Result<(), ValidationErrors> {
    for threshold in thresholds {
        match threshold.amount_cents {
            None => return Err(ValidationErrors::single("amount_cents", ErrorCode::ValueIsMandatory)),
            Some(amount) if amount <= 0 => {
                return Err(ValidationErrors::single(
                    "amount_cents",
                    ErrorCode::Named("value_is_out_of_range"),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Validates a minimum commitment to create or update.
///
/// # Errors
/// `amount_cents: value_is_mandatory | value_is_out_of_range`.
pub fn validate_minimum_commitment(commitment: &MinimumCommitmentInput) -> Result<i64, ValidationErrors> {
    match commitment.amount_cents {
        None => Err(ValidationErrors::single("amount_cents", ErrorCode::ValueIsMandatory)),
        Some(amount) if amount < 0 => {
            Err(ValidationErrors::single("amount_cents", ErrorCode::Named("value_is_out_of_range")))
        }
        Some(amount) => Ok(amount),
    }
}
