//! Typed identifiers, so that an organization id can never be passed where a feature id belongs.

use std::fmt;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id (UUID v7), so that id order follows creation order.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(formatter)
            }
        }
    };
}

id_type!(
    /// An organization (tenant): every row belongs to one.
    OrganizationId
);
id_type!(
    /// A feature.
    FeatureId
);
id_type!(
    /// A privilege of a feature.
    PrivilegeId
);
id_type!(
    /// A tax.
    TaxId
);
id_type!(
    /// A billable metric.
    BillableMetricId
);
id_type!(
    /// A plan.
    PlanId
);
id_type!(
    /// A charge of a plan.
    ChargeId
);
id_type!(
    /// A customer.
    CustomerId
);
id_type!(
    /// A feature attached to a plan or a subscription.
    EntitlementId
);
id_type!(
    /// The value an entitlement grants one privilege.
    EntitlementValueId
);
id_type!(
    /// A subscription.
    SubscriptionId
);
id_type!(
    /// A subscription's removal of a plan feature or privilege.
    RemovalId
);
id_type!(
    /// A webhook endpoint of an organization (Lago's `lago_id` of a webhook endpoint).
    WebhookEndpointId
);
id_type!(
    /// One delivery of one event to one endpoint (its `X-Lago-Unique-Key`).
    WebhookDeliveryId
);
