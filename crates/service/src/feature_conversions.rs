//! Conversions between the FeatureService messages and domain types. Proto -> domain destructures
//! every message, so that a new field is a compile error here until it is handled.

use chrono::{DateTime, Utc};
use entitlements::v1 as pb;
use entitlements_domain::{
    Error, Feature, FeatureCreateInput, FeatureUpdateInput, Privilege, PrivilegeInput, ValueType,
    ValueTypeInput,
};
use prost_types::FieldMask;

use crate::update_mask::UpdateMask;

pub(crate) fn create_input(request: pb::CreateFeatureRequest) -> Result<FeatureCreateInput, Error> {
    let pb::CreateFeatureRequest { feature } = request;
    let pb::FeatureCreateInput { code, name, description, privileges } =
        feature.ok_or_else(|| Error::missing_param("feature"))?;
    Ok(FeatureCreateInput { code, name, description, privileges: privilege_inputs(privileges)? })
}

/// The update as `update_mask` selects it.
///
/// # Errors
/// `BadRequest` when the request carries no `feature`; `update_mask: unknown_field` (or a
/// privilege's) for a path the mask cannot name.
pub(crate) fn update_input(
    feature: Option<pb::FeatureUpdateInput>,
    update_mask: Option<FieldMask>,
) -> Result<FeatureUpdateInput, Error> {
    let pb::FeatureUpdateInput { name, description, privileges } =
        feature.ok_or_else(|| Error::missing_param("feature"))?;
    let mask = UpdateMask::resolve(
        update_mask,
        "update_mask",
        &[
            ("name", name.is_some()),
            ("description", description.is_some()),
            ("privileges", !privileges.is_empty()),
        ],
    )?;
    Ok(FeatureUpdateInput {
        name: mask.field("name", name),
        description: mask.field("description", description),
        // Privileges are merged by code, so an unlisted list writes nothing.
        privileges: privilege_inputs(mask.list("privileges", privileges).unwrap_or_default())?,
    })
}

fn privilege_inputs(privileges: Vec<pb::PrivilegeInput>) -> Result<Vec<PrivilegeInput>, Error> {
    privileges.into_iter().enumerate().map(|(index, privilege)| privilege_input(index, privilege)).collect()
}

/// A privilege as its own `update_mask` selects it: an unlisted name is kept (null for a new
/// privilege), an unlisted value type means STRING for a new privilege.
fn privilege_input(index: usize, input: pb::PrivilegeInput) -> Result<PrivilegeInput, Error> {
    let pb::PrivilegeInput { code, name, value_type, config, update_mask } = input;
    let mask = UpdateMask::resolve(
        update_mask,
        &format!("privileges[{index}].update_mask"),
        &[("name", name.is_some()), ("value_type", value_type.is_some()), ("config", config.is_some())],
    )?;
    let value_type = match mask.field("value_type", value_type) {
        None => ValueTypeInput::Absent,
        Some(None) => ValueTypeInput::Null,
        Some(Some(number)) => value_type_input(number),
    };
    Ok(PrivilegeInput {
        code,
        name: mask.field("name", name),
        value_type,
        // Options are only ever appended, so an unset config, listed or not, adds none.
        select_options: mask
            .field("config", config)
            .flatten()
            .map(|pb::PrivilegeConfig { select_options }| select_options),
    })
}

fn value_type_input(number: i32) -> ValueTypeInput {
    match pb::PrivilegeValueType::try_from(number) {
        Ok(pb::PrivilegeValueType::Unspecified) => ValueTypeInput::Null,
        Ok(pb::PrivilegeValueType::String) => ValueTypeInput::Known(ValueType::String),
        Ok(pb::PrivilegeValueType::Integer) => ValueTypeInput::Known(ValueType::Integer),
        Ok(pb::PrivilegeValueType::Boolean) => ValueTypeInput::Known(ValueType::Boolean),
        Ok(pb::PrivilegeValueType::Select) => ValueTypeInput::Known(ValueType::Select),
        Err(_) => ValueTypeInput::Unknown,
    }
}

pub(crate) fn value_type_to_pb(value_type: ValueType) -> pb::PrivilegeValueType {
    match value_type {
        ValueType::String => pb::PrivilegeValueType::String,
        ValueType::Integer => pb::PrivilegeValueType::Integer,
        ValueType::Boolean => pb::PrivilegeValueType::Boolean,
        ValueType::Select => pb::PrivilegeValueType::Select,
    }
}

pub(crate) fn timestamp(instant: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: instant.timestamp(),
        // Below 10^9 by construction, so it fits an i32.
        nanos: i32::try_from(instant.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

// The generated messages and the domain types both live in other crates, so the orphan rule
// leaves plain functions rather than `From` impls.

fn privilege_to_pb(privilege: Privilege) -> pb::Privilege {
    pb::Privilege {
        value_type: value_type_to_pb(privilege.privilege_type.value_type()).into(),
        config: Some(pb::PrivilegeConfig {
            select_options: privilege.privilege_type.select_options().to_vec(),
        }),
        code: privilege.code.as_str().to_owned(),
        name: privilege.name,
    }
}

pub(crate) fn feature_to_pb(feature: Feature) -> pb::Feature {
    pb::Feature {
        code: feature.code.as_str().to_owned(),
        name: feature.name,
        description: feature.description,
        privileges: feature.privileges.into_iter().map(privilege_to_pb).collect(),
        created_at: Some(timestamp(feature.created_at)),
    }
}
