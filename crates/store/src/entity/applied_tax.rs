//! `applied_taxes`: a tax applied to a plan, a charge, a minimum commitment or a customer (its owner).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applied_taxes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub owner_id: Uuid,
    pub tax_id: Uuid,
    pub created_at: DateTimeUtc,
}

plain_entity!();
