//! Conversions between the SubscriptionService messages and domain subscriptions. Proto ->
//! domain destructures every message, so that a new field is a compile error here until it is
//! handled.

use chrono::{DateTime, Datelike, NaiveDate};
use entitlements::google::r#type::Date;
use entitlements::v1 as pb;
use entitlements_domain::{
    BillingTime, EnumInput, Error, InstantInput, InvalidInstant, OnTerminationCreditNote,
    OnTerminationInvoice, Subscription, SubscriptionCreateInput, SubscriptionListFilters, SubscriptionStatus,
    SubscriptionUpdateInput, TerminationInput,
};
use prost_types::FieldMask;

use crate::entitlement_conversions::subscription_entitlement_to_pb;
use crate::feature_conversions::timestamp;
use crate::plan_conversions::plan_to_pb;
use crate::update_mask::{UpdateMask, populated_path};

/// Every path of CreateSubscriptionInput a mask may name.
const CREATE_PATHS: &[&str] = &[
    "external_customer_id",
    "plan_code",
    "external_id",
    "name",
    "subscription_at",
    "ending_at",
    "billing_time",
    "billing_entity_code",
    "progressive_billing_disabled",
    "consolidate_invoice",
    "purchase_order_number",
];

/// Every path of UpdateSubscriptionInput a mask may name (`billing_entity_code` included, which
/// is read whatever the mask says).
const UPDATE_PATHS: &[&str] = &[
    "name",
    "subscription_at",
    "ending_at",
    "on_termination_credit_note",
    "on_termination_invoice",
    "progressive_billing_disabled",
    "consolidate_invoice",
    "purchase_order_number",
    "billing_entity_code",
];

/// The request's subscription, or Lago's 400 when it carries none. The mask decides only what an
/// upgrade or a downgrade inherits (`ending_at`, `consolidate_invoice`).
///
/// # Errors
/// `BadRequest` without a subscription; `Validation` with `update_mask: unknown_field`.
pub(crate) fn create_input_from_pb(
    subscription: Option<pb::CreateSubscriptionInput>,
    update_mask: Option<FieldMask>,
) -> Result<SubscriptionCreateInput, Error> {
    let subscription = subscription.ok_or_else(|| Error::missing_param("subscription"))?;
    let mask = UpdateMask::read(update_mask, CREATE_PATHS, || {
        [
            populated_path("ending_at", subscription.ending_at.is_some()),
            populated_path("consolidate_invoice", subscription.consolidate_invoice.is_some()),
        ]
        .into_iter()
        .flatten()
        .collect()
    })?;
    let pb::CreateSubscriptionInput {
        external_customer_id,
        plan_code,
        external_id,
        name,
        subscription_at,
        ending_at,
        billing_time,
        billing_entity_code,
        progressive_billing_disabled,
        consolidate_invoice,
        purchase_order_number,
    } = subscription;
    Ok(SubscriptionCreateInput {
        external_customer_id,
        plan_code,
        external_id,
        name,
        subscription_at: subscription_at.map(instant_from_pb),
        ending_at: mask.field("ending_at", ending_at.map(instant_from_pb)),
        billing_time: billing_time.map(billing_time_from_pb),
        billing_entity_code: Some(billing_entity_code),
        progressive_billing_disabled,
        consolidate_invoice: mask
            .contains("consolidate_invoice")
            .then(|| consolidate_invoice.unwrap_or(true)),
        purchase_order_number,
    })
}

/// The request's changes, as its mask says, or Lago's 400 when it carries none.
///
/// # Errors
/// `BadRequest` without a subscription; `Validation` with `update_mask: unknown_field`.
pub(crate) fn update_input_from_pb(
    subscription: Option<pb::UpdateSubscriptionInput>,
    update_mask: Option<FieldMask>,
) -> Result<SubscriptionUpdateInput, Error> {
    let subscription = subscription.ok_or_else(|| Error::missing_param("subscription"))?;
    let mask = UpdateMask::read(update_mask, UPDATE_PATHS, || populated_update_paths(&subscription))?;
    let pb::UpdateSubscriptionInput {
        name,
        subscription_at,
        ending_at,
        on_termination_credit_note,
        on_termination_invoice,
        progressive_billing_disabled,
        consolidate_invoice,
        purchase_order_number,
        billing_entity_code,
    } = subscription;
    Ok(SubscriptionUpdateInput {
        name: mask.field("name", name),
        subscription_at: mask.field("subscription_at", subscription_at.map(instant_from_pb)),
        ending_at: mask.field("ending_at", ending_at.map(instant_from_pb)),
        on_termination_credit_note: mask
            .field("on_termination_credit_note", on_termination_credit_note)
            .map(|number| number.map_or(EnumInput::Null, credit_note_from_pb)),
        on_termination_invoice: mask
            .field("on_termination_invoice", on_termination_invoice)
            .map(|number| number.map_or(EnumInput::Null, invoice_from_pb)),
        progressive_billing_disabled: mask
            .field("progressive_billing_disabled", progressive_billing_disabled)
            .map(|disabled| disabled.unwrap_or(false)),
        consolidate_invoice: mask
            .field("consolidate_invoice", consolidate_invoice)
            .map(|consolidate| consolidate.unwrap_or(true)),
        purchase_order_number: mask.field("purchase_order_number", purchase_order_number),
        billing_entity_code: Some(billing_entity_code),
    })
}

/// The implied mask of an update: the fields the client set.
fn populated_update_paths(subscription: &pb::UpdateSubscriptionInput) -> Vec<&'static str> {
    let pb::UpdateSubscriptionInput {
        name,
        subscription_at,
        ending_at,
        on_termination_credit_note,
        on_termination_invoice,
        progressive_billing_disabled,
        consolidate_invoice,
        purchase_order_number,
        billing_entity_code: _,
    } = subscription;
    [
        populated_path("name", name.is_some()),
        populated_path("subscription_at", subscription_at.is_some()),
        populated_path("ending_at", ending_at.is_some()),
        populated_path("on_termination_credit_note", on_termination_credit_note.is_some()),
        populated_path("on_termination_invoice", on_termination_invoice.is_some()),
        populated_path("progressive_billing_disabled", progressive_billing_disabled.is_some()),
        populated_path("consolidate_invoice", consolidate_invoice.is_some()),
        populated_path("purchase_order_number", purchase_order_number.is_some()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A Timestamp as an instant; one no `DateTime` holds (nanos out of range, years beyond
/// chrono's) is `invalid_date`.
fn instant_from_pb(timestamp: prost_types::Timestamp) -> InstantInput {
    let prost_types::Timestamp { seconds, nanos } = timestamp;
    u32::try_from(nanos)
        .ok()
        .filter(|nanos| *nanos < 1_000_000_000)
        .and_then(|nanos| DateTime::from_timestamp(seconds, nanos))
        .ok_or(InvalidInstant)
}

/// A requested status: UNSPECIFIED is none given; a number outside the enum is unknown.
pub(crate) fn status_from_pb(number: i32) -> EnumInput<SubscriptionStatus> {
    match pb::SubscriptionStatus::try_from(number) {
        Ok(pb::SubscriptionStatus::Unspecified) => EnumInput::Null,
        Ok(pb::SubscriptionStatus::Pending) => EnumInput::Known(SubscriptionStatus::Pending),
        Ok(pb::SubscriptionStatus::Active) => EnumInput::Known(SubscriptionStatus::Active),
        Ok(pb::SubscriptionStatus::Terminated) => EnumInput::Known(SubscriptionStatus::Terminated),
        Ok(pb::SubscriptionStatus::Canceled) => EnumInput::Known(SubscriptionStatus::Canceled),
        Err(_) => EnumInput::Unknown,
    }
}

pub(crate) fn termination_input_from_pb(
    on_termination_credit_note: Option<i32>,
    on_termination_invoice: Option<i32>,
) -> TerminationInput {
    TerminationInput {
        on_termination_credit_note: on_termination_credit_note.map(credit_note_from_pb),
        on_termination_invoice: on_termination_invoice.map(invoice_from_pb),
    }
}

/// The list request's filters (pagination aside), for the domain to read. A status that names
/// none (UNSPECIFIED, or a number outside the enum) matches nothing.
pub(crate) fn list_filters_from_pb(request: pb::ListSubscriptionsRequest) -> SubscriptionListFilters {
    let pb::ListSubscriptionsRequest {
        page: _,
        per_page: _,
        external_customer_id,
        plan_code,
        statuses,
        external_id,
        currency,
        overridden,
        billing_entity_codes,
    } = request;
    SubscriptionListFilters {
        external_customer_id,
        plan_code,
        statuses: statuses
            .into_iter()
            .map(|number| match status_from_pb(number) {
                EnumInput::Known(status) => Some(status),
                EnumInput::Null | EnumInput::Unknown => None,
            })
            .collect(),
        external_id,
        currency,
        overridden,
        billing_entity_codes,
    }
}

/// UNSPECIFIED is a value given blank; an unknown number one Lago does not know.
fn enum_input<T>(known: Option<Option<T>>) -> EnumInput<T> {
    match known {
        Some(None) => EnumInput::Null,
        Some(Some(value)) => EnumInput::Known(value),
        None => EnumInput::Unknown,
    }
}

fn billing_time_from_pb(number: i32) -> EnumInput<BillingTime> {
    enum_input(pb::BillingTime::try_from(number).ok().map(|billing_time| match billing_time {
        pb::BillingTime::Unspecified => None,
        pb::BillingTime::Calendar => Some(BillingTime::Calendar),
        pb::BillingTime::Anniversary => Some(BillingTime::Anniversary),
    }))
}

fn credit_note_from_pb(number: i32) -> EnumInput<OnTerminationCreditNote> {
    use pb::OnTerminationCreditNote as Pb;
    enum_input(pb::OnTerminationCreditNote::try_from(number).ok().map(|choice| match choice {
        Pb::Unspecified => None,
        Pb::Credit => Some(OnTerminationCreditNote::Credit),
        Pb::Skip => Some(OnTerminationCreditNote::Skip),
        Pb::Refund => Some(OnTerminationCreditNote::Refund),
        Pb::Offset => Some(OnTerminationCreditNote::Offset),
    }))
}

fn invoice_from_pb(number: i32) -> EnumInput<OnTerminationInvoice> {
    enum_input(pb::OnTerminationInvoice::try_from(number).ok().map(|choice| match choice {
        pb::OnTerminationInvoice::Unspecified => None,
        pb::OnTerminationInvoice::Generate => Some(OnTerminationInvoice::Generate),
        pb::OnTerminationInvoice::Skip => Some(OnTerminationInvoice::Skip),
    }))
}

/// A calendar date as `google.type.Date` (chrono's month and day fit an i32).
fn date_to_pb(date: NaiveDate) -> Date {
    Date {
        year: date.year(),
        month: i32::try_from(date.month()).unwrap_or_default(),
        day: i32::try_from(date.day()).unwrap_or_default(),
    }
}

fn status_to_pb(status: SubscriptionStatus) -> pb::SubscriptionStatus {
    match status {
        SubscriptionStatus::Pending => pb::SubscriptionStatus::Pending,
        SubscriptionStatus::Active => pb::SubscriptionStatus::Active,
        SubscriptionStatus::Terminated => pb::SubscriptionStatus::Terminated,
        SubscriptionStatus::Canceled => pb::SubscriptionStatus::Canceled,
    }
}

fn billing_time_to_pb(billing_time: BillingTime) -> pb::BillingTime {
    match billing_time {
        BillingTime::Calendar => pb::BillingTime::Calendar,
        BillingTime::Anniversary => pb::BillingTime::Anniversary,
    }
}

fn credit_note_to_pb(choice: OnTerminationCreditNote) -> pb::OnTerminationCreditNote {
    match choice {
        OnTerminationCreditNote::Credit => pb::OnTerminationCreditNote::Credit,
        OnTerminationCreditNote::Skip => pb::OnTerminationCreditNote::Skip,
        OnTerminationCreditNote::Refund => pb::OnTerminationCreditNote::Refund,
        OnTerminationCreditNote::Offset => pb::OnTerminationCreditNote::Offset,
    }
}

fn invoice_to_pb(choice: OnTerminationInvoice) -> pb::OnTerminationInvoice {
    match choice {
        OnTerminationInvoice::Generate => pb::OnTerminationInvoice::Generate,
        OnTerminationInvoice::Skip => pb::OnTerminationInvoice::Skip,
    }
}

pub(crate) fn subscription_to_pb(subscription: Subscription) -> pb::Subscription {
    let Subscription {
        id,
        external_id,
        customer_id,
        external_customer_id,
        name,
        plan,
        status,
        billing_time,
        subscription_at,
        started_at,
        ending_at,
        terminated_at,
        canceled_at,
        trial_ended_at,
        created_at,
        previous_plan_code,
        next_plan_code,
        downgrade_plan_date,
        current_billing_period,
        on_termination_credit_note,
        on_termination_invoice,
        progressive_billing_disabled,
        consolidate_invoice,
        purchase_order_number,
        entitlements,
    } = subscription;
    pb::Subscription {
        id: id.to_string(),
        external_id,
        customer_id: customer_id.to_string(),
        external_customer_id,
        name,
        plan: Some(plan_to_pb(plan)),
        status: status_to_pb(status).into(),
        billing_time: billing_time_to_pb(billing_time).into(),
        subscription_at: Some(timestamp(subscription_at)),
        started_at: started_at.map(timestamp),
        ending_at: ending_at.map(timestamp),
        terminated_at: terminated_at.map(timestamp),
        canceled_at: canceled_at.map(timestamp),
        created_at: Some(timestamp(created_at)),
        previous_plan_code,
        next_plan_code,
        downgrade_plan_date: downgrade_plan_date.map(date_to_pb),
        current_billing_period: current_billing_period.map(|period| pb::BillingPeriod {
            started_at: Some(timestamp(period.started_at)),
            ending_at: Some(timestamp(period.ending_at)),
        }),
        on_termination_credit_note: on_termination_credit_note.map(|choice| credit_note_to_pb(choice).into()),
        on_termination_invoice: invoice_to_pb(on_termination_invoice).into(),
        progressive_billing_disabled,
        consolidate_invoice,
        purchase_order_number,
        entitlements: entitlements
            .unwrap_or_default()
            .into_iter()
            .map(subscription_entitlement_to_pb)
            .collect(),
        trial_ended_at: trial_ended_at.map(timestamp),
    }
}
