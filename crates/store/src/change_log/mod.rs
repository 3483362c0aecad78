//! The change log: every committed mutation appends its events in the mutation's transaction, with
//! a per-organization sequence. The sequence is taken by bumping the organization's counter, which
//! locks that row until commit; so an organization's events commit in sequence order and a reader
//! following `sequence > last_seen` never skips one.
//!
//! The sequence is the organization's revision. Old events are pruned (`retention`), but each
//! organization's latest event is always kept, so the log never has a gap: its oldest retained
//! event is the pruned horizon, and a follower whose next event is missing knows its revision
//! has expired rather than being silently moved past it.

pub(crate) mod notifier;
mod postgres_append;
pub(crate) mod replicas;
pub(crate) mod retention;
pub(crate) mod subscription_events;
pub(crate) mod touched;

use entitlements_domain::{Error, OrganizationId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::db::error::StoreError;
use crate::entity::change_event;
use crate::entity::organization;

/// What happened to an object, named like Lago's webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeEventType {
    OrganizationCreated,
    ApiKeyCreated,
    FeatureCreated,
    FeatureUpdated,
    FeatureDeleted,
    TaxCreated,
    TaxUpdated,
    TaxDeleted,
    BillableMetricCreated,
    BillableMetricUpdated,
    BillableMetricDeleted,
    PlanCreated,
    PlanUpdated,
    PlanDeleted,
    CustomerCreated,
    CustomerUpdated,
    CustomerDeleted,
    SubscriptionCreated,
    /// A pending subscription became active (on its start date, at a downgrade's boundary, or
    /// when an update moved its start date to today or earlier).
    SubscriptionStarted,
    SubscriptionUpdated,
    SubscriptionTerminated,
    /// A pending subscription ended before it started.
    SubscriptionCanceled,
    /// An active subscription's free trial ended (its `trial_ended_at` was recorded).
    SubscriptionTrialEnded,
    /// An active subscription's `ending_at` came within one of the alert thresholds.
    SubscriptionTerminationAlert,
}

impl ChangeEventType {
    /// Every type, in declaration order.
    pub const ALL: [Self; 24] = [
        Self::OrganizationCreated,
        Self::ApiKeyCreated,
        Self::FeatureCreated,
        Self::FeatureUpdated,
        Self::FeatureDeleted,
        Self::TaxCreated,
        Self::TaxUpdated,
        Self::TaxDeleted,
        Self::BillableMetricCreated,
        Self::BillableMetricUpdated,
        Self::BillableMetricDeleted,
        Self::PlanCreated,
        Self::PlanUpdated,
        Self::PlanDeleted,
        Self::CustomerCreated,
        Self::CustomerUpdated,
        Self::CustomerDeleted,
        Self::SubscriptionCreated,
        Self::SubscriptionStarted,
        Self::SubscriptionUpdated,
        Self::SubscriptionTerminated,
        Self::SubscriptionCanceled,
        Self::SubscriptionTrialEnded,
        Self::SubscriptionTerminationAlert,
    ];

    /// The type named `name` as [`ChangeEventType::as_str`] spells it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event_type| event_type.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrganizationCreated => "organization.created",
            Self::ApiKeyCreated => "api_key.created",
            Self::FeatureCreated => "feature.created",
            Self::FeatureUpdated => "feature.updated",
            Self::FeatureDeleted => "feature.deleted",
            Self::TaxCreated => "tax.created",
            Self::TaxUpdated => "tax.updated",
            Self::TaxDeleted => "tax.deleted",
            Self::BillableMetricCreated => "billable_metric.created",
            Self::BillableMetricUpdated => "billable_metric.updated",
            Self::BillableMetricDeleted => "billable_metric.deleted",
            Self::PlanCreated => "plan.created",
            Self::PlanUpdated => "plan.updated",
            Self::PlanDeleted => "plan.deleted",
            Self::CustomerCreated => "customer.created",
            Self::CustomerUpdated => "customer.updated",
            Self::CustomerDeleted => "customer.deleted",
            Self::SubscriptionCreated => "subscription.created",
            Self::SubscriptionStarted => "subscription.started",
            Self::SubscriptionUpdated => "subscription.updated",
            Self::SubscriptionTerminated => "subscription.terminated",
            Self::SubscriptionCanceled => "subscription.canceled",
            Self::SubscriptionTrialEnded => "subscription.trial_ended",
            Self::SubscriptionTerminationAlert => "subscription.termination_alert",
        }
    }

    /// The type of the object the event concerns: `feature`, `plan`, `subscription`, ...
    pub fn object_type(self) -> &'static str {
        match self {
            Self::OrganizationCreated => "organization",
            Self::ApiKeyCreated => "api_key",
            Self::FeatureCreated | Self::FeatureUpdated | Self::FeatureDeleted => "feature",
            Self::PlanCreated | Self::PlanUpdated | Self::PlanDeleted => "plan",
            Self::CustomerCreated | Self::CustomerUpdated | Self::CustomerDeleted => "customer",
            Self::SubscriptionCreated
            | Self::SubscriptionStarted
            | Self::SubscriptionUpdated
            | Self::SubscriptionTerminated
            | Self::SubscriptionCanceled
            | Self::SubscriptionTrialEnded
            | Self::SubscriptionTerminationAlert => "subscription",
            Self::TaxCreated | Self::TaxUpdated | Self::TaxDeleted => "tax",
            Self::BillableMetricCreated | Self::BillableMetricUpdated | Self::BillableMetricDeleted => {
                "billable_metric"
            }
        }
    }
}

/// One committed change, as read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent {
    /// The organization's revision this event made.
    pub sequence: i64,
    pub event_type: String,
    pub object_type: String,
    pub object_id: Uuid,
    /// The object's code, or its external id for customers and subscriptions.
    pub object_code: String,
    /// When the write committing it ran, by the store's clock.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A change to append: its type and the object it concerns.
#[derive(Debug, Clone)]
pub(crate) struct PendingChange {
    pub(crate) event_type: ChangeEventType,
    pub(crate) object_id: Uuid,
    pub(crate) object_code: String,
}

/// Appends `changes` to the organization's log and answers the last sequence taken (`None` when
/// there is nothing to append). Called last in the transaction (by `commit_with_changes`): it
/// locks the organization row until commit, and nothing else may be waited for after it (see
/// `db::locks`), so that the row is held for the append and the commit only.
pub(crate) async fn append(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    changes: Vec<PendingChange>,
    created_at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<i64>, StoreError> {
    let count =
        i64::try_from(changes.len()).map_err(|_| Error::Internal("too many change events".to_owned()))?;
    if count == 0 {
        return Ok(None);
    }
    if connection.get_database_backend() == DbBackend::Postgres {
        let events = changes
            .into_iter()
            .zip(1..)
            .map(|(change, position)| event_row(organization_id, change, position, created_at))
            .collect();
        return Ok(Some(
            postgres_append::append_in_one_statement(connection, organization_id, events).await?,
        ));
    }
    let updated = organization::Entity::update_many()
        .col_expr(
            organization::Column::ChangeSequence,
            Expr::col(organization::Column::ChangeSequence).add(count),
        )
        .filter(organization::Column::Id.eq(organization_id.0))
        .exec_with_returning(connection)
        .await?;
    let last_sequence = updated
        .first()
        .map(|organization| organization.change_sequence)
        .ok_or_else(|| Error::Internal(format!("organization {organization_id} vanished")))?;
    let first_sequence = last_sequence - count + 1;
    let rows = changes.into_iter().zip(first_sequence..).map(|(change, sequence)| {
        event_row(organization_id, change, sequence, created_at).into_active_model()
    });
    change_event::Entity::insert_many(rows).exec(connection).await?;
    Ok(Some(last_sequence))
}

/// The change log's row of `change` at `sequence`.
fn event_row(
    organization_id: OrganizationId,
    change: PendingChange,
    sequence: i64,
    created_at: chrono::DateTime<chrono::Utc>,
) -> change_event::Model {
    change_event::Model {
        organization_id: organization_id.0,
        sequence,
        event_type: change.event_type.as_str().to_owned(),
        object_type: change.event_type.object_type().to_owned(),
        object_id: change.object_id,
        object_code: change.object_code,
        created_at,
    }
}

/// The organization's change events after `after_sequence`, oldest first, at most `limit`, as
/// `connection` sees them.
pub(crate) async fn events_after(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    after_sequence: i64,
    limit: u64,
) -> Result<Vec<ChangeEvent>, StoreError> {
    let rows = change_event::Entity::find()
        .filter(change_event::Column::OrganizationId.eq(organization_id.0))
        .filter(change_event::Column::Sequence.gt(after_sequence))
        .order_by_asc(change_event::Column::Sequence)
        .limit(limit)
        .all(connection)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| ChangeEvent {
            sequence: row.sequence,
            event_type: row.event_type,
            object_type: row.object_type,
            object_id: row.object_id,
            object_code: row.object_code,
            created_at: row.created_at,
        })
        .collect())
}

impl crate::Store {
    /// The organization's change events after `after_sequence`, oldest first, at most `limit`.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn change_events(
        &self,
        organization_id: OrganizationId,
        after_sequence: i64,
        limit: u64,
    ) -> Result<Vec<ChangeEvent>, StoreError> {
        events_after(self.connection(), organization_id, after_sequence, limit).await
    }

    /// The organization's latest revision: the sequence of its latest change event, 0 before
    /// any.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails; `Internal` when the organization
    /// does not exist.
    pub async fn latest_revision(&self, organization_id: OrganizationId) -> Result<i64, StoreError> {
        crate::revision::current(self.connection(), organization_id).await
    }
}
