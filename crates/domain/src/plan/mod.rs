//! Plans: what a subscription pays for. Validation of a plan's own attributes (Lago's `Plan`
//! model and `Plans::CreateService`/`UpdateService` rules); charges, taxes and thresholds are
//! validated by their own modules and resolved by the store.

pub(crate) mod input;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::charge::ChargeSettings;
use crate::currency::CURRENCIES;
use crate::entitlement::PlanEntitlement;
use crate::ids::{BillableMetricId, ChargeId, PlanId};
use crate::plan::input::PlanInput;
use crate::tax::Tax;
use crate::validation::{ErrorCode, ValidationErrors};

/// Limits of a plan's metadata (`Metadata::ItemMetadata`).
const METADATA_MAX_KEYS: usize = 50;
const METADATA_KEY_MAX_LENGTH: usize = 100;
const METADATA_VALUE_MAX_LENGTH: usize = 255;

/// How often a plan bills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanInterval {
    Weekly,
    Monthly,
    Yearly,
    Quarterly,
    Semiannual,
}

impl PlanInterval {
    pub const ALL: [Self; 5] = [Self::Weekly, Self::Monthly, Self::Yearly, Self::Quarterly, Self::Semiannual];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Yearly => "yearly",
            Self::Quarterly => "quarterly",
            Self::Semiannual => "semiannual",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|interval| interval.as_str() == text)
    }

    /// Only yearly and semiannual plans may bill their charges monthly.
    fn allows_monthly_charge_billing(self) -> bool {
        matches!(self, Self::Yearly | Self::Semiannual)
    }
}

/// A plan's own attributes, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanAttributes {
    pub code: String,
    pub name: String,
    pub invoice_display_name: Option<String>,
    pub description: Option<String>,
    pub interval: PlanInterval,
    pub amount_cents: i64,
    pub amount_currency: String,
    /// Days; Lago stores a float.
    pub trial_period: Option<f64>,
    pub pay_in_advance: bool,
    pub bill_charges_monthly: Option<bool>,
    pub bill_fixed_charges_monthly: Option<bool>,
}

/// A progressive-billing threshold of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageThreshold {
    pub id: Uuid,
    pub amount_cents: i64,
    pub threshold_display_name: Option<String>,
    pub recurring: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The minimum a subscription pays per period.
#[derive(Debug, Clone, PartialEq)]
pub struct MinimumCommitment {
    pub id: Uuid,
    pub amount_cents: i64,
    pub invoice_display_name: Option<String>,
    pub taxes: Vec<Tax>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A charge of a plan as stored, with what its JSON shows of its metric and taxes.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanCharge {
    pub id: ChargeId,
    pub billable_metric_id: BillableMetricId,
    pub billable_metric_code: String,
    pub settings: ChargeSettings,
    /// The ids of `settings.filters`, in the same order.
    pub filter_ids: Vec<Uuid>,
    pub taxes: Vec<Tax>,
    pub created_at: DateTime<Utc>,
}

/// Key -> value (null allowed), in the client's order.
pub type PlanMetadata = Vec<(String, Option<String>)>;

/// A plan with everything Lago's plan object shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub id: PlanId,
    pub attributes: PlanAttributes,
    pub pending_deletion: bool,
    pub charges: Vec<PlanCharge>,
    pub taxes: Vec<Tax>,
    pub usage_thresholds: Vec<UsageThreshold>,
    pub minimum_commitment: Option<MinimumCommitment>,
    /// `None` when the plan has no metadata record (the JSON key is then absent).
    pub metadata: Option<PlanMetadata>,
    /// The features the plan grants, in creation order.
    pub entitlements: Vec<PlanEntitlement>,
    pub created_at: DateTime<Utc>,
}

/// Validates a plan's attributes: `current` is `None` on create (required fields must be given)
/// and the stored plan on update (absent fields keep their value). `code_taken` says whether
/// another plan that is not deleted has the resulting code.
///
/// # Errors
/// Lago's fields in order: `name`, `code`, `interval`, `amount_cents`, `amount_currency`,
/// `pay_in_advance`, then `metadata`.
pub fn validate_plan_attributes(
    input: &PlanInput,
    current: Option<&PlanAttributes>,
    code_taken: bool,
) -> Result<PlanAttributes, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let name = input.name.clone().or_else(|| current.map(|plan| plan.name.clone())).unwrap_or_default();
    if name.trim().is_empty() {
        errors.add("name", ErrorCode::ValueIsMandatory);
    }
    let code = input.code.clone().or_else(|| current.map(|plan| plan.code.clone())).unwrap_or_default();
    if code.trim().is_empty() {
        errors.add("code", ErrorCode::ValueIsMandatory);
    } else if code_taken {
        errors.add("code", ErrorCode::ValueAlreadyExist);
    }
    let interval = match (&input.interval, current) {
        (Some(interval), _) => interval.as_deref().and_then(PlanInterval::parse),
        (None, Some(plan)) => Some(plan.interval),
        (None, None) => None,
    };
    if interval.is_none() {
        errors.add("interval", ErrorCode::ValueIsInvalid);
    }
    let amount_cents = match (input.amount_cents, current) {
        (Some(amount_cents), _) => amount_cents,
        (None, Some(plan)) => Some(plan.amount_cents),
        (None, None) => None,
    };
    if amount_cents.is_none() {
        errors.add("amount_cents", ErrorCode::ValueIsMandatory);
    }
    let amount_currency = match (&input.amount_currency, current) {
        (Some(currency), _) => currency.clone().filter(|currency| CURRENCIES.contains(&currency.as_str())),
        (None, Some(plan)) => Some(plan.amount_currency.clone()),
        (None, None) => None,
    };
    if amount_currency.is_none() {
        errors.add("amount_currency", ErrorCode::ValueIsInvalid);
    }
    let pay_in_advance = match (input.pay_in_advance, current) {
        (Some(pay_in_advance), _) => pay_in_advance,
        (None, Some(plan)) => Some(plan.pay_in_advance),
        (None, None) => None,
    };
    if pay_in_advance.is_none() {
        errors.add("pay_in_advance", ErrorCode::ValueIsInvalid);
    }
    if let Some(Some(metadata)) = &input.metadata {
        check_metadata(&mut errors, metadata);
    }
    let (Some(interval), Some(amount_cents), Some(amount_currency), Some(pay_in_advance), true) =
        (interval, amount_cents, amount_currency, pay_in_advance, errors.is_empty())
    else {
        return Err(errors);
    };
    let monthly_billing = |given: Option<Option<bool>>, stored: Option<Option<bool>>| {
        interval.allows_monthly_charge_billing().then(|| given.or(stored).flatten().unwrap_or(false))
    };
    Ok(PlanAttributes {
        bill_charges_monthly: monthly_billing(
            input.bill_charges_monthly,
            current.map(|plan| plan.bill_charges_monthly),
        ),
        bill_fixed_charges_monthly: monthly_billing(
            input.bill_fixed_charges_monthly,
            current.map(|plan| plan.bill_fixed_charges_monthly),
        ),
        code,
        name,
        invoice_display_name: merged(
            &input.invoice_display_name,
            current.map(|plan| &plan.invoice_display_name),
        ),
        description: merged(&input.description, current.map(|plan| &plan.description)),
        interval,
        amount_cents,
        amount_currency,
        trial_period: match (input.trial_period, current) {
            (Some(trial_period), _) => trial_period,
            (None, Some(plan)) => plan.trial_period,
            (None, None) => None,
        },
        pay_in_advance,
    })
}

/// A nullable field of a partial update: the given value (null included), else the stored one.
fn merged(given: &Option<Option<String>>, stored: Option<&Option<String>>) -> Option<String> {
    match (given, stored) {
        (Some(value), _) => value.clone(),
        (None, Some(value)) => value.clone(),
        (None, None) => None,
    }
}

fn check_metadata(errors: &mut ValidationErrors, metadata: &PlanMetadata) {
    if metadata.len() > METADATA_MAX_KEYS {
        errors.add("metadata", ErrorCode::Named("too_many_keys"));
    }
    let too_long = metadata.iter().any(|(key, value)| {
        key.chars().count() > METADATA_KEY_MAX_LENGTH
            || value.as_ref().is_some_and(|value| value.chars().count() > METADATA_VALUE_MAX_LENGTH)
    });
    if too_long {
        errors.add("metadata", ErrorCode::ValueIsTooLong);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create_input() -> PlanInput {
        PlanInput {
            name: Some("Startup".into()),
            code: Some("startup".into()),
            interval: Some(Some("monthly".into())),
            amount_cents: Some(Some(1000)),
            amount_currency: Some(Some("USD".into())),
            pay_in_advance: Some(Some(true)),
            ..PlanInput::default()
        }
    }

    fn errors(result: Result<PlanAttributes, ValidationErrors>) -> String {
        result.expect_err("invalid plan").to_string()
    }

    #[test]
    fn required_fields_in_lago_order() {
        assert_eq!(
            errors(validate_plan_attributes(&PlanInput::default(), None, false)),
            "name: value_is_mandatory, code: value_is_mandatory, interval: value_is_invalid, \
             amount_cents: value_is_mandatory, amount_currency: value_is_invalid, pay_in_advance: value_is_invalid"
        );
    }

    #[test]
    fn interval_currency_and_code() {
        let mut input = create_input();
        input.interval = Some(Some("daily".into()));
        input.amount_currency = Some(Some("usd".into()));
        assert_eq!(
            errors(validate_plan_attributes(&input, None, true)),
            "code: value_already_exist, interval: value_is_invalid, amount_currency: value_is_invalid"
        );
    }

    #[test]
    fn monthly_charge_billing_only_for_yearly_and_semiannual() {
        let mut input = create_input();
        input.bill_charges_monthly = Some(Some(true));
        assert_eq!(validate_plan_attributes(&input, None, false).expect("valid").bill_charges_monthly, None);
        input.interval = Some(Some("yearly".into()));
        let yearly = validate_plan_attributes(&input, None, false).expect("valid");
        assert_eq!(
            (yearly.bill_charges_monthly, yearly.bill_fixed_charges_monthly),
            (Some(true), Some(false))
        );
        // An update that omits the interval keeps the stored one (Lago would reset the flag).
        let update = PlanInput { name: Some("Renamed".into()), ..PlanInput::default() };
        assert_eq!(
            validate_plan_attributes(&update, Some(&yearly), false).expect("valid").bill_charges_monthly,
            Some(true)
        );
    }

    #[test]
    fn metadata_limits() {
        let mut input = create_input();
        input.metadata = Some(Some((0..51).map(|index| (format!("k{index}"), None)).collect()));
        assert_eq!(errors(validate_plan_attributes(&input, None, false)), "metadata: too_many_keys");
        input.metadata = Some(Some(vec![("k".into(), Some("v".repeat(256)))]));
        assert_eq!(errors(validate_plan_attributes(&input, None, false)), "metadata: value_is_too_long");
    }
}
