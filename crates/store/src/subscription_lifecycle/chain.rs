//! The subscriptions sharing external ids, loaded and written together because time-driven
//! transitions link them: a downgrade replaces its predecessor at the boundary, and ending a
//! subscription cancels the downgrade waiting to replace it. A `SubscriptionSet` holds the rows,
//! applies the domain's transitions to them (`Lifecycle`, read in each customer's timezone), keeps
//! each row's `transition_due_at`, and writes back only the rows that changed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entitlements_domain::{
    CustomerAttributes, CustomerId, Lifecycle, OrganizationId, SubscriptionId, Transition, Tz, WantedStatus,
    advance, editable_subscription, end_on_request, find_by_status, next_transition_at, update_target,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::change_log::PendingChange;
use crate::change_log::subscription_events::transition_change;
use crate::db::IN_LIST_CHUNK;
use crate::db::error::StoreError;
use crate::db::error::already_exists_or_db_error;
use crate::entity::customer;
use crate::entity::subscription;

/// Subscription rows with what their transitions need, and the rows as loaded (to write only
/// what changed).
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionSet {
    rows: Vec<subscription::Model>,
    loaded: HashMap<Uuid, subscription::Model>,
    timezones: HashMap<Uuid, Tz>,
}

impl SubscriptionSet {
    /// Every subscription of the organization with one of `external_ids`, oldest first.
    /// `for_update` locks them (PostgreSQL `FOR UPDATE`; a SQLite write transaction holds the
    /// database lock already), in the query's order, which every locker shares. Writers that
    /// may create or lock subscriptions of several external ids take the organization's writer
    /// lock first (`lock_organization`); entitlement writes lock one external id's rows only.
    pub(crate) async fn load(
        connection: &impl ConnectionTrait,
        organization_id: OrganizationId,
        external_ids: &[String],
        for_update: bool,
    ) -> Result<Self, StoreError> {
        let mut rows = Vec::new();
        for chunk in external_ids.chunks(IN_LIST_CHUNK) {
            let mut query = subscription::Entity::find()
                .filter(subscription::Column::OrganizationId.eq(organization_id.0))
                .filter(subscription::Column::ExternalId.is_in(chunk.iter().cloned()))
                .order_by_asc(subscription::Column::CreatedAt)
                .order_by_asc(subscription::Column::Id);
            if for_update {
                query = query.lock_exclusive();
            }
            rows.extend(query.all(connection).await?);
        }
        let customer_ids: Vec<Uuid> = rows.iter().map(|row| row.customer_id).collect();
        let timezones = subscription_customers(connection, &customer_ids)
            .await?
            .into_iter()
            .map(|(id, customer)| (id, customer.timezone))
            .collect();
        let loaded = rows.iter().map(|row| (row.id, row.clone())).collect();
        Ok(Self { rows, loaded, timezones })
    }

    pub(crate) fn rows(&self) -> &[subscription::Model] {
        &self.rows
    }

    pub(crate) fn row(&self, id: Uuid) -> Option<&subscription::Model> {
        self.rows.iter().find(|row| row.id == id)
    }

    pub(crate) fn row_mut(&mut self, id: Uuid) -> Option<&mut subscription::Model> {
        self.rows.iter_mut().find(|row| row.id == id)
    }

    /// The subscription a lookup with this status finds (the domain's `find_by_status`).
    pub(crate) fn find(&self, wanted: WantedStatus) -> Option<&subscription::Model> {
        find_by_status(&self.lifecycles(), wanted).and_then(|id| self.row(id.0))
    }

    /// For each `(external id, status)` lookup, the subscription it finds among those of its
    /// external id (the domain's `find_by_status`), or `None` with whether the external id has
    /// any subscription: the lookups of a set loaded for several external ids at once.
    pub(crate) fn find_each(
        &self,
        lookups: &[(&str, WantedStatus)],
    ) -> Vec<Result<&subscription::Model, bool>> {
        let mut by_external_id: HashMap<&str, Vec<Lifecycle>> = HashMap::new();
        for (row, lifecycle) in self.rows.iter().zip(self.lifecycles()) {
            by_external_id.entry(row.external_id.as_str()).or_default().push(lifecycle);
        }
        lookups
            .iter()
            .map(|(external_id, wanted)| {
                let lifecycles = by_external_id.get(external_id).map(Vec::as_slice).unwrap_or_default();
                find_by_status(lifecycles, *wanted)
                    .and_then(|id| self.row(id.0))
                    .ok_or(!lifecycles.is_empty())
            })
            .collect()
    }

    /// The subscription an update with this status changes (the domain's `update_target`).
    pub(crate) fn update_target(&self, wanted: WantedStatus) -> Option<&subscription::Model> {
        update_target(&self.lifecycles(), wanted).and_then(|id| self.row(id.0))
    }

    /// The customer's subscription a new request with this external id changes (the domain's
    /// `editable_subscription`).
    pub(crate) fn editable(&self, customer_id: CustomerId) -> Option<&subscription::Model> {
        editable_subscription(&self.lifecycles(), customer_id).and_then(|id| self.row(id.0))
    }

    /// The lifecycle of one of the rows.
    pub(crate) fn lifecycle(&self, id: Uuid) -> Option<Lifecycle> {
        self.row(id).map(|row| lifecycle(row, self.timezone(row.customer_id)))
    }

    /// The timezone a customer's subscription dates are read in.
    pub(crate) fn timezone(&self, customer_id: Uuid) -> Tz {
        self.timezones.get(&customer_id).copied().unwrap_or(Tz::UTC)
    }

    /// Adds a new subscription (written by `save`).
    pub(crate) fn push(&mut self, row: subscription::Model, timezone: Tz) {
        self.timezones.insert(row.customer_id, timezone);
        self.rows.push(row);
    }

    /// The rows' lifecycles, in the rows' order.
    pub(crate) fn lifecycles(&self) -> Vec<Lifecycle> {
        self.rows.iter().map(|row| lifecycle(row, self.timezone(row.customer_id))).collect()
    }

    /// Applies every transition due at `now`.
    pub(crate) fn advance(&mut self, now: DateTime<Utc>) -> Vec<Transition> {
        self.apply(|lifecycles| advance(lifecycles, now))
    }

    /// Ends a subscription on request at `at` (see `end_on_request`).
    pub(crate) fn end_on_request(&mut self, id: Uuid, at: DateTime<Utc>) -> Vec<Transition> {
        self.apply(|lifecycles| end_on_request(lifecycles, SubscriptionId(id), at))
    }

    fn apply(&mut self, change: impl FnOnce(&mut [Lifecycle]) -> Vec<Transition>) -> Vec<Transition> {
        let mut lifecycles = self.lifecycles();
        let transitions = change(&mut lifecycles);
        for (row, lifecycle) in self.rows.iter_mut().zip(&lifecycles) {
            row.status = lifecycle.status.into();
            row.started_at = lifecycle.started_at;
            row.terminated_at = lifecycle.terminated_at;
            row.canceled_at = lifecycle.canceled_at;
        }
        transitions
    }

    /// The change events of `transitions`, each naming its subscription by external id.
    pub(crate) fn transition_changes(&self, transitions: &[Transition]) -> Vec<PendingChange> {
        transitions
            .iter()
            .filter_map(|transition| {
                let row = self.row(transition.subscription_id.0)?;
                Some(transition_change(transition, &row.external_id))
            })
            .collect()
    }

    /// Writes the new and changed rows (their `transition_due_at` recomputed, `updated_at` set
    /// to `now`): first those that are not active, then the active ones, so that the unique
    /// index on active external ids never sees the outgoing and the incoming subscription active
    /// at once.
    ///
    /// # Errors
    /// `Validation` `external_id: value_already_exist` when another subscription with the
    /// external id is active; `Unavailable` or `Internal` when the database fails.
    pub(crate) async fn save(
        &mut self,
        connection: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let lifecycles = self.lifecycles();
        for (index, row) in self.rows.iter_mut().enumerate() {
            row.transition_due_at = next_transition_at(&lifecycles, index);
        }
        let mut changed: Vec<subscription::Model> = Vec::new();
        for row in &mut self.rows {
            if self.loaded.get(&row.id) != Some(row) {
                row.updated_at = now;
                changed.push(row.clone());
            }
        }
        let (becoming_active, others): (Vec<_>, Vec<_>) =
            changed.into_iter().partition(|row| row.status == subscription::Status::Active);
        upsert_rows(connection, others).await?;
        upsert_rows(connection, becoming_active).await?;
        self.loaded = self.rows.iter().map(|row| (row.id, row.clone())).collect();
        Ok(())
    }
}

async fn upsert_rows(
    connection: &impl ConnectionTrait,
    rows: Vec<subscription::Model>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    use subscription::Column;
    subscription::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .on_conflict(
            OnConflict::column(Column::Id)
                .update_columns([
                    Column::PlanId,
                    Column::Name,
                    Column::Status,
                    Column::SubscriptionAt,
                    Column::StartedAt,
                    Column::EndingAt,
                    Column::TerminatedAt,
                    Column::CanceledAt,
                    Column::DowngradeAt,
                    Column::TransitionDueAt,
                    Column::OnTerminationCreditNote,
                    Column::OnTerminationInvoice,
                    Column::ProgressiveBillingDisabled,
                    Column::ConsolidateInvoice,
                    Column::PurchaseOrderNumber,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(connection)
        .await
        .map_err(|error| already_exists_or_db_error(&error, "external_id"))?;
    Ok(())
}

/// What subscriptions show and read of their customer.
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionCustomer {
    pub(crate) external_id: String,
    /// The applicable timezone, in which subscription dates are read.
    pub(crate) timezone: Tz,
}

/// The customers of these ids (deleted ones included: their subscriptions remain).
pub(crate) async fn subscription_customers(
    connection: &impl ConnectionTrait,
    customer_ids: &[Uuid],
) -> Result<HashMap<Uuid, SubscriptionCustomer>, StoreError> {
    let customer_ids: Vec<Uuid> = customer_ids.iter().copied().collect::<HashSet<_>>().into_iter().collect();
    let mut customers = HashMap::new();
    for chunk in customer_ids.chunks(IN_LIST_CHUNK) {
        let rows: Vec<(Uuid, String, Option<String>)> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .column(customer::Column::ExternalId)
            .column(customer::Column::Timezone)
            .filter(customer::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(connection)
            .await?;
        for (id, external_id, timezone) in rows {
            let timezone = CustomerAttributes { timezone, ..CustomerAttributes::default() }.applicable_tz();
            customers.insert(id, SubscriptionCustomer { external_id, timezone });
        }
    }
    Ok(customers)
}

/// The lifecycle of a stored row, read in `timezone`.
fn lifecycle(row: &subscription::Model, timezone: Tz) -> Lifecycle {
    Lifecycle {
        id: SubscriptionId(row.id),
        customer_id: CustomerId(row.customer_id),
        previous_id: row.previous_subscription_id.map(SubscriptionId),
        status: row.status.into(),
        subscription_at: row.subscription_at,
        started_at: row.started_at,
        ending_at: row.ending_at,
        terminated_at: row.terminated_at,
        canceled_at: row.canceled_at,
        downgrade_at: row.downgrade_at,
        timezone,
    }
}
