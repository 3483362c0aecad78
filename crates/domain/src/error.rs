//! The one error type of the service. Each variant is a kind of outcome a caller can act on; the
//! service maps it once to a gRPC status and the gateway from there to Lago's HTTP envelope.

use crate::validation::ValidationErrors;

/// A resource whose absence is reported as `<resource>_not_found`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Feature,
    Privilege,
    Plan,
    Entitlement,
    Subscription,
    Tax,
    BillableMetric,
    /// Unknown metric ids among a plan's charges (Lago checks them all at once, plural).
    BillableMetrics,
    Customer,
    /// A billing entity code other than the implicit `default`.
    BillingEntity,
    WebhookEndpoint,
    /// An organization named by the operator (the admin CLI).
    Organization,
    /// One delivery of the webhook log (Lago calls a delivery a webhook).
    Webhook,
}

impl Resource {
    /// The resource's type as the API names it, such as `feature` or `billable_metric`.
    pub fn type_name(self) -> &'static str {
        self.not_found_code().trim_end_matches("_not_found")
    }

    /// Lago's error code for this resource being absent, such as `feature_not_found`.
    pub fn not_found_code(self) -> &'static str {
        match self {
            Self::Feature => "feature_not_found",
            Self::Privilege => "privilege_not_found",
            Self::Plan => "plan_not_found",
            Self::Entitlement => "entitlement_not_found",
            Self::Subscription => "subscription_not_found",
            Self::Tax => "tax_not_found",
            Self::BillableMetric => "billable_metric_not_found",
            Self::BillableMetrics => "billable_metrics_not_found",
            Self::Customer => "customer_not_found",
            Self::BillingEntity => "billing_entity_not_found",
            Self::WebhookEndpoint => "webhook_endpoint_not_found",
            Self::Organization => "organization_not_found",
            Self::Webhook => "webhook_not_found",
        }
    }
}

/// Why a request did not succeed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    /// The object does not exist in the caller's organization (or is deleted): `name` is the code
    /// (or external id) the request used for it, so a client naming several objects can tell which
    /// one is missing.
    #[error("{} not found: {name}", .resource.not_found_code())]
    NotFound { resource: Resource, name: String },
    /// The request is well formed but its values break a rule; Lago's 422.
    #[error("validation errors: {0}")]
    Validation(ValidationErrors),
    /// The request is malformed (a required part is unusable); Lago's 400.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A required part of the request, such as the `feature` of a create, is missing; Lago's
    /// 400 "param is missing".
    #[error("{0} is required")]
    MissingParam(String),
    /// The request needs a feature this server does not offer, such as plan overrides; Lago's
    /// 403 with this code (`feature_unavailable`).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The object's state does not allow the request, such as a purchase order number change on
    /// a terminated subscription; Lago's 405 with this code.
    #[error("not allowed: {0}")]
    NotAllowed(&'static str),
    /// No API key, or one that no organization owns.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The database cannot be reached; the caller may retry.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected state; the details are logged, never sent to the caller.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}

impl Error {
    /// `resource` named `name` does not exist.
    pub fn not_found(resource: Resource, name: impl Into<String>) -> Self {
        Self::NotFound { resource, name: name.into() }
    }

    /// Lago's 400 for a missing or empty root key, such as `feature`.
    pub fn missing_param(param: &str) -> Self {
        Self::MissingParam(param.to_owned())
    }
}
