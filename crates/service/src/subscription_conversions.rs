//! Conversions between the SubscriptionService messages and domain subscriptions. Proto ->
//! domain destructures every message, so that a new field is a compile error here until it is
//! handled.

use entitlements::v1 as pb;
use entitlements_domain::{
    BillingTime, EnumInput, Error, OnTerminationCreditNote, OnTerminationInvoice, Subscription,
    SubscriptionCreateInput, SubscriptionListFilters, SubscriptionStatus, SubscriptionUpdateInput,
    TerminationInput,
};

use crate::entitlement_conversions::subscription_entitlement_to_pb;
use crate::feature_conversions::{nullable, timestamp};
use crate::plan_conversions::plan_to_pb;

/// The request's subscription, or Lago's 400 when it carries none.
pub(crate) fn create_input_from_pb(
    subscription: Option<pb::CreateSubscriptionInput>,
) -> Result<SubscriptionCreateInput, Error> {
    let pb::CreateSubscriptionInput {
        external_customer_id,
        plan_code,
        external_id,
        name,
        subscription_at,
        ending_at,
        billing_time,
        billing_entity_code,
        plan_overrides,
        progressive_billing_disabled,
        consolidate_invoice,
        purchase_order_number,
    } = subscription.ok_or_else(|| Error::missing_param("subscription"))?;
    Ok(SubscriptionCreateInput {
        external_customer_id,
        plan_code,
        external_id,
        name,
        subscription_at,
        ending_at: ending_at.map(nullable),
        billing_time: billing_time.map(billing_time_from_pb),
        billing_entity_code,
        plan_overrides,
        progressive_billing_disabled,
        consolidate_invoice,
        purchase_order_number,
    })
}

/// The request's changes, or Lago's 400 when it carries none.
pub(crate) fn update_input_from_pb(
    subscription: Option<pb::UpdateSubscriptionInput>,
) -> Result<SubscriptionUpdateInput, Error> {
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
        plan_overrides,
    } = subscription.ok_or_else(|| Error::missing_param("subscription"))?;
    Ok(SubscriptionUpdateInput {
        name: name.map(nullable),
        subscription_at,
        ending_at: ending_at.map(nullable),
        on_termination_credit_note: on_termination_credit_note.map(credit_note_from_pb),
        on_termination_invoice: on_termination_invoice.map(invoice_from_pb),
        progressive_billing_disabled,
        consolidate_invoice,
        purchase_order_number: purchase_order_number.map(nullable),
        billing_entity_code,
        plan_overrides,
    })
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

/// The list request's filters (pagination aside), as raw values for the domain to read, and
/// whether the customer must exist.
pub(crate) fn list_filters_from_pb(request: pb::ListSubscriptionsRequest) -> (SubscriptionListFilters, bool) {
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
        customer_must_exist,
    } = request;
    let filters = SubscriptionListFilters {
        external_customer_id,
        plan_code,
        statuses,
        external_id,
        currency,
        overridden,
        billing_entity_codes,
    };
    (filters, customer_must_exist)
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
        downgrade_plan_date: downgrade_plan_date.map(|date| date.format("%Y-%m-%d").to_string()),
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
    }
}
