//! The transactional outbox. A write's change events become webhook deliveries in the transaction
//! that commits them: one row per event and subscribed endpoint, with the body rendered from the
//! object as this transaction sees it, i.e. at the event's revision. So an event that commits is
//! delivered (the dispatcher finds its rows), a write that rolls back sends nothing, and retries
//! resend the same bytes.

use std::collections::HashSet;
use std::sync::Arc;

use entitlements_domain::webhook::event_types::endpoint_receives;
use entitlements_domain::webhook::{WebhookEventType, WebhookRenderer};
use entitlements_domain::{Error, OrganizationId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::objects::load_objects;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::db::error::StoreError;
use crate::entity::{webhook_delivery, webhook_endpoint};

/// Rows per insert statement: far below SQLite's and PostgreSQL's bind-parameter limits.
const INSERT_CHUNK: usize = 500;

/// The webhook Lago sends for a change, if any. Changes without one (taxes, API keys, a customer's
/// deletion, a subscription's creation, which is announced when it starts) send nothing.
pub(crate) fn webhook_event(change: ChangeEventType) -> Option<WebhookEventType> {
    Some(match change {
        ChangeEventType::FeatureCreated => WebhookEventType::FeatureCreated,
        ChangeEventType::FeatureUpdated => WebhookEventType::FeatureUpdated,
        ChangeEventType::FeatureDeleted => WebhookEventType::FeatureDeleted,
        ChangeEventType::PlanCreated => WebhookEventType::PlanCreated,
        ChangeEventType::PlanUpdated => WebhookEventType::PlanUpdated,
        ChangeEventType::PlanDeleted => WebhookEventType::PlanDeleted,
        ChangeEventType::BillableMetricCreated => WebhookEventType::BillableMetricCreated,
        ChangeEventType::BillableMetricUpdated => WebhookEventType::BillableMetricUpdated,
        ChangeEventType::BillableMetricDeleted => WebhookEventType::BillableMetricDeleted,
        ChangeEventType::CustomerCreated => WebhookEventType::CustomerCreated,
        ChangeEventType::CustomerUpdated => WebhookEventType::CustomerUpdated,
        ChangeEventType::SubscriptionStarted => WebhookEventType::SubscriptionStarted,
        ChangeEventType::SubscriptionUpdated => WebhookEventType::SubscriptionUpdated,
        // Lago announces a canceled pending subscription as terminated, and clients rely on it.
        ChangeEventType::SubscriptionTerminated | ChangeEventType::SubscriptionCanceled => {
            WebhookEventType::SubscriptionTerminated
        }
        ChangeEventType::SubscriptionTrialEnded => WebhookEventType::SubscriptionTrialEnded,
        ChangeEventType::SubscriptionTerminationAlert => WebhookEventType::SubscriptionTerminationAlert,
        ChangeEventType::OrganizationCreated
        | ChangeEventType::ApiKeyCreated
        | ChangeEventType::TaxCreated
        | ChangeEventType::TaxUpdated
        | ChangeEventType::TaxDeleted
        | ChangeEventType::CustomerDeleted
        | ChangeEventType::SubscriptionCreated => return None,
    })
}

/// Deliveries rendered for a write, waiting for their events' revisions.
#[derive(Debug, Default)]
pub(crate) struct PendingDeliveries(Vec<PendingDelivery>);

#[derive(Debug)]
struct PendingDelivery {
    /// The position of the event among the write's changes.
    change_index: i64,
    endpoint_id: Uuid,
    event_type: WebhookEventType,
    object_id: Uuid,
    payload: std::sync::Arc<str>,
}

impl PendingDeliveries {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Renders the deliveries of `changes` for the organization's endpoints (none when it has no
/// endpoint that receives them: one indexed query, and nothing else, for most writes). Runs in
/// the write's transaction after its mutations, before the change log's append (which must come
/// last).
pub(crate) async fn render(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    changes: &[PendingChange],
    renderer: Option<&dyn WebhookRenderer>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PendingDeliveries, StoreError> {
    let events: Vec<(usize, WebhookEventType, Uuid)> = changes
        .iter()
        .enumerate()
        .filter_map(|(index, change)| Some((index, webhook_event(change.event_type)?, change.object_id)))
        .collect();
    if events.is_empty() {
        return Ok(PendingDeliveries::default());
    }
    let endpoints = webhook_endpoint::Entity::find()
        .select_only()
        .columns([webhook_endpoint::Column::Id, webhook_endpoint::Column::EventTypes])
        .filter(webhook_endpoint::Column::OrganizationId.eq(organization_id.0))
        .filter(webhook_endpoint::Column::DisabledAt.is_null())
        .into_tuple::<(Uuid, Option<String>)>()
        .all(connection)
        .await?;
    if endpoints.is_empty() {
        return Ok(PendingDeliveries::default());
    }
    let endpoints: Vec<(Uuid, Option<Vec<String>>)> = endpoints
        .into_iter()
        .map(|(id, event_types)| {
            let event_types = event_types
                .map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|error| Error::Internal(format!("webhook endpoint {id} event_types: {error}")))?;
            Ok::<_, StoreError>((id, event_types))
        })
        .collect::<Result<_, _>>()?;
    let wanted: Vec<(usize, WebhookEventType, Uuid)> = events
        .into_iter()
        .filter(|(_, event_type, _)| {
            endpoints.iter().any(|(_, event_types)| endpoint_receives(event_types.as_deref(), *event_type))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(PendingDeliveries::default());
    }
    let renderer = renderer.ok_or_else(|| {
        Error::Internal("webhook endpoints exist but this store renders no webhooks".to_owned())
    })?;
    let requests: Vec<(WebhookEventType, Uuid)> =
        wanted.iter().map(|(_, event_type, object_id)| (*event_type, *object_id)).collect();
    let objects = load_objects(connection, organization_id, &requests, now).await?;
    let mut deliveries = Vec::new();
    for ((index, event_type, object_id), object) in wanted.into_iter().zip(objects) {
        // An object gone within the same write (created, then deleted) has nothing to show.
        let Some(object) = object else { continue };
        let payload: std::sync::Arc<str> = renderer.render(organization_id, event_type, object).into();
        let change_index =
            i64::try_from(index).map_err(|_| Error::Internal("too many change events".to_owned()))?;
        for (endpoint_id, event_types) in &endpoints {
            if endpoint_receives(event_types.as_deref(), event_type) {
                deliveries.push(PendingDelivery {
                    change_index,
                    endpoint_id: *endpoint_id,
                    event_type,
                    object_id,
                    payload: std::sync::Arc::clone(&payload),
                });
            }
        }
    }
    Ok(PendingDeliveries(deliveries))
}

/// Where the outbox learns the trace of the write it records (a W3C `traceparent`), so that the
/// deliveries continue it: a function of the server's, since the store knows nothing of tracing.
/// Called once per write that produces deliveries, in the write's span.
#[derive(Clone)]
pub struct TraceParentSource(Arc<dyn Fn() -> Option<String> + Send + Sync>);

impl TraceParentSource {
    pub fn new(current_trace_parent: impl Fn() -> Option<String> + Send + Sync + 'static) -> Self {
        Self(Arc::new(current_trace_parent))
    }

    pub(crate) fn current(&self) -> Option<String> {
        (self.0)()
    }
}

impl std::fmt::Debug for TraceParentSource {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("TraceParentSource").finish_non_exhaustive()
    }
}

/// Inserts the deliveries, due now, once the change log gave the write's first event
/// `first_revision`; `trace_parent` is the write's trace, if it is traced.
pub(crate) async fn insert(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    deliveries: PendingDeliveries,
    first_revision: i64,
    trace_parent: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<HashSet<Uuid>, StoreError> {
    let endpoints: HashSet<Uuid> = deliveries.0.iter().map(|delivery| delivery.endpoint_id).collect();
    let rows: Vec<webhook_delivery::ActiveModel> = deliveries
        .0
        .into_iter()
        .map(|delivery| {
            sea_orm::IntoActiveModel::into_active_model(webhook_delivery::Model {
                id: Uuid::now_v7(),
                organization_id: organization_id.0,
                webhook_endpoint_id: delivery.endpoint_id,
                revision: first_revision + delivery.change_index,
                webhook_type: delivery.event_type.as_str().to_owned(),
                object_type: delivery.event_type.object_type().to_owned(),
                object_id: delivery.object_id,
                payload: delivery.payload.to_string(),
                status: entitlements_domain::webhook::delivery::DeliveryStatus::Pending.as_str().to_owned(),
                attempts: 0,
                next_attempt_at: Some(now),
                leased_until: None,
                last_attempt_at: None,
                last_http_status: None,
                last_response: None,
                trace_parent: trace_parent.clone(),
                created_at: now,
                updated_at: now,
            })
        })
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(INSERT_CHUNK).collect();
        webhook_delivery::Entity::insert_many(chunk).exec(connection).await?;
    }
    Ok(endpoints)
}
