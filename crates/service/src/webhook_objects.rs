//! The objects webhooks carry, as the API's messages: what the server's webhook renderer hands to
//! the REST gateway, which writes Lago's JSON from messages, as it does for every REST answer.
//! The same conversions as the services' answers, so that a webhook shows an object exactly as
//! the API does.

use entitlements::v1 as pb;
use entitlements_domain::webhook::WebhookObject;

use crate::billable_metric_conversions::billable_metric_to_pb;
use crate::customer_conversions::customer_to_pb;
use crate::feature_conversions::feature_to_pb;
use crate::plan_conversions::plan_to_pb;
use crate::subscription_conversions::subscription_to_pb;

/// A webhook's object as a message.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "built once per event and rendered at once, never stored in bulk"
)]
pub enum WebhookObjectMessage {
    Feature(pb::Feature),
    Plan(pb::Plan),
    BillableMetric(pb::BillableMetric),
    Customer(pb::Customer),
    /// A subscription (with its plan and effective entitlements) and its customer.
    Subscription {
        subscription: pb::Subscription,
        customer: pb::Customer,
    },
}

impl From<WebhookObject> for WebhookObjectMessage {
    fn from(object: WebhookObject) -> Self {
        match object {
            WebhookObject::Feature(feature) => Self::Feature(feature_to_pb(feature)),
            WebhookObject::Plan(plan) => Self::Plan(plan_to_pb(plan)),
            WebhookObject::BillableMetric(metric) => Self::BillableMetric(billable_metric_to_pb(&metric)),
            WebhookObject::Customer(customer) => Self::Customer(customer_to_pb(customer)),
            WebhookObject::Subscription { subscription, customer } => Self::Subscription {
                subscription: subscription_to_pb(subscription),
                customer: customer_to_pb(customer),
            },
        }
    }
}
