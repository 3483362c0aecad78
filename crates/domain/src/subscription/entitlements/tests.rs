//! The merge and the override decisions, on small hand-built layers.

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::entitlement::{StoredValue, ValueWrite};
use crate::feature::privilege::{PrivilegeCode, PrivilegeType};
use crate::feature::privilege_value::PrivilegeValueInput;
use crate::ids::{EntitlementId, EntitlementValueId};

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + TimeDelta::seconds(seconds)
}

fn feature(code: &str, privileges: &[&str]) -> Feature {
    Feature {
        id: FeatureId::generate(),
        code: FeatureCode::from_stored(code.to_owned()),
        name: None,
        description: None,
        privileges: privileges
            .iter()
            .map(|code| Privilege {
                id: PrivilegeId::generate(),
                code: PrivilegeCode::from_stored((*code).to_owned()),
                name: None,
                privilege_type: PrivilegeType::Integer,
                created_at: at(0),
            })
            .collect(),
        created_at: at(0),
    }
}

/// An entitlement of `feature` created at `created_at`, with integer values (privilege index,
/// value, creation second).
fn stored(feature: &Feature, created_at: i64, values: &[(usize, i64, i64)]) -> StoredEntitlement {
    StoredEntitlement {
        id: EntitlementId::generate(),
        feature_id: feature.id,
        values: values
            .iter()
            .map(|(index, value, created)| StoredValue {
                id: EntitlementValueId::generate(),
                privilege_id: feature.privileges[*index].id,
                value: PrivilegeValue::Integer(*value),
                created_at: at(*created),
            })
            .collect(),
        created_at: at(created_at),
    }
}

fn removal(target: RemovalTarget) -> StoredRemoval {
    StoredRemoval { id: RemovalId::generate(), target }
}

fn by_id(features: &[&Feature]) -> HashMap<FeatureId, Feature> {
    features.iter().map(|feature| (feature.id, (*feature).clone())).collect()
}

/// A privilege of a merge: code, value, plan value, override value.
type PrivilegeSummary = (String, i64, Option<i64>, Option<i64>);

/// (feature code, privileges) of a merge.
fn summary(entitlements: &[SubscriptionEntitlement]) -> Vec<(String, Vec<PrivilegeSummary>)> {
    let integer = |value: &PrivilegeValue| match value {
        PrivilegeValue::Integer(number) => *number,
        _ => -1,
    };
    entitlements
        .iter()
        .map(|entitlement| {
            let privileges = entitlement
                .privileges
                .iter()
                .map(|privilege| {
                    (
                        privilege.privilege.code.as_str().to_owned(),
                        integer(&privilege.value),
                        privilege.plan_value.as_ref().map(integer),
                        privilege.override_value.as_ref().map(integer),
                    )
                })
                .collect();
            (entitlement.feature_code.as_str().to_owned(), privileges)
        })
        .collect()
}

fn input(feature_code: &str, privileges: &[(&str, i64)]) -> EntitlementInput {
    EntitlementInput {
        feature_code: feature_code.to_owned(),
        privileges: privileges
            .iter()
            .map(|(code, value)| ((*code).to_owned(), PrivilegeValueInput::Integer(*value)))
            .collect(),
    }
}

#[test]
fn overrides_win_and_order_follows_creation() {
    let seats = feature("seats", &["max", "admins", "extra"]);
    let sso = feature("sso", &["level"]);
    let plan = [stored(&seats, 2, &[(1, 5, 3), (0, 10, 4)])];
    let own = [stored(&sso, 1, &[(0, 7, 1)]), stored(&seats, 9, &[(0, 15, 9), (2, 1, 2)])];
    let layers = EntitlementLayers { plan: &plan, subscription: &own, removals: &[] };
    assert_eq!(
        summary(&effective_entitlements(layers, &by_id(&[&seats, &sso]))),
        [
            ("sso".to_owned(), vec![("level".to_owned(), 7, None, Some(7))]),
            (
                "seats".to_owned(),
                vec![
                    ("extra".to_owned(), 1, None, Some(1)),
                    ("admins".to_owned(), 5, Some(5), None),
                    ("max".to_owned(), 15, Some(10), Some(15)),
                ]
            ),
        ]
    );
}

#[test]
fn removals_hide_plan_features_and_privileges_only() {
    let seats = feature("seats", &["max", "admins"]);
    let sso = feature("sso", &["level"]);
    let plan = [stored(&seats, 1, &[(0, 10, 1), (1, 5, 2)]), stored(&sso, 2, &[(0, 1, 2)])];
    let own = [stored(&seats, 3, &[(1, 6, 3)])];
    let removals =
        [removal(RemovalTarget::Feature(sso.id)), removal(RemovalTarget::Privilege(seats.privileges[1].id))];
    let layers = EntitlementLayers { plan: &plan, subscription: &own, removals: &removals };
    // The removed privilege stays hidden even though it has an override.
    assert_eq!(
        summary(&effective_entitlements(layers, &by_id(&[&seats, &sso]))),
        [("seats".to_owned(), vec![("max".to_owned(), 10, Some(10), None)])]
    );
}

#[test]
fn deleted_features_and_privileges_are_left_out() {
    let seats = feature("seats", &["max", "admins"]);
    let sso = feature("sso", &[]);
    let plan = [stored(&seats, 1, &[(0, 10, 1), (1, 5, 2)]), stored(&sso, 2, &[])];
    let layers = EntitlementLayers { plan: &plan, subscription: &[], removals: &[] };
    let mut without_admins = seats.clone();
    without_admins.privileges.truncate(1);
    assert_eq!(
        summary(&effective_entitlements(layers, &by_id(&[&without_admins]))),
        [("seats".to_owned(), vec![("max".to_owned(), 10, Some(10), None)])]
    );
}

#[test]
fn a_value_equal_to_the_plan_is_no_override() {
    let seats = feature("seats", &["max", "admins"]);
    let plan = [stored(&seats, 1, &[(0, 10, 1), (1, 5, 1)])];
    let layers = EntitlementLayers { plan: &plan, subscription: &[], removals: &[] };
    let request = [input("seats", &[("max", 10)])];
    let changes = override_changes(layers, &request, std::slice::from_ref(&seats)).expect("valid");
    assert_eq!(changes, SubscriptionEntitlementChanges::default());
    // A differing value creates the override, with that value only.
    let request = [input("seats", &[("max", 60), ("admins", 5)])];
    let changes = override_changes(layers, &request, std::slice::from_ref(&seats)).expect("valid");
    let [(entitlement_id, feature_id)] = changes.entitlements.new_entitlements[..] else {
        panic!("one override")
    };
    assert_eq!(feature_id, seats.id);
    assert_eq!(
        changes.entitlements.written_values,
        [ValueWrite {
            entitlement_id,
            privilege_id: seats.privileges[0].id,
            value: PrivilegeValue::Integer(60)
        }]
    );
}

#[test]
fn the_plans_exact_values_restore_the_plan_and_clear_removals() {
    let seats = feature("seats", &["max", "admins"]);
    let plan = [stored(&seats, 1, &[(0, 10, 1), (1, 5, 1)])];
    let own = [stored(&seats, 2, &[(0, 99, 2)])];
    let removals = [
        removal(RemovalTarget::Feature(seats.id)),
        removal(RemovalTarget::Privilege(seats.privileges[1].id)),
    ];
    let layers = EntitlementLayers { plan: &plan, subscription: &own, removals: &removals };
    let request = [input("seats", &[("admins", 5), ("max", 10)])];
    let changes = override_changes(layers, &request, std::slice::from_ref(&seats)).expect("valid");
    assert_eq!(changes.entitlements.removed_entitlements, [own[0].id]);
    assert_eq!(changes.deleted_removals, [removals[0].id, removals[1].id]);
    assert!(changes.new_removals.is_empty());
}

#[test]
fn dropping_the_last_override_value_of_a_plan_feature_drops_the_override() {
    let seats = feature("seats", &["max", "admins"]);
    let plan = [stored(&seats, 1, &[(0, 10, 1)])];
    let own = [stored(&seats, 2, &[(0, 99, 2)])];
    let layers = EntitlementLayers { plan: &plan, subscription: &own, removals: &[] };
    // Keys differ from the plan's, so this is not "back to the plan", but max returns to 10.
    let request = [input("seats", &[("max", 10), ("admins", 3)])];
    let changes = override_changes(layers, &request, std::slice::from_ref(&seats)).expect("valid");
    assert_eq!(changes.entitlements.removed_values, [own[0].values[0].id]);
    assert_eq!(changes.entitlements.written_values.len(), 1);
    let request =
        [input("seats", &[("max", 10), ("admins", 3)]), input("seats", &[("admins", 3), ("max", 10)])];
    let changes = override_changes(layers, &request, std::slice::from_ref(&seats)).expect("valid");
    assert_eq!(changes.entitlements.removed_values.len(), 1);
    let request = [input("seats", &[("max", 10)]), input("seats", &[])];
    let changes = override_changes(layers, &request, std::slice::from_ref(&seats)).expect("valid");
    assert_eq!(changes.entitlements.removed_entitlements, [own[0].id]);
}

#[test]
fn a_feature_only_the_subscription_has_is_kept_even_empty() {
    let sso = feature("sso", &["level"]);
    let layers = EntitlementLayers { plan: &[], subscription: &[], removals: &[] };
    let changes = override_changes(layers, &[input("sso", &[])], std::slice::from_ref(&sso)).expect("valid");
    assert_eq!(changes.entitlements.new_entitlements.len(), 1);
    assert!(changes.entitlements.written_values.is_empty());
}

#[test]
fn unknown_features_fail_before_anything_else() {
    let seats = feature("seats", &["max"]);
    let layers = EntitlementLayers { plan: &[], subscription: &[], removals: &[] };
    let request = [input("seats", &[("nope", 1)]), input("ghost", &[])];
    assert_eq!(
        override_changes(layers, &request, std::slice::from_ref(&seats)),
        Err(Error::not_found(Resource::Feature, "ghost"))
    );
    let request = [input("seats", &[("nope", 1)])];
    assert_eq!(
        override_changes(layers, &request, &[seats]),
        Err(Error::not_found(Resource::Privilege, "nope"))
    );
}

#[test]
fn removing_a_feature_or_a_privilege() {
    let seats = feature("seats", &["max", "admins"]);
    let plan = [stored(&seats, 1, &[(0, 10, 1)])];
    let own = [stored(&seats, 2, &[(1, 3, 2)])];
    let privilege_removal = removal(RemovalTarget::Privilege(seats.privileges[0].id));
    let removals = [privilege_removal];
    let layers = EntitlementLayers { plan: &plan, subscription: &own, removals: &removals };
    let changes = feature_removal_changes(layers, &seats);
    assert_eq!(changes.entitlements.removed_entitlements, [own[0].id]);
    assert_eq!(changes.deleted_removals, [privilege_removal.id]);
    assert_eq!(changes.new_removals, [RemovalTarget::Feature(seats.id)]);
    // The last override value of a plan feature takes the override with it.
    let changes = privilege_removal_changes(layers, &seats, &seats.privileges[1]);
    assert_eq!(changes.entitlements.removed_entitlements, [own[0].id]);
    assert_eq!(changes.new_removals, [RemovalTarget::Privilege(seats.privileges[1].id)]);
    // An existing removal is not added twice; a feature the plan lacks gets no removal.
    let changes = privilege_removal_changes(layers, &seats, &seats.privileges[0]);
    assert!(changes.new_removals.is_empty());
    let only_own = EntitlementLayers { plan: &[], subscription: &own, removals: &[] };
    let changes = privilege_removal_changes(only_own, &seats, &seats.privileges[1]);
    assert_eq!(changes.entitlements.removed_values, [own[0].values[0].id]);
    assert!(changes.entitlements.removed_entitlements.is_empty() && changes.new_removals.is_empty());
}

#[test]
fn an_override_without_values_stays_only_when_the_plan_does_not_grant_its_feature() {
    assert!(override_is_kept(true, true));
    assert!(override_is_kept(true, false));
    assert!(override_is_kept(false, false));
    assert!(!override_is_kept(false, true));
}
