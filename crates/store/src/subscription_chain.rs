//! The subscriptions sharing an external id (a subscription and those that replaced it, or
//! earlier ones of the same id), loaded together because time-driven transitions link them: a
//! downgrade replaces its predecessor at the boundary, and ending a subscription cancels the
//! downgrade waiting to replace it. Also the conversion of stored rows to the domain's
//! `Lifecycle`, with the customer's timezone in which start dates are read.

use chrono::{DateTime, Utc};
use entitlements_domain::{
    CustomerAttributes, Error, Lifecycle, OrganizationId, SubscriptionId, SubscriptionStatus, Tz,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

use crate::IN_LIST_CHUNK;
use crate::db_error::from_db_error;
use crate::entity::{customer, subscription};

/// Rows of one or more external ids, oldest first, with their lifecycles in the same order.
#[derive(Debug, Clone)]
pub(crate) struct Chains {
    pub(crate) rows: Vec<subscription::Model>,
    pub(crate) lifecycles: Vec<Lifecycle>,
}

impl Chains {
    /// Loads every subscription of the organization with one of `external_ids`. `for_update`
    /// locks them (PostgreSQL `FOR UPDATE`; a SQLite write transaction holds the database lock
    /// already): callers that write take the organization lock first (see
    /// `lock_organization`), so that subscription writers always lock in the same order.
    pub(crate) async fn load(
        connection: &impl ConnectionTrait,
        organization_id: OrganizationId,
        external_ids: &[String],
        for_update: bool,
    ) -> Result<Self, Error> {
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
            rows.extend(query.all(connection).await.map_err(|error| from_db_error(&error))?);
        }
        Self::from_rows(connection, rows).await
    }

    /// The lifecycles of rows already loaded.
    pub(crate) async fn from_rows(
        connection: &impl ConnectionTrait,
        rows: Vec<subscription::Model>,
    ) -> Result<Self, Error> {
        let customer_ids: Vec<Uuid> =
            rows.iter().map(|row| row.customer_id).collect::<HashSet<_>>().into_iter().collect();
        let timezones = customer_timezones(connection, &customer_ids).await?;
        let lifecycles = rows
            .iter()
            .map(|row| lifecycle(row, timezones.get(&row.customer_id).copied().unwrap_or(Tz::UTC)))
            .collect::<Result<_, _>>()?;
        Ok(Self { rows, lifecycles })
    }
}

/// The applicable timezone of each customer (deleted ones included: their subscriptions remain).
pub(crate) async fn customer_timezones(
    connection: &impl ConnectionTrait,
    customer_ids: &[Uuid],
) -> Result<HashMap<Uuid, Tz>, Error> {
    let mut timezones = HashMap::new();
    for chunk in customer_ids.chunks(IN_LIST_CHUNK) {
        let rows: Vec<(Uuid, Option<String>)> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .column(customer::Column::Timezone)
            .filter(customer::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(connection)
            .await
            .map_err(|error| from_db_error(&error))?;
        for (id, timezone) in rows {
            timezones.insert(id, parse_timezone(timezone));
        }
    }
    Ok(timezones)
}

/// A customer's applicable timezone from its stored one (validated on the way in; UTC if not).
pub(crate) fn parse_timezone(timezone: Option<String>) -> Tz {
    CustomerAttributes { timezone, ..CustomerAttributes::default() }.applicable_tz()
}

/// The lifecycle of a stored row, read in `timezone`.
pub(crate) fn lifecycle(row: &subscription::Model, timezone: Tz) -> Result<Lifecycle, Error> {
    Ok(Lifecycle {
        id: SubscriptionId(row.id),
        previous_id: row.previous_subscription_id.map(SubscriptionId),
        status: parse_status(row)?,
        subscription_at: row.subscription_at,
        started_at: row.started_at,
        ending_at: row.ending_at,
        terminated_at: row.terminated_at,
        canceled_at: row.canceled_at,
        downgrade_at: row.downgrade_at,
        timezone,
    })
}

pub(crate) fn parse_status(row: &subscription::Model) -> Result<SubscriptionStatus, Error> {
    SubscriptionStatus::parse(&row.status)
        .ok_or_else(|| Error::Internal(format!("subscription {} has status {:?}", row.id, row.status)))
}

/// Lago's order among subscriptions of one external id for lookups by status: the most recently
/// terminated first (those not terminated before), then the most recently started.
pub(crate) fn lookup_order(left: &Lifecycle, right: &Lifecycle) -> std::cmp::Ordering {
    let newest_first = |left: Option<DateTime<Utc>>, right: Option<DateTime<Utc>>| match (left, right) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(left), Some(right)) => right.cmp(&left),
    };
    // PostgreSQL sorts nulls first in descending order, as Lago's `started_at DESC` relies on.
    newest_first(left.terminated_at, right.terminated_at)
        .then(newest_first(left.started_at, right.started_at))
}
