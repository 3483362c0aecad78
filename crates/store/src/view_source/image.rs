//! The whole of an organization, for a view that starts from nothing or has fallen too far
//! behind: a fixed number of queries for the catalog and the entitlements, and the subscriptions
//! in pages of [`SUBSCRIPTION_PAGE`], so that a million of them never sit in memory twice.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitlements_domain::{
    CustomerAttributes, Feature, FeatureId, Lifecycle, OrganizationId, PlanId, SubscriptionChain,
    SubscriptionId, Tz,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::db::error::StoreError;
use crate::entitlement::rows::load_organization_entitlements;
use crate::entitlement::subscription_rows::load_organization_removals;
use crate::entity::customer;
use crate::entity::subscription;
use crate::feature::all_features;
use crate::revision::revision_in;
use crate::subscription_lifecycle::chain::lifecycle;
use crate::view_source::{OrganizationImage, api_key_hashes};

/// Subscriptions read per query while loading an image.
const SUBSCRIPTION_PAGE: u64 = 10_000;

/// The organization as `connection` (a snapshot) sees it.
pub(super) async fn load(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<OrganizationImage, StoreError> {
    let revision = revision_in(connection, organization_id).await?;
    let features: HashMap<FeatureId, Feature> = all_features(connection, organization_id)
        .await?
        .into_iter()
        .map(|feature| (feature.id, feature))
        .collect();
    let mut entitlements = load_organization_entitlements(connection, organization_id, &features).await?;
    let removals = load_organization_removals(connection, organization_id).await?;
    let chains = load_chains(connection, organization_id).await?;
    let mut subscription_entitlements = HashMap::new();
    for subscription_id in chains.values().flat_map(|chain| chain.subscription_ids()) {
        if let Some(own) = entitlements.remove(&subscription_id.0) {
            subscription_entitlements.insert(subscription_id, own);
        }
    }
    // What is left belongs to plans: an entitlement has exactly one owner.
    let plan_entitlements = entitlements.into_iter().map(|(owner, stored)| (PlanId(owner), stored)).collect();
    Ok(OrganizationImage {
        revision,
        features,
        plan_entitlements,
        chains,
        subscription_entitlements,
        removals: removals.into_iter().map(|(id, removals)| (SubscriptionId(id), removals)).collect(),
        api_keys: api_key_hashes(connection, organization_id).await?,
    })
}

/// Every subscription of the organization, grouped by external id, each group oldest first.
async fn load_chains(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<HashMap<String, SubscriptionChain>, StoreError> {
    let timezones = customer_timezones(connection, organization_id).await?;
    let mut members: HashMap<String, Vec<(DateTime<Utc>, Uuid, Lifecycle, PlanId)>> = HashMap::new();
    let mut after: Option<Uuid> = None;
    loop {
        let mut query = subscription::Entity::find()
            .filter(subscription::Column::OrganizationId.eq(organization_id.0))
            .order_by_asc(subscription::Column::Id)
            .limit(SUBSCRIPTION_PAGE);
        if let Some(after) = after {
            query = query.filter(subscription::Column::Id.gt(after));
        }
        let rows = query.all(connection).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        let full_page = rows.len() as u64 == SUBSCRIPTION_PAGE;
        for row in rows {
            let timezone = timezones.get(&row.customer_id).copied().unwrap_or(Tz::UTC);
            let member = (row.created_at, row.id, lifecycle(&row, timezone), PlanId(row.plan_id));
            members.entry(row.external_id).or_default().push(member);
        }
        if !full_page {
            break;
        }
    }
    Ok(members
        .into_iter()
        .map(|(external_id, mut chain)| {
            // The order `SubscriptionSet` loads them in, which lookups break ties by.
            chain.sort_by_key(|(created_at, id, ..)| (*created_at, *id));
            let chain = chain.into_iter().map(|(_, _, lifecycle, plan_id)| (lifecycle, plan_id)).collect();
            (external_id, SubscriptionChain::new(chain))
        })
        .collect())
}

/// The timezone of each customer that has one (deleted customers included: their subscriptions
/// remain); the others read dates in UTC.
async fn customer_timezones(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<HashMap<Uuid, Tz>, StoreError> {
    let rows: Vec<(Uuid, Option<String>)> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::Timezone)
        .filter(customer::Column::OrganizationId.eq(organization_id.0))
        .filter(customer::Column::Timezone.is_not_null())
        .into_tuple()
        .all(connection)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, timezone)| {
            (id, CustomerAttributes { timezone, ..CustomerAttributes::default() }.applicable_tz())
        })
        .collect())
}
