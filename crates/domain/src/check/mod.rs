//! Check: may a subscription use a feature, and with what value? The answer is read off the
//! subscription's effective entitlements, exactly as `effective_entitlements` merges them for
//! ListSubscriptionEntitlements (the plan's, overrides winning, minus removals), and says why:
//! "not allowed" is an answer with a reason, never an error. What is checked (`input`), the
//! condition on a value (`requirement`), the answer for one subscription (`grants`) and the
//! grouping of a batch by subscription (`batch`) each have their module.

mod batch;
mod grants;
mod input;
mod requirement;

pub use batch::{MAX_CHECK_BATCH, distinct_subscriptions, validate_batch_size};
pub use grants::{CheckedSubscription, SubscriptionGrants};
pub use input::{CheckInput, RequirementInput, parse_check};
pub use requirement::{RequirementOutcome, ValueRequirement};

use crate::feature::privilege_value::PrivilegeValue;
use crate::subscription::selection::SubscriptionSelector;

/// What a check asks about a subscription: a feature, or one of its privileges (with, maybe, a
/// condition on its value). A requirement without a privilege cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckTarget {
    Feature { feature_code: String },
    Privilege { feature_code: String, privilege_code: String, requirement: Option<ValueRequirement> },
}

impl CheckTarget {
    /// The code of the feature checked.
    pub fn feature_code(&self) -> &str {
        match self {
            Self::Feature { feature_code } | Self::Privilege { feature_code, .. } => feature_code,
        }
    }
}

/// One valid check: which subscription, and what about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub subscription: SubscriptionSelector,
    pub target: CheckTarget,
}

/// Why a check answers what it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckReason {
    GrantedByPlan,
    GrantedByOverride,
    SubscriptionNotFound,
    SubscriptionNotActive,
    FeatureNotGranted,
    FeatureRemoved,
    PrivilegeNotGranted,
    PrivilegeRemoved,
    RequirementNotMet,
    RequirementTypeMismatch,
}

impl CheckReason {
    /// Whether the reason allows: only the two grants do.
    pub fn allows(self) -> bool {
        matches!(self, Self::GrantedByPlan | Self::GrantedByOverride)
    }
}

/// A privilege's value in force, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedValue {
    /// The override if there is one, else the plan's value.
    pub value: PrivilegeValue,
    pub plan_value: Option<PrivilegeValue>,
    pub override_value: Option<PrivilegeValue>,
}

/// The answer to one check. `allowed` is the reason's (see [`CheckReason::allows`]), so the two
/// cannot disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckAnswer {
    pub reason: CheckReason,
    /// The value in force, when the check names a privilege the subscription has a value for.
    pub value: Option<CheckedValue>,
}

impl CheckAnswer {
    pub fn allowed(&self) -> bool {
        self.reason.allows()
    }

    fn without_value(reason: CheckReason) -> Self {
        Self { reason, value: None }
    }
}

/// What a batch of checks reads, from one consistent snapshot: the organization's revision at
/// that snapshot, and each subscription the batch names, in the order the batch's distinct
/// selectors were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSnapshot {
    pub revision: u64,
    pub subscriptions: Vec<CheckedSubscription>,
}

#[cfg(test)]
mod tests;
