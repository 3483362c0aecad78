//! Revisions: an organization's revision is its change log's sequence, the number of the last
//! change event it committed (`organizations.change_sequence`). Every write advances it, gap-free
//! in commit order, so "at least revision N" means "has seen every write up to the one that
//! answered N".

use entitlements_domain::{Error, OrganizationId};
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};

use crate::Store;
use crate::db::error::StoreError;
use crate::entity::organization;

impl Store {
    /// The organization's current revision: one indexed read, cheap enough to poll.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn organization_revision(&self, organization_id: OrganizationId) -> Result<u64, StoreError> {
        revision_in(self.connection(), organization_id).await
    }
}

/// The organization's revision as `connection` sees it (inside a snapshot, the snapshot's).
pub(crate) async fn revision_in(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<u64, StoreError> {
    let sequence: Option<i64> = organization::Entity::find_by_id(organization_id.0)
        .select_only()
        .column(organization::Column::ChangeSequence)
        .into_tuple()
        .one(connection)
        .await?;
    let sequence =
        sequence.ok_or_else(|| Error::Internal(format!("organization {organization_id} vanished")))?;
    u64::try_from(sequence).map_err(|_| {
        Error::Internal(format!("organization {organization_id} has a negative revision")).into()
    })
}
