//! The whole of an organization, for a view that starts from nothing or has fallen too far
//! behind: a fixed number of queries for the catalog and the entitlements, and the subscriptions
//! in pages of [`SUBSCRIPTION_PAGE`], so that a million of them never sit in memory twice.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitlements_domain::{
    CustomerAttributes, CustomerId, Feature, FeatureId, Lifecycle, OrganizationId, PlanId, SubscriptionChain,
    SubscriptionId, Tz,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::db::error::StoreError;
use crate::entitlement::rows::load_organization_entitlements;
use crate::entitlement::subscription_rows::load_organization_removals;
use crate::entity::customer;
use crate::entity::subscription;
use crate::feature::all_features;
use crate::revision::revision_in;
use crate::view_source::{OrganizationImage, api_key_hashes};

/// Subscriptions read per query while loading an image.
pub(crate) const SUBSCRIPTION_PAGE: u64 = 10_000;

/// The organization as `connection` (a snapshot) sees it.
pub(super) async fn load(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    subscription_page: u64,
) -> Result<OrganizationImage, StoreError> {
    let revision = revision_in(connection, organization_id).await?;
    let features: HashMap<FeatureId, Feature> = all_features(connection, organization_id)
        .await?
        .into_iter()
        .map(|feature| (feature.id, feature))
        .collect();
    let mut entitlements = load_organization_entitlements(connection, organization_id, &features).await?;
    let removals = load_organization_removals(connection, organization_id).await?;
    let chains = load_chains(connection, organization_id, subscription_page.max(1)).await?;
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

/// What a chain needs of a subscription row: the columns its lifecycle and plan are read from.
#[derive(Debug, FromQueryResult)]
struct ChainRow {
    id: Uuid,
    customer_id: Uuid,
    plan_id: Uuid,
    previous_subscription_id: Option<Uuid>,
    external_id: String,
    status: subscription::Status,
    subscription_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    ending_at: Option<DateTime<Utc>>,
    terminated_at: Option<DateTime<Utc>>,
    canceled_at: Option<DateTime<Utc>>,
    downgrade_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// A subscription's place in its chain (creation time, then id) and what the chain keeps of it.
type ChainMemberRow = ((DateTime<Utc>, Uuid), (Lifecycle, PlanId));

impl ChainRow {
    /// The row's external id, and the member it makes.
    fn into_member(self, timezones: &HashMap<Uuid, Tz>) -> (String, ChainMemberRow) {
        let lifecycle = Lifecycle {
            id: SubscriptionId(self.id),
            customer_id: CustomerId(self.customer_id),
            previous_id: self.previous_subscription_id.map(SubscriptionId),
            status: self.status.into(),
            subscription_at: self.subscription_at,
            started_at: self.started_at,
            ending_at: self.ending_at,
            terminated_at: self.terminated_at,
            canceled_at: self.canceled_at,
            downgrade_at: self.downgrade_at,
            timezone: timezones.get(&self.customer_id).copied().unwrap_or(Tz::UTC),
        };
        (self.external_id, ((self.created_at, self.id), (lifecycle, PlanId(self.plan_id))))
    }
}

/// Every subscription of the organization, grouped by external id, each group oldest first. The
/// rows are read in external id order (the index lookups use), a page at a time; a page ends
/// before its last external id, whose rows the next page reads again, so that every chain is
/// built from all its rows at once.
async fn load_chains(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    page: u64,
) -> Result<HashMap<Box<str>, SubscriptionChain>, StoreError> {
    let timezones = customer_timezones(connection, organization_id).await?;
    let count = subscriptions()
        .filter(subscription::Column::OrganizationId.eq(organization_id.0))
        .count(connection)
        .await?;
    let mut chains = HashMap::with_capacity(usize::try_from(count).unwrap_or_default());
    let mut after: Option<String> = None;
    loop {
        let mut query = subscriptions()
            .filter(subscription::Column::OrganizationId.eq(organization_id.0))
            .order_by_asc(subscription::Column::ExternalId)
            .limit(page);
        if let Some(after) = &after {
            query = query.filter(subscription::Column::ExternalId.gt(after.as_str()));
        }
        let mut rows = query.into_model::<ChainRow>().all(connection).await?;
        let full_page = rows.len() as u64 == page;
        if full_page {
            let last = rows.last().map(|row| row.external_id.clone()).unwrap_or_default();
            rows.retain(|row| row.external_id != last);
            if rows.is_empty() {
                // One external id fills the page: read all of its subscriptions at once.
                rows = subscriptions()
                    .filter(subscription::Column::OrganizationId.eq(organization_id.0))
                    .filter(subscription::Column::ExternalId.eq(last.as_str()))
                    .into_model::<ChainRow>()
                    .all(connection)
                    .await?;
            }
        }
        let Some(last) = rows.last().map(|row| row.external_id.clone()) else { break };
        add_chains(&mut chains, rows, &timezones);
        after = Some(last);
        if !full_page {
            break;
        }
    }
    Ok(chains)
}

/// The chains of `rows`, which hold every subscription of their external ids, in external id
/// order. Each chain is built in a reused buffer and then allocated once, at its exact size.
fn add_chains(
    chains: &mut HashMap<Box<str>, SubscriptionChain>,
    rows: Vec<ChainRow>,
    timezones: &HashMap<Uuid, Tz>,
) {
    let mut group = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while let Some(row) = rows.next() {
        let (external_id, member) = row.into_member(timezones);
        group.push(member);
        if rows.peek().is_some_and(|next| next.external_id == external_id) {
            continue;
        }
        // The order `SubscriptionSet` loads them in, which lookups break ties by.
        group.sort_by_key(|(order, _)| *order);
        let members: Vec<_> = group.drain(..).map(|(_, member)| member).collect();
        chains.insert(external_id.into_boxed_str(), SubscriptionChain::new(members));
    }
}

/// Subscriptions, read as chains need them.
fn subscriptions() -> sea_orm::Select<subscription::Entity> {
    use subscription::Column;
    subscription::Entity::find().select_only().columns([
        Column::Id,
        Column::CustomerId,
        Column::PlanId,
        Column::PreviousSubscriptionId,
        Column::ExternalId,
        Column::Status,
        Column::SubscriptionAt,
        Column::StartedAt,
        Column::EndingAt,
        Column::TerminatedAt,
        Column::CanceledAt,
        Column::DowngradeAt,
        Column::CreatedAt,
    ])
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
