//! Conversions between the CheckService messages and the domain's checks: requests destructured
//! into `CheckInput` (validated by the domain), answers and per-item errors built back.

use entitlements::prost::Message as _;
use entitlements::v1 as pb;
use entitlements_domain::{
    CheckAnswer, CheckInput, CheckReason, CheckedValue, RequirementInput, ValueRequirement,
};
use tonic::Status;

use crate::entitlement_conversions::privilege_value_to_pb;
use crate::subscription_conversions::status_from_pb;

/// A check request as the domain reads it, and its `min_revision`.
pub(crate) fn check_input_from_pb(request: pb::CheckRequest) -> (CheckInput, u64) {
    let pb::CheckRequest {
        subscription_external_id,
        feature_code,
        privilege_code,
        subscription_status,
        min_revision,
        requirement,
    } = request;
    let input = CheckInput {
        subscription_external_id,
        subscription_status: status_from_pb(subscription_status),
        feature_code,
        privilege_code,
        requirement: requirement_from_pb(requirement),
    };
    (input, min_revision)
}

fn requirement_from_pb(requirement: Option<pb::ValueRequirement>) -> RequirementInput {
    use pb::value_requirement::Kind;
    let Some(pb::ValueRequirement { kind }) = requirement else {
        return RequirementInput::None;
    };
    let requirement = match kind {
        None => return RequirementInput::KindUnset,
        Some(Kind::IntegerAtLeast(minimum)) => ValueRequirement::IntegerAtLeast(minimum),
        Some(Kind::IntegerAtMost(maximum)) => ValueRequirement::IntegerAtMost(maximum),
        Some(Kind::BooleanEquals(flag)) => ValueRequirement::BooleanEquals(flag),
        Some(Kind::StringEquals(text)) => ValueRequirement::StringEquals(text),
        Some(Kind::SelectOneOf(pb::SelectOneOf { values })) => ValueRequirement::SelectOneOf(values),
    };
    RequirementInput::Given(requirement)
}

/// The answer of a check computed at `revision`.
pub(crate) fn check_response_to_pb(answer: CheckAnswer, revision: u64) -> pb::CheckResponse {
    let allowed = answer.allowed();
    let CheckAnswer { reason, value } = answer;
    let (value, plan_value, override_value) = match value {
        Some(CheckedValue { value, plan_value, override_value }) => (
            Some(privilege_value_to_pb(value)),
            plan_value.map(privilege_value_to_pb),
            override_value.map(privilege_value_to_pb),
        ),
        None => (None, None, None),
    };
    pb::CheckResponse {
        allowed,
        reason: reason_to_pb(reason).into(),
        value,
        plan_value,
        override_value,
        revision,
    }
}

fn reason_to_pb(reason: CheckReason) -> pb::CheckReason {
    match reason {
        CheckReason::GrantedByPlan => pb::CheckReason::GrantedByPlan,
        CheckReason::GrantedByOverride => pb::CheckReason::GrantedByOverride,
        CheckReason::SubscriptionNotFound => pb::CheckReason::SubscriptionNotFound,
        CheckReason::SubscriptionNotActive => pb::CheckReason::SubscriptionNotActive,
        CheckReason::FeatureNotGranted => pb::CheckReason::FeatureNotGranted,
        CheckReason::FeatureRemoved => pb::CheckReason::FeatureRemoved,
        CheckReason::PrivilegeNotGranted => pb::CheckReason::PrivilegeNotGranted,
        CheckReason::PrivilegeRemoved => pb::CheckReason::PrivilegeRemoved,
        CheckReason::RequirementNotMet => pb::CheckReason::RequirementNotMet,
        CheckReason::RequirementTypeMismatch => pb::CheckReason::RequirementTypeMismatch,
    }
}

/// A failed item's `google.rpc.Status`: the one a failed call would carry in its trailers, with
/// the same details.
pub(crate) fn item_error_to_pb(status: &Status) -> tonic_types::pb::Status {
    let bare = || tonic_types::pb::Status {
        code: status.code().into(),
        message: status.message().to_owned(),
        details: Vec::new(),
    };
    // Every status this service builds carries its encoded `google.rpc.Status`; an empty one
    // would decode as OK.
    if status.details().is_empty() {
        return bare();
    }
    tonic_types::pb::Status::decode(status.details()).unwrap_or_else(|_| bare())
}
