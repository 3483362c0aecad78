//! The store's webhook renderer: an event's object as the API's messages (the services'
//! conversions), then Lago's JSON (the REST gateway's renderers), so that a webhook shows an
//! object exactly as the REST API does, with Lago's webhook key lists.

use std::sync::Arc;

use entitlements_domain::OrganizationId;
use entitlements_domain::webhook::{WebhookEventType, WebhookObject, WebhookRenderer};
use entitlements_gateway::{WebhookObjectJson, webhook_payload};
use entitlements_service::webhook_objects::WebhookObjectMessage;

/// Renders webhook bodies in Lago's JSON.
#[derive(Debug, Default, Clone, Copy)]
pub struct LagoWebhookRenderer;

impl LagoWebhookRenderer {
    /// The renderer, shared as the store takes it.
    pub fn shared() -> Arc<dyn WebhookRenderer> {
        Arc::new(Self)
    }
}

impl WebhookRenderer for LagoWebhookRenderer {
    fn render(
        &self,
        organization_id: OrganizationId,
        event_type: WebhookEventType,
        object: WebhookObject,
    ) -> String {
        let message = WebhookObjectMessage::from(object);
        let object = match &message {
            WebhookObjectMessage::Feature(feature) => WebhookObjectJson::Feature(feature),
            WebhookObjectMessage::Plan(plan) => WebhookObjectJson::Plan(plan),
            WebhookObjectMessage::BillableMetric(metric) => WebhookObjectJson::BillableMetric(metric),
            WebhookObjectMessage::Customer(customer) => WebhookObjectJson::Customer(customer),
            WebhookObjectMessage::Subscription { subscription, customer } => {
                WebhookObjectJson::Subscription { subscription, customer }
            }
        };
        webhook_payload(event_type, &organization_id.0.to_string(), object)
    }
}
