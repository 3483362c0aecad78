//! `entitlement_privileges`, soft-deleted. `config` is Lago's JSON: `{"select_options": [...]}` for
//! select privileges, `{}` otherwise. `value_type` is stored in Lago's spelling (`integer`).

use entitlements_domain as domain;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entitlement_privileges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub entitlement_feature_id: Uuid,
    pub code: String,
    pub name: Option<String>,
    pub value_type: ValueType,
    pub config: Json,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

plain_entity!();

stored_enum! {
    /// `entitlement_privileges.value_type`, in Lago's spelling.
    ValueType <=> domain::ValueType {
        String = "string",
        Integer = "integer",
        Boolean = "boolean",
        Select = "select",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::tests::assert_stored_enum;

    #[test]
    fn value_type_is_stored_in_lago_spelling_and_converts_both_ways() {
        assert_stored_enum::<ValueType, domain::ValueType>(
            Column::ValueType,
            &["string", "integer", "boolean", "select"],
            &[
                domain::ValueType::String,
                domain::ValueType::Integer,
                domain::ValueType::Boolean,
                domain::ValueType::Select,
            ],
            domain::ValueType::as_str,
        );
    }
}
