//! Webhooks: the events we send (named like Lago's), the event type names an endpoint may
//! subscribe to, the objects a delivery carries, how deliveries are signed, when a failed one is
//! retried, and which network addresses a delivery may reach.

pub mod delivery;
pub mod delivery_log;
pub mod endpoint;
pub mod event_types;
pub mod network;
pub mod signing;

use std::fmt;

use crate::{BillableMetric, Customer, Feature, OrganizationId, Plan, Subscription};

/// A webhook this service sends: the in-scope part of Lago's catalogue. `subscription.canceled`
/// is not among them: a pending subscription canceled through the API is announced as
/// `subscription.terminated`, as Lago does (Lago's `subscription.canceled` belongs to activation
/// rules, which this service does not have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WebhookEventType {
    FeatureCreated,
    FeatureUpdated,
    FeatureDeleted,
    PlanCreated,
    PlanUpdated,
    PlanDeleted,
    BillableMetricCreated,
    BillableMetricUpdated,
    BillableMetricDeleted,
    CustomerCreated,
    CustomerUpdated,
    SubscriptionStarted,
    SubscriptionUpdated,
    SubscriptionTerminated,
    /// An active subscription's `ending_at` is near (45 and 15 days before it by default).
    SubscriptionTerminationAlert,
    /// An active subscription's free trial ended.
    SubscriptionTrialEnded,
}

impl WebhookEventType {
    pub const ALL: [Self; 16] = [
        Self::FeatureCreated,
        Self::FeatureUpdated,
        Self::FeatureDeleted,
        Self::PlanCreated,
        Self::PlanUpdated,
        Self::PlanDeleted,
        Self::BillableMetricCreated,
        Self::BillableMetricUpdated,
        Self::BillableMetricDeleted,
        Self::CustomerCreated,
        Self::CustomerUpdated,
        Self::SubscriptionStarted,
        Self::SubscriptionUpdated,
        Self::SubscriptionTerminated,
        Self::SubscriptionTerminationAlert,
        Self::SubscriptionTrialEnded,
    ];

    /// Lago's name: the envelope's `webhook_type`, and what `event_types` lists.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FeatureCreated => "feature.created",
            Self::FeatureUpdated => "feature.updated",
            Self::FeatureDeleted => "feature.deleted",
            Self::PlanCreated => "plan.created",
            Self::PlanUpdated => "plan.updated",
            Self::PlanDeleted => "plan.deleted",
            Self::BillableMetricCreated => "billable_metric.created",
            Self::BillableMetricUpdated => "billable_metric.updated",
            Self::BillableMetricDeleted => "billable_metric.deleted",
            Self::CustomerCreated => "customer.created",
            Self::CustomerUpdated => "customer.updated",
            Self::SubscriptionStarted => "subscription.started",
            Self::SubscriptionUpdated => "subscription.updated",
            Self::SubscriptionTerminated => "subscription.terminated",
            Self::SubscriptionTerminationAlert => "subscription.termination_alert",
            Self::SubscriptionTrialEnded => "subscription.trial_ended",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event_type| event_type.as_str() == name)
    }

    /// The envelope's `object_type`, which is also the name of its fourth key.
    pub fn object_type(self) -> &'static str {
        match self {
            Self::FeatureCreated | Self::FeatureUpdated | Self::FeatureDeleted => "feature",
            Self::PlanCreated | Self::PlanUpdated | Self::PlanDeleted => "plan",
            Self::BillableMetricCreated | Self::BillableMetricUpdated | Self::BillableMetricDeleted => {
                "billable_metric"
            }
            Self::CustomerCreated | Self::CustomerUpdated => "customer",
            Self::SubscriptionStarted
            | Self::SubscriptionUpdated
            | Self::SubscriptionTerminated
            | Self::SubscriptionTerminationAlert
            | Self::SubscriptionTrialEnded => "subscription",
        }
    }

    /// Whether the object embeds entitlements: plans except `plan.deleted`, subscriptions on
    /// `started` and `updated` only (Lago's serializer includes).
    pub fn includes_entitlements(self) -> bool {
        matches!(
            self,
            Self::PlanCreated | Self::PlanUpdated | Self::SubscriptionStarted | Self::SubscriptionUpdated
        )
    }
}

impl fmt::Display for WebhookEventType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The object a webhook carries, as it was at the event's revision.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant, reason = "one per event, rendered at once and dropped, never stored")]
pub enum WebhookObject {
    Feature(Feature),
    Plan(Plan),
    BillableMetric(BillableMetric),
    Customer(Customer),
    /// A subscription with its customer (its plan and effective entitlements are inside it).
    Subscription {
        subscription: Subscription,
        customer: Customer,
    },
}

/// Turns an event into the exact bytes of its delivery's body: Lago's envelope
/// `{"webhook_type", "object_type", "organization_id", <object_type>}`. Lago's JSON is the REST
/// gateway's to write; the server wires its renderer into the store, which renders each event in
/// the transaction that commits it, so that the payload is frozen at the event's revision.
pub trait WebhookRenderer: fmt::Debug + Send + Sync {
    fn render(
        &self,
        organization_id: OrganizationId,
        event_type: WebhookEventType,
        object: WebhookObject,
    ) -> String;
}
