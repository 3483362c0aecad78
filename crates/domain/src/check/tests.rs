//! Check decisions on small hand-built layers: every reason, every requirement kind, and the
//! validation and grouping of requests.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::*;
use crate::entitlement::{StoredEntitlement, StoredValue};
use crate::enum_input::EnumInput;
use crate::feature::privilege::{Privilege, PrivilegeCode, PrivilegeType, SelectOptions};
use crate::feature::{Feature, FeatureCode};
use crate::ids::{EntitlementId, EntitlementValueId, FeatureId, PrivilegeId, RemovalId};
use crate::subscription::SubscriptionStatus;
use crate::subscription::entitlements::{EntitlementLayers, RemovalTarget, StoredRemoval};
use crate::subscription::selection::WantedStatus;

fn feature(code: &str, privileges: Vec<(&str, PrivilegeType)>) -> Feature {
    Feature {
        id: FeatureId::generate(),
        code: FeatureCode::from_stored(code.to_owned()),
        name: None,
        description: None,
        privileges: privileges
            .into_iter()
            .map(|(code, privilege_type)| Privilege {
                id: PrivilegeId::generate(),
                code: PrivilegeCode::from_stored(code.to_owned()),
                name: None,
                privilege_type,
                created_at: DateTime::<Utc>::UNIX_EPOCH,
            })
            .collect(),
        created_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

fn entitlement(feature: &Feature, values: Vec<(usize, PrivilegeValue)>) -> StoredEntitlement {
    StoredEntitlement {
        id: EntitlementId::generate(),
        feature_id: feature.id,
        values: values
            .into_iter()
            .map(|(index, value)| StoredValue {
                id: EntitlementValueId::generate(),
                privilege_id: feature.privileges[index].id,
                value,
                created_at: DateTime::<Utc>::UNIX_EPOCH,
            })
            .collect(),
        created_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

fn removal(target: RemovalTarget) -> StoredRemoval {
    StoredRemoval { id: RemovalId::generate(), target }
}

/// `seats` (max integer, root boolean, tier select, label string) and `sso` (no privileges) on
/// the plan; `beta` only on the subscription; `audit` on the plan but removed; `seats.label`
/// removed; `seats.max` overridden.
struct Fixture {
    features: HashMap<FeatureId, Feature>,
    plan: Vec<StoredEntitlement>,
    subscription: Vec<StoredEntitlement>,
    removals: Vec<StoredRemoval>,
}

fn fixture() -> Fixture {
    let options = SelectOptions::new(vec!["basic".to_owned(), "gold".to_owned()]).expect("options");
    let seats = feature(
        "seats",
        vec![
            ("max", PrivilegeType::Integer),
            ("root", PrivilegeType::Boolean),
            ("tier", PrivilegeType::Select(options)),
            ("label", PrivilegeType::String),
            ("spare", PrivilegeType::Integer),
        ],
    );
    let sso = feature("sso", vec![]);
    let beta = feature("beta", vec![("level", PrivilegeType::String)]);
    let audit = feature("audit", vec![]);
    let plan = vec![
        entitlement(
            &seats,
            vec![
                (0, PrivilegeValue::Integer(10)),
                (1, PrivilegeValue::Boolean(true)),
                (2, PrivilegeValue::Select("gold".to_owned())),
                (3, PrivilegeValue::String("team".to_owned())),
            ],
        ),
        entitlement(&sso, vec![]),
        entitlement(&audit, vec![]),
    ];
    let subscription = vec![
        entitlement(&seats, vec![(0, PrivilegeValue::Integer(50))]),
        entitlement(&beta, vec![(0, PrivilegeValue::String("alpha".to_owned()))]),
    ];
    let removals = vec![
        removal(RemovalTarget::Feature(audit.id)),
        removal(RemovalTarget::Privilege(seats.privileges[3].id)),
    ];
    let features = [seats, sso, beta, audit].into_iter().map(|feature| (feature.id, feature)).collect();
    Fixture { features, plan, subscription, removals }
}

fn grants(fixture: &Fixture) -> SubscriptionGrants {
    let layers = EntitlementLayers {
        plan: &fixture.plan,
        subscription: &fixture.subscription,
        removals: &fixture.removals,
    };
    SubscriptionGrants::new(layers, &fixture.features)
}

fn feature_target(code: &str) -> CheckTarget {
    CheckTarget::Feature { feature_code: code.to_owned() }
}

fn privilege_target(feature: &str, privilege: &str, requirement: Option<ValueRequirement>) -> CheckTarget {
    CheckTarget::Privilege {
        feature_code: feature.to_owned(),
        privilege_code: privilege.to_owned(),
        requirement,
    }
}

#[test]
fn grants_of_some_features_answer_their_checks_as_the_whole_grants_do() {
    let fixture = fixture();
    let whole = grants(&fixture);
    let layers = EntitlementLayers {
        plan: &fixture.plan,
        subscription: &fixture.subscription,
        removals: &fixture.removals,
    };
    let targets = [
        feature_target("seats"),
        privilege_target("seats", "max", None),
        privilege_target("seats", "label", None),
        privilege_target("seats", "spare", None),
        feature_target("audit"),
        feature_target("beta"),
        privilege_target("beta", "level", None),
        feature_target("sso"),
    ];
    for feature in fixture.features.values() {
        let one = SubscriptionGrants::of_features(layers, &fixture.features, &[feature.id]);
        for target in &targets {
            let (CheckTarget::Feature { feature_code } | CheckTarget::Privilege { feature_code, .. }) =
                target;
            if feature_code == feature.code.as_str() {
                assert_eq!(one.check(target), whole.check(target), "{target:?}");
            } else {
                assert_eq!(one.check(target).reason, CheckReason::FeatureNotGranted, "{target:?}");
            }
        }
    }
}

#[test]
fn features_are_granted_by_plan_or_subscription_unless_removed() {
    let grants = grants(&fixture());
    let reason = |code: &str| grants.check(&feature_target(code));
    assert_eq!(reason("seats"), CheckAnswer { reason: CheckReason::GrantedByPlan, value: None });
    assert_eq!(reason("sso").reason, CheckReason::GrantedByPlan);
    assert_eq!(reason("beta").reason, CheckReason::GrantedByOverride);
    assert_eq!(reason("audit").reason, CheckReason::FeatureRemoved);
    assert_eq!(reason("unknown").reason, CheckReason::FeatureNotGranted);
    assert!(reason("seats").allowed() && !reason("audit").allowed());
}

#[test]
fn privileges_carry_their_value_and_its_source() {
    let grants = grants(&fixture());
    let max = grants.check(&privilege_target("seats", "max", None));
    assert_eq!(
        max,
        CheckAnswer {
            reason: CheckReason::GrantedByOverride,
            value: Some(CheckedValue {
                value: PrivilegeValue::Integer(50),
                plan_value: Some(PrivilegeValue::Integer(10)),
                override_value: Some(PrivilegeValue::Integer(50)),
            }),
        }
    );
    let root = grants.check(&privilege_target("seats", "root", None));
    assert_eq!(root.reason, CheckReason::GrantedByPlan);
    assert_eq!(
        root.value.map(|value| (value.value, value.override_value)),
        Some((PrivilegeValue::Boolean(true), None))
    );
    let level = grants.check(&privilege_target("beta", "level", None));
    assert_eq!(level.reason, CheckReason::GrantedByOverride);
    assert_eq!(level.value.and_then(|value| value.plan_value), None);
}

#[test]
fn missing_privileges_say_why() {
    let grants = grants(&fixture());
    let reason = |feature: &str, privilege: &str| grants.check(&privilege_target(feature, privilege, None));
    assert_eq!(reason("seats", "label"), CheckAnswer { reason: CheckReason::PrivilegeRemoved, value: None });
    assert_eq!(reason("seats", "spare").reason, CheckReason::PrivilegeNotGranted);
    assert_eq!(reason("seats", "nope").reason, CheckReason::PrivilegeNotGranted);
    assert_eq!(reason("sso", "any").reason, CheckReason::PrivilegeNotGranted);
    // The feature decides first.
    assert_eq!(reason("audit", "any").reason, CheckReason::FeatureRemoved);
    assert_eq!(reason("unknown", "any").reason, CheckReason::FeatureNotGranted);
}

#[test]
fn requirements_are_met_not_met_or_of_another_type() {
    use ValueRequirement::*;
    let grants = grants(&fixture());
    let cases = [
        ("max", IntegerAtLeast(50), CheckReason::GrantedByOverride),
        ("max", IntegerAtLeast(51), CheckReason::RequirementNotMet),
        ("max", IntegerAtMost(50), CheckReason::GrantedByOverride),
        ("max", IntegerAtMost(49), CheckReason::RequirementNotMet),
        ("root", BooleanEquals(true), CheckReason::GrantedByPlan),
        ("root", BooleanEquals(false), CheckReason::RequirementNotMet),
        ("tier", SelectOneOf(vec!["gold".to_owned(), "basic".to_owned()]), CheckReason::GrantedByPlan),
        ("tier", SelectOneOf(vec!["basic".to_owned()]), CheckReason::RequirementNotMet),
        ("max", BooleanEquals(true), CheckReason::RequirementTypeMismatch),
        ("root", IntegerAtLeast(0), CheckReason::RequirementTypeMismatch),
        ("tier", StringEquals("gold".to_owned()), CheckReason::RequirementTypeMismatch),
    ];
    for (privilege, requirement, expected) in cases {
        let answer = grants.check(&privilege_target("seats", privilege, Some(requirement.clone())));
        assert_eq!(answer.reason, expected, "{privilege} {requirement:?}");
        // The value shows whether or not it meets the requirement.
        assert!(answer.value.is_some(), "{privilege} {requirement:?}");
    }
    let level = |wanted: &str| {
        grants.check(&privilege_target("beta", "level", Some(StringEquals(wanted.to_owned())))).reason
    };
    assert_eq!(
        (level("alpha"), level("Alpha")),
        (CheckReason::GrantedByOverride, CheckReason::RequirementNotMet)
    );
    assert_eq!(
        StringEquals("x".to_owned()).evaluate(&PrivilegeValue::Select("x".to_owned())),
        RequirementOutcome::TypeMismatch
    );
}

#[test]
fn a_removal_the_plan_no_longer_backs_is_not_granted() {
    let mut fixture = fixture();
    // The plan drops `audit`, then everything: the removals stay, dormant.
    fixture.plan.retain(|entitlement| fixture.features[&entitlement.feature_id].code.as_str() != "audit");
    let without_audit = grants(&fixture);
    assert_eq!(without_audit.check(&feature_target("audit")).reason, CheckReason::FeatureNotGranted);
    fixture.plan.clear();
    let without_plan = grants(&fixture);
    assert_eq!(
        without_plan.check(&privilege_target("seats", "label", None)).reason,
        CheckReason::PrivilegeNotGranted
    );
    // `seats` is still the subscription's own.
    assert_eq!(without_plan.check(&feature_target("seats")).reason, CheckReason::GrantedByOverride);
}

#[test]
fn lookups_tell_not_found_from_not_active() {
    let active = WantedStatus::Status(SubscriptionStatus::Active);
    let terminated = WantedStatus::Status(SubscriptionStatus::Terminated);
    let target = feature_target("seats");
    let reason = |subscription: CheckedSubscription| subscription.check(&target).reason;
    assert_eq!(
        reason(CheckedSubscription::from_lookup(active, None, true)),
        CheckReason::SubscriptionNotActive
    );
    assert_eq!(
        reason(CheckedSubscription::from_lookup(active, None, false)),
        CheckReason::SubscriptionNotFound
    );
    assert_eq!(
        reason(CheckedSubscription::from_lookup(terminated, None, true)),
        CheckReason::SubscriptionNotFound
    );
    assert_eq!(
        reason(CheckedSubscription::from_lookup(WantedStatus::Nothing, None, true)),
        CheckReason::SubscriptionNotFound
    );
    let found = CheckedSubscription::from_lookup(terminated, Some(grants(&fixture())), true);
    assert_eq!(reason(found), CheckReason::GrantedByPlan);
}

fn input(
    external_id: &str,
    feature: &str,
    privilege: Option<&str>,
    requirement: RequirementInput,
) -> CheckInput {
    CheckInput {
        subscription_external_id: external_id.to_owned(),
        subscription_status: EnumInput::Null,
        feature_code: feature.to_owned(),
        privilege_code: privilege.map(str::to_owned),
        requirement,
    }
}

fn error_text(input: CheckInput) -> String {
    parse_check(input).expect_err("invalid").to_string()
}

#[test]
fn checks_are_validated_field_by_field() {
    let check = parse_check(input(
        "s",
        "seats",
        Some("max"),
        RequirementInput::Given(ValueRequirement::IntegerAtLeast(3)),
    ))
    .expect("valid");
    assert_eq!(check.subscription.status, WantedStatus::Status(SubscriptionStatus::Active));
    assert_eq!(check.target, privilege_target("seats", "max", Some(ValueRequirement::IntegerAtLeast(3))));
    assert_eq!(
        parse_check(input("s", "seats", None, RequirementInput::None)).expect("valid").target,
        feature_target("seats")
    );
    assert_eq!(
        error_text(input("", "", Some(""), RequirementInput::KindUnset)),
        "subscription_external_id: value_is_mandatory, feature_code: value_is_mandatory, \
         privilege_code: value_is_invalid, requirement: value_is_mandatory"
    );
    assert_eq!(
        error_text(input("s", "seats", None, RequirementInput::Given(ValueRequirement::BooleanEquals(true)))),
        "privilege_code: value_is_mandatory"
    );
    assert_eq!(
        error_text(input(
            "s",
            "seats",
            Some("tier"),
            RequirementInput::Given(ValueRequirement::SelectOneOf(vec![]))
        )),
        "requirement.select_one_of.values: value_is_mandatory"
    );
}

#[test]
fn batches_are_bounded_and_read_each_subscription_once() {
    assert!(validate_batch_size(1).is_ok() && validate_batch_size(MAX_CHECK_BATCH).is_ok());
    assert_eq!(validate_batch_size(0).expect_err("empty").to_string(), "items: value_is_mandatory");
    assert_eq!(
        validate_batch_size(MAX_CHECK_BATCH + 1).expect_err("too many").to_string(),
        "items: value_is_out_of_range"
    );
    let selector = |external_id: &str, status: EnumInput<SubscriptionStatus>| {
        crate::subscription::selection::SubscriptionSelector::new(external_id.to_owned(), status)
    };
    let a = selector("a", EnumInput::Null);
    let a_active = selector("a", EnumInput::Known(SubscriptionStatus::Active));
    let a_terminated = selector("a", EnumInput::Known(SubscriptionStatus::Terminated));
    let b = selector("b", EnumInput::Null);
    let (distinct, positions) =
        distinct_subscriptions([Some(&a), Some(&b), None, Some(&a_active), Some(&a_terminated), Some(&b)]);
    assert_eq!(distinct, [a, b, a_terminated]);
    assert_eq!(positions, [Some(0), Some(1), None, Some(0), Some(2), Some(1)]);
}
