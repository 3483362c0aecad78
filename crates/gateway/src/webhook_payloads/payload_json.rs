//! Lago's webhook envelope `{"webhook_type", "object_type", "organization_id", <object_type>}`
//! around the object, rendered with the webhook views of the REST renderers (Lago's webhook
//! services include other associations than its controllers, see each view).

use entitlements::v1 as pb;
use entitlements_domain::webhook::WebhookEventType;
use serde_json::{Map, Value, json};

use super::rails_json::to_rails_json;
use crate::billable_metrics::billable_metric_json::{Counters, billable_metric_to_json};
use crate::customers::customer_json::{CustomerView, customer_to_json};
use crate::features::feature_json::feature_to_json;
use crate::plans::plan_json::{PlanView, plan_to_json};
use crate::subscriptions::subscription_json::webhook_subscription_to_json;

/// The object a webhook carries, as the API's messages.
#[derive(Debug, Clone, Copy)]
pub enum WebhookObjectJson<'a> {
    Feature(&'a pb::Feature),
    Plan(&'a pb::Plan),
    BillableMetric(&'a pb::BillableMetric),
    Customer(&'a pb::Customer),
    Subscription { subscription: &'a pb::Subscription, customer: &'a pb::Customer },
}

/// The exact body of a webhook: the bytes that are sent and signed.
pub fn webhook_payload(
    event_type: WebhookEventType,
    organization_id: &str,
    object: WebhookObjectJson<'_>,
) -> String {
    let entitlements = event_type.includes_entitlements();
    let object_json = match object {
        WebhookObjectJson::Feature(feature) => feature_to_json(feature),
        WebhookObjectJson::Plan(plan) => plan_to_json(plan, PlanView::Webhook { entitlements }),
        // Lago's webhook serializes the metric without its counters.
        WebhookObjectJson::BillableMetric(metric) => billable_metric_to_json(metric, Counters::Omitted),
        WebhookObjectJson::Customer(customer) => customer_to_json(customer, CustomerView::Webhook),
        WebhookObjectJson::Subscription { subscription, customer } => webhook_subscription_to_json(
            subscription,
            customer_to_json(customer, CustomerView::InSubscriptionWebhook),
            entitlements,
        ),
    };
    let mut envelope = Map::new();
    envelope.insert("webhook_type".to_owned(), json!(event_type.as_str()));
    envelope.insert("object_type".to_owned(), json!(event_type.object_type()));
    envelope.insert("organization_id".to_owned(), json!(organization_id));
    envelope.insert(event_type.object_type().to_owned(), object_json);
    to_rails_json(&Value::Object(envelope))
}
