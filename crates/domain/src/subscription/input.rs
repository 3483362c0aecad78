//! Subscription requests as clients send them (Lago's `POST`, `PUT` and `DELETE
//! /subscriptions`), and the checks Lago makes on them before it needs the database, in its
//! order. Text fields arrive already stringified (Lago turns integer ids into strings); instants
//! arrive parsed (Lago's ISO 8601 reading is the REST gateway's), but may be out of range.

use chrono::{DateTime, Utc};

use crate::billing_period::BillingTime;
use crate::customer::DEFAULT_BILLING_ENTITY_CODE;
use crate::customer::input::TextChange;
use crate::enum_input::EnumInput;
use crate::error::{Error, Resource};
use crate::subscription::{OnTerminationCreditNote, OnTerminationInvoice, SubscriptionStatus};
use crate::validation::{ErrorCode, ValidationErrors, is_blank};

const INVALID_DATE: ErrorCode = ErrorCode::Named("invalid_date");
const INVALID_VALUE: ErrorCode = ErrorCode::Named("invalid_value");

/// An instant a client sent that no `DateTime` can hold (out of range): `invalid_date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidInstant;

/// An instant as a client sent it.
pub type InstantInput = Result<DateTime<Utc>, InvalidInstant>;

/// A change of an instant that may be none: `None` keeps it, `Some(None)` sets none.
pub type InstantChange = Option<Option<InstantInput>>;

/// A subscription to create, as sent to `POST /subscriptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionCreateInput {
    pub external_customer_id: Option<String>,
    pub plan_code: Option<String>,
    pub external_id: Option<String>,
    pub name: Option<String>,
    /// `None` means now.
    pub subscription_at: Option<InstantInput>,
    /// `Some(None)` means no end. Whether it is given matters for upgrades and downgrades, which
    /// inherit the current subscription's otherwise.
    pub ending_at: InstantChange,
    /// `None`: calendar. `Some(Null)`: given blank (`value_is_mandatory`). `Some(Unknown)`:
    /// `value_is_invalid`.
    pub billing_time: Option<EnumInput<BillingTime>>,
    /// Used only for a customer created by this request; only `default` exists.
    pub billing_entity_code: Option<String>,
    pub progressive_billing_disabled: Option<bool>,
    pub consolidate_invoice: Option<bool>,
    pub purchase_order_number: Option<String>,
}

/// A creation request past Lago's first checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRequest {
    /// Stripped, not blank.
    pub external_customer_id: String,
    /// Stripped; blank only fails on the path that creates a new subscription.
    pub external_id: String,
    /// Stripped; `""` when none was given.
    pub name: String,
    pub subscription_at: DateTime<Utc>,
    pub ending_at: Option<DateTime<Utc>>,
    pub ending_at_given: bool,
    pub billing_time: Option<EnumInput<BillingTime>>,
    pub progressive_billing_disabled: bool,
    pub consolidate_invoice: Option<bool>,
    pub purchase_order_number: Option<String>,
}

impl SubscriptionCreateInput {
    /// Lago's controller check, before anything else.
    ///
    /// # Errors
    /// `NotFound(BillingEntity)` for a code other than `default` (blank means the default).
    pub fn check_billing_entity(&self) -> Result<(), Error> {
        check_billing_entity(self.billing_entity_code.as_deref())
    }

    /// Lago's checks once the plan is found, in its order: the dates, then the customer's
    /// external id. (Lago refuses plan overrides in between; they are the REST gateway's.)
    ///
    /// # Errors
    /// `Validation` with `subscription_at` and `ending_at: invalid_date`; `Validation` with
    /// `external_customer_id: value_is_mandatory`.
    pub fn validate(self, now: DateTime<Utc>) -> Result<SubscriptionRequest, Error> {
        let subscription_at = match self.subscription_at {
            None => Some(now),
            Some(instant) => instant.ok(),
        };
        let mut errors = ValidationErrors::new();
        if subscription_at.is_none() {
            errors.add("subscription_at", INVALID_DATE);
        }
        let ending_at = check_ending_at(&mut errors, self.ending_at.flatten(), subscription_at, now);
        errors.into_result()?;
        let external_customer_id = self.external_customer_id.as_deref().map(str::trim).unwrap_or_default();
        if external_customer_id.is_empty() {
            return Err(ValidationErrors::single("external_customer_id", ErrorCode::ValueIsMandatory).into());
        }
        let subscription_at =
            subscription_at.ok_or_else(|| Error::Internal("checked date lost".to_owned()))?;
        Ok(SubscriptionRequest {
            external_customer_id: external_customer_id.to_owned(),
            external_id: self.external_id.as_deref().map(str::trim).unwrap_or_default().to_owned(),
            name: self.name.as_deref().map(str::trim).unwrap_or_default().to_owned(),
            subscription_at,
            ending_at,
            ending_at_given: self.ending_at.is_some(),
            billing_time: self.billing_time,
            progressive_billing_disabled: self.progressive_billing_disabled.unwrap_or(false),
            consolidate_invoice: self.consolidate_invoice,
            purchase_order_number: self.purchase_order_number.as_deref().and_then(purchase_order_number),
        })
    }
}

impl SubscriptionRequest {
    /// The checks of Lago's `Subscription` model, made only when a new subscription (not an
    /// upgrade or a downgrade) is created: an unknown billing time alone (Lago fails to build the
    /// record), else `external_id` and `billing_time` presence.
    ///
    /// # Errors
    /// `billing_time: value_is_invalid`; or `external_id` and `billing_time: value_is_mandatory`.
    pub fn new_subscription_billing_time(&self) -> Result<BillingTime, ValidationErrors> {
        if matches!(self.billing_time, Some(EnumInput::Unknown)) {
            return Err(ValidationErrors::single("billing_time", ErrorCode::ValueIsInvalid));
        }
        let mut errors = ValidationErrors::new();
        if self.external_id.is_empty() {
            errors.add("external_id", ErrorCode::ValueIsMandatory);
        }
        let billing_time = match self.billing_time {
            None => Some(BillingTime::Calendar),
            Some(EnumInput::Known(billing_time)) => Some(billing_time),
            Some(EnumInput::Null | EnumInput::Unknown) => {
                errors.add("billing_time", ErrorCode::ValueIsMandatory);
                None
            }
        };
        errors.into_result()?;
        billing_time.ok_or_else(|| ValidationErrors::single("billing_time", ErrorCode::ValueIsMandatory))
    }
}

/// Changes to a subscription, as sent to `PUT /subscriptions/{external_id}`; absent fields are
/// kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionUpdateInput {
    pub name: TextChange,
    /// `Some(None)` (no date) is `invalid_date`; applied only to a subscription that starts in
    /// the future.
    pub subscription_at: InstantChange,
    /// `Some(None)` removes the end.
    pub ending_at: InstantChange,
    /// `Some(Null)`: given blank.
    pub on_termination_credit_note: Option<EnumInput<OnTerminationCreditNote>>,
    pub on_termination_invoice: Option<EnumInput<OnTerminationInvoice>>,
    pub progressive_billing_disabled: Option<bool>,
    pub consolidate_invoice: Option<bool>,
    pub purchase_order_number: TextChange,
    pub billing_entity_code: Option<String>,
}

/// Validated changes; `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionChanges {
    pub name: Option<Option<String>>,
    pub subscription_at: Option<DateTime<Utc>>,
    pub ending_at: Option<Option<DateTime<Utc>>>,
    /// Given blank clears it; only pay-in-advance plans keep one.
    pub on_termination_credit_note: Option<Option<OnTerminationCreditNote>>,
    pub on_termination_invoice: Option<OnTerminationInvoice>,
    pub progressive_billing_disabled: Option<bool>,
    pub consolidate_invoice: Option<bool>,
    pub purchase_order_number: Option<Option<String>>,
}

/// Lago's code for a purchase order number change on a subscription that has ended.
pub const PURCHASE_ORDER_NUMBER_NOT_EDITABLE: &str = "purchase_order_number_not_editable";

impl SubscriptionUpdateInput {
    /// Lago's first check once the subscription is found: its purchase order number changes only
    /// while it is pending or active (sending the number it has is no change, so it passes).
    ///
    /// # Errors
    /// `NotAllowed(purchase_order_number_not_editable)`.
    pub fn check_purchase_order_number(
        &self,
        current: Option<&str>,
        status: SubscriptionStatus,
    ) -> Result<(), Error> {
        let Some(given) = &self.purchase_order_number else {
            return Ok(());
        };
        let normalized = given.as_deref().and_then(purchase_order_number);
        let editable = matches!(status, SubscriptionStatus::Pending | SubscriptionStatus::Active);
        if normalized.as_deref() != current && !editable {
            return Err(Error::NotAllowed(PURCHASE_ORDER_NUMBER_NOT_EDITABLE));
        }
        Ok(())
    }

    /// Lago's checks of an update, in its order (after the lookup and the purchase order
    /// number check, which need the subscription): the dates and on-termination choices, then
    /// the billing entity. (Lago refuses plan overrides in between; they are the REST
    /// gateway's.) `stored_subscription_at` stands for an absent `subscription_at` in the
    /// `ending_at` check.
    ///
    /// # Errors
    /// `Validation` with `subscription_at`, `ending_at: invalid_date`,
    /// `on_termination_credit_note`, `on_termination_invoice: invalid_value`;
    /// `NotFound(BillingEntity)`.
    pub fn validate(
        self,
        stored_subscription_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<SubscriptionChanges, Error> {
        let mut errors = ValidationErrors::new();
        let subscription_at = match self.subscription_at {
            None => Some(stored_subscription_at),
            Some(instant) => instant.and_then(Result::ok),
        };
        if subscription_at.is_none() {
            errors.add("subscription_at", INVALID_DATE);
        }
        let ending_at = check_ending_at(&mut errors, self.ending_at.flatten(), subscription_at, now);
        let credit_note =
            check_enum(&mut errors, "on_termination_credit_note", self.on_termination_credit_note);
        let invoice = check_enum(&mut errors, "on_termination_invoice", self.on_termination_invoice);
        errors.into_result()?;
        check_billing_entity(self.billing_entity_code.as_deref())?;
        Ok(SubscriptionChanges {
            name: self.name,
            subscription_at: self.subscription_at.and(subscription_at),
            ending_at: self.ending_at.map(|_| ending_at),
            on_termination_credit_note: credit_note,
            on_termination_invoice: invoice.map(|invoice| invoice.unwrap_or_default()),
            progressive_billing_disabled: self.progressive_billing_disabled,
            consolidate_invoice: self.consolidate_invoice,
            purchase_order_number: self
                .purchase_order_number
                .map(|text| text.as_deref().and_then(purchase_order_number)),
        })
    }
}

/// The on-termination choices of `DELETE /subscriptions/{external_id}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerminationInput {
    pub on_termination_credit_note: Option<EnumInput<OnTerminationCreditNote>>,
    pub on_termination_invoice: Option<EnumInput<OnTerminationInvoice>>,
}

/// Validated choices; `None` (absent or blank) falls back to the stored choice, then Lago's
/// defaults (`credit`, `generate`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerminationChoices {
    pub on_termination_credit_note: Option<OnTerminationCreditNote>,
    pub on_termination_invoice: Option<OnTerminationInvoice>,
}

impl TerminationInput {
    /// # Errors
    /// `on_termination_credit_note` and `on_termination_invoice: invalid_value`, in this order.
    pub fn validate(self) -> Result<TerminationChoices, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let credit_note =
            check_enum(&mut errors, "on_termination_credit_note", self.on_termination_credit_note);
        let invoice = check_enum(&mut errors, "on_termination_invoice", self.on_termination_invoice);
        errors.into_result()?;
        Ok(TerminationChoices {
            on_termination_credit_note: credit_note.flatten(),
            on_termination_invoice: invoice.flatten(),
        })
    }
}

/// Lago's purchase order number normalization: stripped, blank is none.
pub fn purchase_order_number(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|text| !text.is_empty())
}

fn check_billing_entity(code: Option<&str>) -> Result<(), Error> {
    if let Some(code) = code.filter(|code| !is_blank(Some(code)) && *code != DEFAULT_BILLING_ENTITY_CODE) {
        return Err(Error::not_found(Resource::BillingEntity, code));
    }
    Ok(())
}

/// Lago's `valid_ending_at?`: no end is fine; otherwise an instant whose UTC date is after
/// today's and after that of `subscription_at`, itself valid. (Lago compares the dates as
/// written, in the offset the client wrote; an instant carries no offset, so UTC stands in.)
fn check_ending_at(
    errors: &mut ValidationErrors,
    ending_at: Option<InstantInput>,
    subscription_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let valid = ending_at?.ok().filter(|ending_at| {
        let date = ending_at.date_naive();
        date > now.date_naive() && subscription_at.is_some_and(|start| date > start.date_naive())
    });
    if valid.is_none() {
        errors.add("ending_at", INVALID_DATE);
    }
    valid
}

/// An enumerated choice: `Some(None)` when given blank, `invalid_value` when unknown.
fn check_enum<T>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<EnumInput<T>>,
) -> Option<Option<T>> {
    match value? {
        EnumInput::Null => Some(None),
        EnumInput::Known(value) => Some(Some(value)),
        EnumInput::Unknown => {
            errors.add(field, INVALID_VALUE);
            None
        }
    }
}

#[cfg(test)]
mod tests;
