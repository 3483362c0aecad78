//! The index the change log's pruning walks: events oldest first, across organizations, so that
//! each pruning step reads only the rows it deletes (and each organization's latest event, which it
//! keeps).

use sea_orm_migration::prelude::*;

use super::execute_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_all(manager, &["CREATE INDEX idx_change_events_created_at ON change_events (created_at)"])
            .await
    }
}
