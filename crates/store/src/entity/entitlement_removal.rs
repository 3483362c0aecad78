//! `entitlement_subscription_feature_removals`: a subscription hiding a plan feature or a plan
//! privilege's value (exactly one of the two ids is set).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entitlement_subscription_feature_removals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub subscription_id: Uuid,
    pub entitlement_feature_id: Option<Uuid>,
    pub entitlement_privilege_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

plain_entity!();
