//! The objects webhooks carry, loaded in the write's transaction after its mutations: the state
//! at the event's revision. Loads are batched per kind of object (a fixed number of queries for
//! each kind, whatever the number of events), and read deleted objects too: a deletion's event
//! carries the object as it was, with the children deleted along with it (the privileges of a
//! feature, the filters of a metric, the charges of a plan).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitlements_domain::webhook::{WebhookEventType, WebhookObject};
use entitlements_domain::{BillableMetric, Customer, Feature, OrganizationId, Plan, Subscription};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::billable_metric::billable_metrics_by_ids_with_deleted;
use crate::customer::rows::load_customers;
use crate::db::error::StoreError;
use crate::db::in_chunks;
use crate::entity::customer;
use crate::entity::plan;
use crate::entity::subscription;
use crate::feature::features_by_ids_with_deleted;
use crate::plan::reads::load_plans_as_deleted;
use crate::subscription::rows::load_subscriptions;

/// The object of each `(event, object id)`, in the same order; `None` for an object that does not
/// exist (in this organization). `now` dates a subscription's current billing period.
pub(crate) async fn load_objects(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    requests: &[(WebhookEventType, Uuid)],
    now: DateTime<Utc>,
) -> Result<Vec<Option<WebhookObject>>, StoreError> {
    let ids_of = |object_type: &str| -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = requests
            .iter()
            .filter(|(event_type, _)| event_type.object_type() == object_type)
            .map(|(_, id)| *id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let features: HashMap<Uuid, Feature> =
        features_by_ids_with_deleted(connection, organization_id, &ids_of("feature"))
            .await?
            .into_iter()
            .map(|feature| (feature.id.0, feature))
            .collect();
    let plans = plans_by_id(connection, organization_id, &ids_of("plan")).await?;
    let metrics: HashMap<Uuid, BillableMetric> =
        billable_metrics_by_ids_with_deleted(connection, organization_id, &ids_of("billable_metric"))
            .await?
            .into_iter()
            .map(|metric| (metric.id.0, metric))
            .collect();
    let subscriptions =
        subscriptions_by_id(connection, organization_id, &ids_of("subscription"), now).await?;
    let mut customer_ids = ids_of("customer");
    customer_ids.extend(subscriptions.values().map(|subscription| subscription.customer_id.0));
    customer_ids.sort_unstable();
    customer_ids.dedup();
    let customers = customers_by_id(connection, organization_id, &customer_ids).await?;
    Ok(requests
        .iter()
        .map(|(event_type, id)| match event_type.object_type() {
            "feature" => features.get(id).cloned().map(WebhookObject::Feature),
            "plan" => plans.get(id).cloned().map(WebhookObject::Plan),
            "billable_metric" => metrics.get(id).cloned().map(WebhookObject::BillableMetric),
            "customer" => customers.get(id).cloned().map(WebhookObject::Customer),
            _ => {
                let subscription = subscriptions.get(id)?;
                let customer = customers.get(&subscription.customer_id.0)?;
                Some(WebhookObject::Subscription {
                    subscription: subscription.clone(),
                    customer: customer.clone(),
                })
            }
        })
        .collect())
}

/// Plans, deleted ones included (`plan.deleted` is recorded after the deletion).
async fn plans_by_id(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Plan>, StoreError> {
    let rows = in_chunks(ids, |chunk| {
        plan::Entity::find()
            .filter(plan::Column::OrganizationId.eq(organization_id.0))
            .filter(plan::Column::Id.is_in(chunk.iter().copied()))
            .all(connection)
    })
    .await?;
    Ok(load_plans_as_deleted(connection, organization_id, rows)
        .await?
        .into_iter()
        .map(|plan| (plan.id.0, plan))
        .collect())
}

/// Customers with their metadata, deleted ones included (a customer's deletion terminates its
/// subscriptions, whose events carry it).
async fn customers_by_id(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Customer>, StoreError> {
    let rows = in_chunks(ids, |chunk| {
        customer::Entity::find()
            .filter(customer::Column::OrganizationId.eq(organization_id.0))
            .filter(customer::Column::Id.is_in(chunk.iter().copied()))
            .all(connection)
    })
    .await?;
    Ok(load_customers(connection, organization_id, rows)
        .await?
        .into_iter()
        .map(|customer| (customer.id.0, customer))
        .collect())
}

/// Subscriptions with their plans and effective entitlements (which only `started` and `updated`
/// show; loading them for all costs no more queries).
async fn subscriptions_by_id(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, Subscription>, StoreError> {
    let rows = in_chunks(ids, |chunk| {
        subscription::Entity::find()
            .filter(subscription::Column::OrganizationId.eq(organization_id.0))
            .filter(subscription::Column::Id.is_in(chunk.iter().copied()))
            .all(connection)
    })
    .await?;
    Ok(load_subscriptions(connection, organization_id, rows, now, true)
        .await?
        .into_iter()
        .map(|subscription| (subscription.id.0, subscription))
        .collect())
}
