//! Conversions between the FeatureService messages and domain types. Proto -> domain destructures
//! every message, so that a new field is a compile error here until it is handled.

use chrono::{DateTime, Utc};
use entitlements::v1 as pb;
use entitlements_domain::{
    Error, Feature, FeatureCreateInput, FeatureUpdateInput, PaginationMeta, Privilege, PrivilegeInput,
    ValueType, ValueTypeInput,
};

pub(crate) fn create_input(request: pb::CreateFeatureRequest) -> Result<FeatureCreateInput, Error> {
    let pb::CreateFeatureRequest { feature } = request;
    let pb::FeatureCreateInput { code, name, description, privileges } =
        feature.ok_or_else(|| Error::missing_param("feature"))?;
    Ok(FeatureCreateInput {
        code,
        name,
        description,
        privileges: privileges.into_iter().map(privilege_input).collect(),
    })
}

/// The update, or `None` when the request carries no `feature` (a 400 once the feature is found).
pub(crate) fn update_input(feature: Option<pb::FeatureUpdateInput>) -> Option<FeatureUpdateInput> {
    let pb::FeatureUpdateInput { name, description, privileges } = feature?;
    Some(FeatureUpdateInput {
        name: name.map(nullable),
        description: description.map(nullable),
        privileges: privileges.into_iter().map(privilege_input).collect(),
    })
}

fn privilege_input(input: pb::PrivilegeInput) -> PrivilegeInput {
    let pb::PrivilegeInput { code, name, value_type, config } = input;
    PrivilegeInput {
        code,
        name: name.map(nullable),
        value_type: value_type_input(value_type),
        select_options: config.map(|pb::PrivilegeConfig { select_options }| select_options),
    }
}

pub(crate) fn nullable(value: pb::NullableString) -> Option<String> {
    let pb::NullableString { value } = value;
    value
}

fn value_type_input(value_type: Option<i32>) -> ValueTypeInput {
    let Some(number) = value_type else { return ValueTypeInput::Absent };
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

pub(crate) fn pagination_meta_to_pb(meta: PaginationMeta) -> pb::PaginationMeta {
    // Counts come from the database and pages from an i64 request, so they fit an i64.
    let to_i64 = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    pb::PaginationMeta {
        current_page: to_i64(meta.current_page),
        next_page: meta.next_page.map(to_i64),
        prev_page: meta.prev_page.map(to_i64),
        total_pages: to_i64(meta.total_pages),
        total_count: to_i64(meta.total_count),
    }
}
