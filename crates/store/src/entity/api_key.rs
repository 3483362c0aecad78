//! `api_keys`: the SHA-256 of each key (never the key itself) and the organization it opens.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub key_hash: String,
    pub created_at: DateTimeUtc,
}

plain_entity!();
