//! Lago's subscription object (`V1::SubscriptionSerializer`), keys in Lago's order: the base
//! keys, then `entitlements`, `payment_method`, `plan`, `applicable_usage_thresholds` and
//! `applied_invoice_custom_sections` where the route includes them, then `activation_rules`.
//! Payment methods, invoice custom sections and activation rules are out of scope: their keys
//! always show Lago's defaults.

use chrono::{DateTime, SecondsFormat};
use entitlements::google::r#type::Date;
use entitlements::v1 as pb;
use serde_json::{Map, Value, json};

use crate::entitlement_json::subscription_entitlement_to_json;
use crate::lago_json::timestamp;
use crate::plans::plan_json::{PlanView, applicable_usage_thresholds_to_json, plan_to_json};

/// What a route (or a webhook) includes in the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubscriptionView {
    /// POST and GET of one subscription: everything, entitlements included.
    Full,
    /// PUT: the plan and thresholds, no entitlements.
    Updated,
    /// DELETE: the plan, no thresholds, no entitlements.
    Terminated,
    /// The list: no includes.
    ListItem,
    /// A webhook: the customer, the entitlements (`started` and `updated` only) and the plan; no
    /// thresholds or invoice custom sections.
    Webhook { entitlements: bool },
}

pub(super) fn subscription_to_json(subscription: &pb::Subscription, view: SubscriptionView) -> Value {
    subscription_object(subscription, view, None)
}

/// The subscription of a webhook, with its customer (already rendered).
pub(crate) fn webhook_subscription_to_json(
    subscription: &pb::Subscription,
    customer: Value,
    entitlements: bool,
) -> Value {
    subscription_object(subscription, SubscriptionView::Webhook { entitlements }, Some(customer))
}

fn subscription_object(
    subscription: &pb::Subscription,
    view: SubscriptionView,
    customer: Option<Value>,
) -> Value {
    let plan = subscription.plan.clone().unwrap_or_default();
    let period = subscription.current_billing_period.as_ref();
    let mut object = Map::new();
    let mut put = |key: &str, value: Value| {
        object.insert(key.to_owned(), value);
    };
    put("lago_id", json!(subscription.id));
    put("external_id", json!(subscription.external_id));
    put("lago_customer_id", json!(subscription.customer_id));
    put("external_customer_id", json!(subscription.external_customer_id));
    put("name", json!(subscription.name));
    put("plan_code", json!(plan.code));
    put("plan_amount_cents", json!(plan.amount_cents));
    put("plan_amount_currency", json!(plan.amount_currency));
    put("status", json!(status_name(subscription.status())));
    put("billing_time", json!(billing_time_name(subscription.billing_time())));
    put("subscription_at", timestamp(subscription.subscription_at.as_ref()));
    put("started_at", milliseconds(subscription.started_at.as_ref()));
    put("trial_ended_at", timestamp(subscription.trial_ended_at.as_ref()));
    put("ending_at", timestamp(subscription.ending_at.as_ref()));
    put("terminated_at", timestamp(subscription.terminated_at.as_ref()));
    put("canceled_at", timestamp(subscription.canceled_at.as_ref()));
    put("created_at", timestamp(subscription.created_at.as_ref()));
    put("previous_plan_code", json!(subscription.previous_plan_code));
    put("next_plan_code", json!(subscription.next_plan_code));
    put("downgrade_plan_date", date(subscription.downgrade_plan_date.as_ref()));
    put("current_billing_period_started_at", timestamp(period.and_then(|period| period.started_at.as_ref())));
    put("current_billing_period_ending_at", timestamp(period.and_then(|period| period.ending_at.as_ref())));
    put(
        "on_termination_credit_note",
        json!(
            subscription
                .on_termination_credit_note
                .map(|_| credit_note_name(subscription.on_termination_credit_note()))
        ),
    );
    put("on_termination_invoice", json!(invoice_name(subscription.on_termination_invoice())));
    put("progressive_billing_disabled", json!(subscription.progressive_billing_disabled));
    put("consolidate_invoice", json!(subscription.consolidate_invoice));
    put("purchase_order_number", json!(subscription.purchase_order_number));
    put("cancellation_reason", Value::Null);
    put("activated_at", timestamp(subscription.started_at.as_ref()));
    if let Some(customer) = customer {
        put("customer", customer);
    }
    if matches!(view, SubscriptionView::Full | SubscriptionView::Webhook { entitlements: true }) {
        put(
            "entitlements",
            Value::Array(subscription.entitlements.iter().map(subscription_entitlement_to_json).collect()),
        );
    }
    put("payment_method", json!({"payment_method_id": null, "payment_method_type": "provider"}));
    if view != SubscriptionView::ListItem {
        put("plan", plan_to_json(&plan, PlanView::InSubscription));
    }
    if matches!(view, SubscriptionView::Full | SubscriptionView::Updated) {
        put("applicable_usage_thresholds", applicable_usage_thresholds_to_json(&plan));
    }
    if matches!(view, SubscriptionView::Full | SubscriptionView::Updated | SubscriptionView::Terminated) {
        put("applied_invoice_custom_sections", json!([]));
    }
    put("activation_rules", json!([]));
    Value::Object(object)
}

/// A calendar date as Lago writes it, `YYYY-MM-DD`.
fn date(date: Option<&Date>) -> Value {
    date.map_or(Value::Null, |Date { year, month, day }| json!(format!("{year:04}-{month:02}-{day:02}")))
}

/// `started_at` is the one timestamp Lago renders with milliseconds (`iso8601(3)`).
fn milliseconds(timestamp: Option<&prost_types::Timestamp>) -> Value {
    timestamp
        .and_then(|timestamp| {
            DateTime::from_timestamp(timestamp.seconds, u32::try_from(timestamp.nanos).ok()?)
        })
        .map(|instant| Value::String(instant.to_rfc3339_opts(SecondsFormat::Millis, true)))
        .unwrap_or(Value::Null)
}

fn status_name(status: pb::SubscriptionStatus) -> &'static str {
    match status {
        pb::SubscriptionStatus::Pending | pb::SubscriptionStatus::Unspecified => "pending",
        pb::SubscriptionStatus::Active => "active",
        pb::SubscriptionStatus::Terminated => "terminated",
        pb::SubscriptionStatus::Canceled => "canceled",
    }
}

fn billing_time_name(billing_time: pb::BillingTime) -> &'static str {
    match billing_time {
        pb::BillingTime::Calendar | pb::BillingTime::Unspecified => "calendar",
        pb::BillingTime::Anniversary => "anniversary",
    }
}

fn credit_note_name(choice: pb::OnTerminationCreditNote) -> &'static str {
    match choice {
        pb::OnTerminationCreditNote::Credit | pb::OnTerminationCreditNote::Unspecified => "credit",
        pb::OnTerminationCreditNote::Skip => "skip",
        pb::OnTerminationCreditNote::Refund => "refund",
        pb::OnTerminationCreditNote::Offset => "offset",
    }
}

fn invoice_name(choice: pb::OnTerminationInvoice) -> &'static str {
    match choice {
        pb::OnTerminationInvoice::Generate | pb::OnTerminationInvoice::Unspecified => "generate",
        pb::OnTerminationInvoice::Skip => "skip",
    }
}
