//! The organization lock: writes that decide on several rows of an organization (customer
//! upserts, subscription changes, plan deletion) take it first, so that they serialize.

use entitlements_domain::{Error, OrganizationId};
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};

use crate::db::error::StoreError;
use crate::entity::organization;

/// Locks the organization's row until commit and returns its name. Every customer write takes
/// it first, so that two requests cannot both create a customer with the same external id or
/// sequential id (on SQLite the write transaction already holds the database lock).
pub(crate) async fn lock_organization(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<String, StoreError> {
    Ok(organization::Entity::find_by_id(organization_id.0)
        .lock_exclusive()
        .one(connection)
        .await?
        .map(|row| row.name)
        .ok_or_else(|| Error::Internal(format!("organization {organization_id} vanished")))?)
}
