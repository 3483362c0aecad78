//! Entitlements: features attached to a plan (or a subscription) with a value for some of their
//! privileges. This module holds the stored shape, the request shape, and the decision of what a
//! plan entitlements request changes (Lago's `PlanEntitlementsUpdateService`, full or partial),
//! as a diff the store applies in a fixed number of statements.

pub(crate) mod diff;

use chrono::{DateTime, Utc};

use crate::entitlement::diff::{WantedEntitlement, entitlement_changes};
use crate::error::{Error, Resource};
use crate::feature::privilege::Privilege;
use crate::feature::privilege_value::{PrivilegeValue, PrivilegeValueInput};
use crate::feature::{Feature, FeatureCode};
use crate::ids::{EntitlementId, EntitlementValueId, FeatureId, PrivilegeId};

/// One feature of an entitlements request, with the privilege values to set, in request order.
#[derive(Debug, Clone, PartialEq)]
pub struct EntitlementInput {
    pub feature_code: String,
    pub privileges: Vec<(String, PrivilegeValueInput)>,
}

/// A value as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredValue {
    pub id: EntitlementValueId,
    pub privilege_id: PrivilegeId,
    pub value: PrivilegeValue,
    pub created_at: DateTime<Utc>,
}

/// An entitlement as stored: its feature and its values, in creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntitlement {
    pub id: EntitlementId,
    pub feature_id: FeatureId,
    pub values: Vec<StoredValue>,
    pub created_at: DateTime<Utc>,
}

/// How a request treats what it does not name: POST replaces everything, PATCH merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntitlementsWrite {
    /// Features not named are removed; a named feature keeps only the values given, even when none
    /// are given (Lago keeps the old values there, contradicting its own description).
    Replace,
    /// Only the given features and values are added or changed.
    Merge,
}

/// A value to insert, or to update in place when the entitlement already has one for the
/// privilege.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueWrite {
    pub entitlement_id: EntitlementId,
    pub privilege_id: PrivilegeId,
    pub value: PrivilegeValue,
}

/// The writes a request needs. Removing an entitlement removes its values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntitlementChanges {
    pub new_entitlements: Vec<(EntitlementId, FeatureId)>,
    pub removed_entitlements: Vec<EntitlementId>,
    pub written_values: Vec<ValueWrite>,
    pub removed_values: Vec<EntitlementValueId>,
}

impl EntitlementChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// What a plan entitlements request changes. `features` are the organization's features the
/// request names (those that exist); each input is checked in order, so the first unknown
/// feature or privilege, or the first invalid value, is the error.
///
/// # Errors
/// NOT_FOUND `feature_not_found` or `privilege_not_found`; `Validation` for an invalid value.
pub fn plan_entitlement_changes(
    current: &[StoredEntitlement],
    inputs: &[EntitlementInput],
    features: &[Feature],
    write: EntitlementsWrite,
) -> Result<EntitlementChanges, Error> {
    let mut wanted: Vec<WantedEntitlement<'_>> = Vec::new();
    for (input_index, input) in inputs.iter().enumerate() {
        let feature = features
            .iter()
            .find(|feature| feature.code.as_str() == input.feature_code)
            .ok_or_else(|| Error::not_found(Resource::Feature, input.feature_code.as_str()))?;
        let position = match wanted.iter().position(|entitlement| entitlement.feature_id == feature.id) {
            Some(position) => position,
            None => {
                let stored = current.iter().find(|entitlement| entitlement.feature_id == feature.id);
                wanted.push(WantedEntitlement::from_stored(feature.id, stored));
                wanted.len() - 1
            }
        };
        let entitlement = &mut wanted[position];
        // A feature the request names is granted, even with no value.
        entitlement.kept = true;
        if write == EntitlementsWrite::Replace {
            entitlement.values.clear();
        }
        for (privilege_index, (privilege_code, value_input)) in input.privileges.iter().enumerate() {
            let privilege = privilege_of(feature, privilege_code)?;
            let value = PrivilegeValue::parse(value_input, privilege)
                .map_err(|errors| errors.prefixed(&value_path(input_index, privilege_index)))?;
            entitlement.set_value(privilege.id, value);
        }
    }
    if write == EntitlementsWrite::Replace {
        // The features the request does not name are no longer granted.
        let unnamed: Vec<WantedEntitlement<'_>> = current
            .iter()
            .filter(|stored| wanted.iter().all(|entitlement| entitlement.feature_id != stored.feature_id))
            .map(|stored| WantedEntitlement {
                kept: false,
                ..WantedEntitlement::from_stored(stored.feature_id, Some(stored))
            })
            .collect();
        wanted.splice(0..0, unnamed);
    }
    Ok(entitlement_changes(wanted))
}

/// Where the `privilege_index`th value of the `input_index`th entitlement of a request sits, as
/// a field path prefix: `entitlements[0].privileges[1].`.
pub(crate) fn value_path(input_index: usize, privilege_index: usize) -> String {
    format!("entitlements[{input_index}].privileges[{privilege_index}].")
}

/// The privilege of `feature` with exactly this code.
///
/// # Errors
/// NOT_FOUND `privilege_not_found`.
pub fn privilege_of<'a>(feature: &'a Feature, code: &str) -> Result<&'a Privilege, Error> {
    feature.privilege(code).ok_or_else(|| Error::not_found(Resource::Privilege, code))
}

/// A privilege with the value an entitlement grants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedPrivilege {
    pub privilege: Privilege,
    pub value: PrivilegeValue,
}

/// A plan entitlement as Lago shows it: the feature, and the privileges the plan gives a value,
/// in the values' creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntitlement {
    pub feature_code: FeatureCode,
    pub feature_name: Option<String>,
    pub feature_description: Option<String>,
    pub privileges: Vec<GrantedPrivilege>,
}

impl PlanEntitlement {
    /// The view of `stored`, an entitlement of `feature`. Values of privileges that are no longer
    /// among the feature's are left out.
    pub fn new(stored: &StoredEntitlement, feature: &Feature) -> Self {
        Self {
            feature_code: feature.code.clone(),
            feature_name: feature.name.clone(),
            feature_description: feature.description.clone(),
            privileges: stored
                .values
                .iter()
                .filter_map(|value| {
                    let privilege =
                        feature.privileges.iter().find(|privilege| privilege.id == value.privilege_id)?;
                    Some(GrantedPrivilege { privilege: privilege.clone(), value: value.value.clone() })
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::feature::privilege::{PrivilegeCode, PrivilegeType};

    fn feature(code: &str, privileges: &[(&str, PrivilegeType)]) -> Feature {
        Feature {
            id: FeatureId::generate(),
            code: FeatureCode::from_stored(code.to_owned()),
            name: None,
            description: None,
            privileges: privileges
                .iter()
                .map(|(code, privilege_type)| Privilege {
                    id: PrivilegeId::generate(),
                    code: PrivilegeCode::from_stored((*code).to_owned()),
                    name: None,
                    privilege_type: privilege_type.clone(),
                    created_at: Utc::now(),
                })
                .collect(),
            created_at: Utc::now(),
        }
    }

    fn seats() -> Feature {
        feature("seats", &[("max", PrivilegeType::Integer), ("root", PrivilegeType::Boolean)])
    }

    fn input(feature_code: &str, privileges: &[(&str, PrivilegeValueInput)]) -> EntitlementInput {
        EntitlementInput {
            feature_code: feature_code.to_owned(),
            privileges: privileges.iter().map(|(code, value)| ((*code).to_owned(), value.clone())).collect(),
        }
    }

    fn stored(feature: &Feature, values: &[(usize, PrivilegeValue)]) -> StoredEntitlement {
        StoredEntitlement {
            id: EntitlementId::generate(),
            feature_id: feature.id,
            values: values
                .iter()
                .map(|(index, value)| StoredValue {
                    id: EntitlementValueId::generate(),
                    privilege_id: feature.privileges[*index].id,
                    value: value.clone(),
                    created_at: Utc::now(),
                })
                .collect(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_new_feature_gets_an_entitlement_and_its_values_in_request_order() {
        let seats = seats();
        let request = [input(
            "seats",
            &[
                ("root", PrivilegeValueInput::Boolean(true)),
                ("max", PrivilegeValueInput::String("10".into())),
            ],
        )];
        let changes =
            plan_entitlement_changes(&[], &request, std::slice::from_ref(&seats), EntitlementsWrite::Merge)
                .expect("valid");
        let [(entitlement_id, feature_id)] = changes.new_entitlements[..] else {
            panic!("one new entitlement")
        };
        assert_eq!(feature_id, seats.id);
        assert_eq!(
            changes.written_values,
            [
                ValueWrite {
                    entitlement_id,
                    privilege_id: seats.privileges[1].id,
                    value: PrivilegeValue::Boolean(true)
                },
                ValueWrite {
                    entitlement_id,
                    privilege_id: seats.privileges[0].id,
                    value: PrivilegeValue::Integer(10)
                },
            ]
        );
    }

    #[test]
    fn merge_writes_only_what_changes_and_removes_nothing() {
        let seats = seats();
        let sso = feature("sso", &[]);
        let current = [
            stored(&seats, &[(0, PrivilegeValue::Integer(10)), (1, PrivilegeValue::Boolean(true))]),
            stored(&sso, &[]),
        ];
        let request = [input(
            "seats",
            &[
                ("max", PrivilegeValueInput::String("10".into())),
                ("root", PrivilegeValueInput::Boolean(false)),
            ],
        )];
        let changes =
            plan_entitlement_changes(&current, &request, &[seats.clone(), sso], EntitlementsWrite::Merge)
                .expect("valid");
        assert_eq!(
            changes,
            EntitlementChanges {
                written_values: vec![ValueWrite {
                    entitlement_id: current[0].id,
                    privilege_id: seats.privileges[1].id,
                    value: PrivilegeValue::Boolean(false),
                }],
                ..EntitlementChanges::default()
            }
        );
    }

    #[test]
    fn replace_removes_unnamed_features_and_values_even_for_an_empty_feature() {
        let seats = seats();
        let sso = feature("sso", &[]);
        let current = [stored(&seats, &[(0, PrivilegeValue::Integer(10))]), stored(&sso, &[])];
        let request = [input("seats", &[])];
        let changes =
            plan_entitlement_changes(&current, &request, &[seats.clone(), sso], EntitlementsWrite::Replace)
                .expect("valid");
        assert_eq!(
            changes,
            EntitlementChanges {
                removed_entitlements: vec![current[1].id],
                removed_values: vec![current[0].values[0].id],
                ..EntitlementChanges::default()
            }
        );
        let cleared =
            plan_entitlement_changes(&current, &[], &[], EntitlementsWrite::Replace).expect("valid");
        assert_eq!(cleared.removed_entitlements, [current[0].id, current[1].id]);
    }

    #[test]
    fn the_first_failure_in_request_order_wins() {
        let seats = seats();
        let request = [input("seats", &[("max", PrivilegeValueInput::Other)]), input("ghost", &[])];
        let error =
            plan_entitlement_changes(&[], &request, std::slice::from_ref(&seats), EntitlementsWrite::Merge)
                .expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "validation errors: entitlements[0].privileges[0].value: value_is_invalid"
        );
        let request = [input("ghost", &[]), input("seats", &[("max", PrivilegeValueInput::Other)])];
        assert_eq!(
            plan_entitlement_changes(&[], &request, std::slice::from_ref(&seats), EntitlementsWrite::Merge),
            Err(Error::not_found(Resource::Feature, "ghost"))
        );
        let request = [input("seats", &[("nope", PrivilegeValueInput::Integer(1))])];
        assert_eq!(
            plan_entitlement_changes(&[], &request, &[seats], EntitlementsWrite::Merge),
            Err(Error::not_found(Resource::Privilege, "nope"))
        );
    }
}
