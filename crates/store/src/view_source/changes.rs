//! Catching a view up: the events after its revision name the objects that changed (a feature,
//! a plan, an external id's subscriptions, a customer whose timezone dates are read in, the API
//! keys), and each is reloaded once, in bulk, from the same snapshot as the revision. Events of
//! objects the view does not hold (taxes, billable metrics) cost nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use entitlements_domain::{FeatureId, Lifecycle, OrganizationId, PlanId, SubscriptionChain, SubscriptionId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::change_log::{ChangeEvent, ChangeEventType, events_after};
use crate::db::error::StoreError;
use crate::db::in_chunks;
use crate::entitlement::rows::{load_owner_entitlements, load_plan_entitlements};
use crate::entitlement::subscription_rows::load_removals_of;
use crate::entity::subscription;
use crate::feature::features_by_ids;
use crate::revision::revision_in;
use crate::subscription_lifecycle::chain::SubscriptionSet;
use crate::view_source::{OrganizationChanges, ViewUpdate, api_key_hashes, image};

/// Past this many events, reloading the whole organization is the cheaper catch-up.
const MOST_EVENTS_APPLIED: u64 = 10_000;

/// The objects a run of events names.
#[derive(Debug, Default)]
struct Touched {
    features: BTreeSet<Uuid>,
    plans: BTreeSet<Uuid>,
    external_ids: BTreeSet<String>,
    customers: BTreeSet<Uuid>,
    api_keys: bool,
}

impl Touched {
    /// What `events` name; `None` when one of them is of a type this version does not know
    /// (written by a newer one), which only a whole reload can follow.
    fn of(events: &[ChangeEvent]) -> Option<Self> {
        let mut touched = Self::default();
        for event in events {
            match ChangeEventType::parse(&event.event_type)? {
                ChangeEventType::FeatureCreated
                | ChangeEventType::FeatureUpdated
                | ChangeEventType::FeatureDeleted => {
                    touched.features.insert(event.object_id);
                }
                ChangeEventType::PlanCreated
                | ChangeEventType::PlanUpdated
                | ChangeEventType::PlanDeleted => {
                    touched.plans.insert(event.object_id);
                }
                ChangeEventType::SubscriptionCreated
                | ChangeEventType::SubscriptionStarted
                | ChangeEventType::SubscriptionUpdated
                | ChangeEventType::SubscriptionTerminated
                | ChangeEventType::SubscriptionCanceled => {
                    touched.external_ids.insert(event.object_code.clone());
                }
                // A customer's timezone decides when its subscriptions start.
                ChangeEventType::CustomerCreated
                | ChangeEventType::CustomerUpdated
                | ChangeEventType::CustomerDeleted => {
                    touched.customers.insert(event.object_id);
                }
                ChangeEventType::OrganizationCreated | ChangeEventType::ApiKeyCreated => {
                    touched.api_keys = true;
                }
                // Notices about a subscription change none of its entitlements.
                ChangeEventType::SubscriptionTrialEnded
                | ChangeEventType::SubscriptionTerminationAlert
                | ChangeEventType::TaxCreated
                | ChangeEventType::TaxUpdated
                | ChangeEventType::TaxDeleted
                | ChangeEventType::BillableMetricCreated
                | ChangeEventType::BillableMetricUpdated
                | ChangeEventType::BillableMetricDeleted => {}
            }
        }
        Some(touched)
    }
}

/// How the organization changed after `revision`, as `connection` (a snapshot) sees it.
pub(super) async fn load(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    revision: u64,
) -> Result<ViewUpdate, StoreError> {
    let latest = revision_in(connection, organization_id).await?;
    if latest == revision {
        return Ok(ViewUpdate::Unchanged);
    }
    let Ok(after) = i64::try_from(revision) else {
        return Ok(ViewUpdate::Image(
            image::load(connection, organization_id, image::SUBSCRIPTION_PAGE).await?,
        ));
    };
    let events = events_after(connection, organization_id, after, MOST_EVENTS_APPLIED + 1).await?;
    // Applying changes needs every event after `revision`: none pruned, none beyond the limit.
    // A view ahead of the database (restored from a backup) starts over too.
    let complete = events.first().is_some_and(|first| first.sequence == after + 1)
        && events.last().is_some_and(|last| u64::try_from(last.sequence).ok() == Some(latest))
        && events.len() as u64 <= MOST_EVENTS_APPLIED;
    let touched = if complete { Touched::of(&events) } else { None };
    let Some(mut touched) = touched else {
        return Ok(ViewUpdate::Image(
            image::load(connection, organization_id, image::SUBSCRIPTION_PAGE).await?,
        ));
    };
    let mut changes = OrganizationChanges { revision: latest, ..OrganizationChanges::default() };
    load_features(connection, organization_id, &touched.features, &mut changes).await?;
    load_plans(connection, organization_id, &touched.plans, &mut changes).await?;
    let customers: Vec<Uuid> = touched.customers.iter().copied().collect();
    touched.external_ids.extend(external_ids_of_customers(connection, &customers).await?);
    load_chains(connection, organization_id, &touched.external_ids, &mut changes).await?;
    if touched.api_keys {
        changes.api_keys = Some(api_key_hashes(connection, organization_id).await?);
    }
    Ok(ViewUpdate::Changes(changes))
}

async fn load_features(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &BTreeSet<Uuid>,
    changes: &mut OrganizationChanges,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    let mut found: HashMap<Uuid, _> = features_by_ids(connection, organization_id, &ids)
        .await?
        .into_iter()
        .map(|feature| (feature.id.0, feature))
        .collect();
    changes.features = ids.into_iter().map(|id| (FeatureId(id), found.remove(&id))).collect();
    Ok(())
}

async fn load_plans(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &BTreeSet<Uuid>,
    changes: &mut OrganizationChanges,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    let mut by_plan = load_plan_entitlements(connection, organization_id, &ids).await?.into_by_owner();
    changes.plan_entitlements =
        ids.into_iter().map(|id| (PlanId(id), by_plan.remove(&id).unwrap_or_default())).collect();
    Ok(())
}

/// The external ids of these customers' subscriptions.
async fn external_ids_of_customers(
    connection: &impl ConnectionTrait,
    customer_ids: &[Uuid],
) -> Result<Vec<String>, StoreError> {
    in_chunks(customer_ids, |chunk| {
        subscription::Entity::find()
            .select_only()
            .column(subscription::Column::ExternalId)
            .filter(subscription::Column::CustomerId.is_in(chunk.iter().copied()))
            .into_tuple::<String>()
            .all(connection)
    })
    .await
}

/// The subscriptions of these external ids, with their own entitlements and removals.
async fn load_chains(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    external_ids: &BTreeSet<String>,
    changes: &mut OrganizationChanges,
) -> Result<(), StoreError> {
    if external_ids.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = external_ids.iter().cloned().collect();
    let set = SubscriptionSet::load(connection, organization_id, &list, false).await?;
    // The set's rows are oldest first, so each chain keeps that order.
    let mut chains: BTreeMap<&str, Vec<(Lifecycle, PlanId)>> =
        external_ids.iter().map(|external_id| (external_id.as_str(), Vec::new())).collect();
    for (row, lifecycle) in set.rows().iter().zip(set.lifecycles()) {
        if let Some(chain) = chains.get_mut(row.external_id.as_str()) {
            chain.push((lifecycle, PlanId(row.plan_id)));
        }
    }
    let subscription_ids: Vec<Uuid> = set.rows().iter().map(|row| row.id).collect();
    let mut own =
        load_owner_entitlements(connection, organization_id, &[], &subscription_ids).await?.into_by_owner();
    let mut removals = load_removals_of(connection, &subscription_ids).await?;
    for id in subscription_ids {
        changes.subscription_entitlements.push((SubscriptionId(id), own.remove(&id).unwrap_or_default()));
        changes.removals.push((SubscriptionId(id), removals.remove(&id).unwrap_or_default()));
    }
    changes.chains = chains
        .into_iter()
        .map(|(external_id, members)| (external_id.to_owned(), SubscriptionChain::new(members)))
        .collect();
    Ok(())
}
