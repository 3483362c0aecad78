//! `change_events`: the append-only log of committed mutations, per organization and in sequence.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sequence: i64,
    pub event_type: String,
    pub object_type: String,
    pub object_id: Uuid,
    pub object_code: String,
    pub created_at: DateTimeUtc,
}

plain_entity!();
