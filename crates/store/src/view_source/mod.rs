//! What the in-memory view of each server process (`entitlements-engine`) reads: an
//! organization's image (its catalog, every subscription chain with what its effective
//! entitlements need, its API keys) at one revision, and then, revision after revision, the
//! objects its change events name, reloaded together from one snapshot. Reloading the named
//! objects rather than replaying each event keeps events small and the view exactly what the
//! database path reads: every object is loaded by the same functions, at the snapshot's
//! revision.

mod changes;
mod image;

use std::collections::HashMap;

use entitlements_domain::{
    Feature, FeatureId, OrganizationId, PlanId, StoredEntitlement, StoredRemoval, SubscriptionChain,
    SubscriptionId,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::Store;
use crate::db::error::StoreError;
use crate::entity::api_key;
use crate::entity::organization;

/// The SHA-256 of an API key, in hex, as stored (see [`crate::ApiKey::hash`]).
pub type ApiKeyHash = String;

/// Everything the view holds of an organization, at `revision`.
#[derive(Debug, Default)]
pub struct OrganizationImage {
    pub revision: u64,
    /// The features (not deleted), with their privileges.
    pub features: HashMap<FeatureId, Feature>,
    /// Each plan's entitlements (plans with none are absent).
    pub plan_entitlements: HashMap<PlanId, Vec<StoredEntitlement>>,
    /// The subscriptions, by external id.
    pub chains: HashMap<Box<str>, SubscriptionChain>,
    /// Each subscription's own entitlements (overrides, and features only it has); subscriptions
    /// with none are absent.
    pub subscription_entitlements: HashMap<SubscriptionId, Vec<StoredEntitlement>>,
    /// Each subscription's removals; subscriptions with none are absent.
    pub removals: HashMap<SubscriptionId, Vec<StoredRemoval>>,
    pub api_keys: Vec<ApiKeyHash>,
}

/// The objects that changed between two revisions, each as it is at `revision`: applied over the
/// view at the earlier revision, they make it the view at `revision`.
#[derive(Debug, Default)]
pub struct OrganizationChanges {
    pub revision: u64,
    /// Each changed feature, `None` when it is deleted.
    pub features: Vec<(FeatureId, Option<Feature>)>,
    /// Each changed plan's entitlements (empty when it has none).
    pub plan_entitlements: Vec<(PlanId, Vec<StoredEntitlement>)>,
    /// Each changed external id's subscriptions.
    pub chains: Vec<(String, SubscriptionChain)>,
    /// The own entitlements of every subscription of the changed chains (empty when none).
    pub subscription_entitlements: Vec<(SubscriptionId, Vec<StoredEntitlement>)>,
    /// The removals of every subscription of the changed chains (empty when none).
    pub removals: Vec<(SubscriptionId, Vec<StoredRemoval>)>,
    /// The organization's keys, when they changed.
    pub api_keys: Option<Vec<ApiKeyHash>>,
}

/// How a view at some revision catches up.
#[derive(Debug)]
pub enum ViewUpdate {
    /// The organization is at that revision still.
    Unchanged,
    Changes(OrganizationChanges),
    /// Too much changed, or the events are pruned: the whole organization, reloaded.
    Image(OrganizationImage),
}

impl Store {
    /// Every organization with its latest revision: one query, to find what a view lacks.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn organization_revisions(&self) -> Result<Vec<(OrganizationId, u64)>, StoreError> {
        let rows: Vec<(uuid::Uuid, i64)> = organization::Entity::find()
            .select_only()
            .column(organization::Column::Id)
            .column(organization::Column::ChangeSequence)
            .into_tuple()
            .all(self.connection())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, sequence)| (OrganizationId(id), u64::try_from(sequence).unwrap_or_default()))
            .collect())
    }

    /// The organization's image at its latest revision, read from one snapshot.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn organization_image(
        &self,
        organization_id: OrganizationId,
    ) -> Result<OrganizationImage, StoreError> {
        self.organization_image_in_pages(organization_id, image::SUBSCRIPTION_PAGE).await
    }

    /// [`Store::organization_image`], reading subscriptions `subscription_page` at a time (tests
    /// read tiny pages, to cross page boundaries with few subscriptions).
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn organization_image_in_pages(
        &self,
        organization_id: OrganizationId,
        subscription_page: u64,
    ) -> Result<OrganizationImage, StoreError> {
        let transaction = self.begin_snapshot().await?;
        let image = image::load(&transaction, organization_id, subscription_page).await?;
        transaction.commit().await?;
        Ok(image)
    }

    /// What changed in the organization after `revision`, up to its latest revision, read from
    /// one snapshot: the objects its events name, or the whole image when the events after
    /// `revision` are pruned or too many to be worth reloading one by one.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn organization_changes(
        &self,
        organization_id: OrganizationId,
        revision: u64,
    ) -> Result<ViewUpdate, StoreError> {
        let transaction = self.begin_snapshot().await?;
        let update = changes::load(&transaction, organization_id, revision).await?;
        transaction.commit().await?;
        Ok(update)
    }
}

/// The organization's API key hashes.
async fn api_key_hashes(
    connection: &impl sea_orm::ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<Vec<ApiKeyHash>, StoreError> {
    Ok(api_key::Entity::find()
        .select_only()
        .column(api_key::Column::KeyHash)
        .filter(api_key::Column::OrganizationId.eq(organization_id.0))
        .into_tuple()
        .all(connection)
        .await?)
}
