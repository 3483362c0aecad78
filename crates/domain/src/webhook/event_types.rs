//! The event type names an endpoint may list in `event_types`: all 75 of Lago's
//! (`config/webhook_event_types.yml`), so that endpoint settings copied from Lago validate, although
//! this service sends only [`super::WebhookEventType`]'s.

/// Every name Lago accepts, in its file's order.
pub const ACCEPTED_EVENT_TYPES: [&str; 75] = [
    "alert.triggered",
    "billable_metric.created",
    "billable_metric.updated",
    "billable_metric.deleted",
    "customer.created",
    "customer.updated",
    "customer.accounting_provider_created",
    "customer.accounting_provider_error",
    "customer.crm_provider_created",
    "customer.crm_provider_error",
    "customer.payment_provider_created",
    "customer.payment_provider_error",
    "customer.checkout_url_generated",
    "customer.tax_provider_error",
    "customer.vies_check",
    "credit_note.created",
    "credit_note.generated",
    "credit_note.provider_refund_failure",
    "dunning_campaign.finished",
    "event.error",
    "events.errors",
    "feature.created",
    "feature.updated",
    "feature.deleted",
    "fee.created",
    "fee.tax_provider_error",
    "subscription.canceled",
    "subscription.incomplete",
    "subscription.terminated",
    "subscription.started",
    "subscription.updated",
    "subscription.termination_alert",
    "subscription.trial_ended",
    "subscription.usage_threshold_reached",
    "invoice.created",
    "invoice.one_off_created",
    "invoice.paid_credit_added",
    "invoice.generated",
    "invoice.drafted",
    "invoice.ready_to_finalize",
    "invoice.voided",
    "invoice.deleted",
    "invoice.payment_dispute_lost",
    "invoice.payment_status_updated",
    "invoice.payment_overdue",
    "invoice.payment_failure",
    "invoice.resynced",
    "integration.provider_error",
    "order.created",
    "order.executed",
    "order_form.created",
    "order_form.signed",
    "order_form.expired",
    "order_form.voided",
    "quote.created",
    "quote.approved",
    "quote.voided",
    "payment.succeeded",
    "payment.requires_action",
    "payment_provider.error",
    "payment_request.created",
    "payment_request.payment_failure",
    "payment_request.payment_status_updated",
    "payment_receipt.created",
    "payment_receipt.generated",
    "plan.created",
    "plan.updated",
    "plan.deleted",
    "wallet.created",
    "wallet.depleted_ongoing_balance",
    "wallet.terminated",
    "wallet.updated",
    "wallet_transaction.created",
    "wallet_transaction.updated",
    "wallet_transaction.payment_failure",
];

/// Whether `name` is one of Lago's event types (after normalization: lowercase, trimmed).
pub fn is_accepted_event_type(name: &str) -> bool {
    ACCEPTED_EVENT_TYPES.contains(&name)
}

/// Whether an endpoint with these `event_types` receives `event_type`: `None` means every event,
/// an empty list none (Lago's `subscribed?`).
pub fn endpoint_receives(event_types: Option<&[String]>, event_type: super::WebhookEventType) -> bool {
    event_types.is_none_or(|names| names.iter().any(|name| name == event_type.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::WebhookEventType;

    #[test]
    fn every_event_we_send_is_an_accepted_name() {
        for event_type in WebhookEventType::ALL {
            assert!(is_accepted_event_type(event_type.as_str()), "{event_type}");
        }
    }

    #[test]
    fn accepted_names_are_distinct() {
        let mut names = ACCEPTED_EVENT_TYPES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ACCEPTED_EVENT_TYPES.len());
    }

    #[test]
    fn null_receives_everything_and_empty_nothing() {
        let plan_updated = WebhookEventType::PlanUpdated;
        assert!(endpoint_receives(None, plan_updated));
        assert!(!endpoint_receives(Some(&[]), plan_updated));
        assert!(endpoint_receives(Some(&["plan.updated".to_owned()]), plan_updated));
        assert!(!endpoint_receives(Some(&["plan.created".to_owned()]), plan_updated));
    }
}
