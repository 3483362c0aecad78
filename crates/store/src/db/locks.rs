//! The organization's writer lock: writes that decide on several rows of an organization or on
//! rows that do not exist yet (customer upserts, subscription creation and changes, time-driven
//! transitions, plan and customer deletion) take it first, so that they serialize among
//! themselves.
//!
//! It is not the organization's row. That row is the change log's sequence counter, which
//! `change_log::append` locks last in every write, holding it only while the events are appended
//! and committed. A writer never waits for anything once it holds that row, so the row can be in
//! no deadlock; and since the writer lock is a separate lock, a write that only changes rows it
//! has locked itself (a subscription's entitlements) neither takes it nor waits for it.
//!
//! On PostgreSQL the writer lock is a transaction-scoped advisory lock keyed by the organization.
//! Its holders may then wait for rows that other writers hold (a subscription being patched), but
//! those writers never wait for the writer lock, so no cycle closes. On SQLite the write
//! transaction holds the database lock already (`BEGIN IMMEDIATE`), which serializes every write.

use entitlements_domain::{Error, OrganizationId};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QuerySelect, Statement};

use crate::db::error::StoreError;
use crate::entity::organization;

/// The class (first key) of the writer lock among this service's PostgreSQL advisory locks taken
/// with two keys; the migrations' lock takes one key, which PostgreSQL keeps apart.
const ORGANIZATION_WRITERS_LOCK_CLASS: i32 = 0x656e_7477;

/// Takes the organization's writer lock until commit and returns the organization's name. Every
/// customer write takes it first, so that two requests cannot both create a customer with the
/// same external id or sequential id; every subscription write but the entitlement writes (which
/// lock only the subscription) takes it before locking subscriptions, so that two requests cannot
/// both create a subscription with one external id.
///
/// # Errors
/// `Internal` when the organization does not exist; `Unavailable` or `Internal` when the database
/// fails.
pub(crate) async fn lock_organization(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<String, StoreError> {
    if connection.get_database_backend() == DbBackend::Postgres {
        connection
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1, $2)",
                [ORGANIZATION_WRITERS_LOCK_CLASS.into(), organization_lock_key(organization_id).into()],
            ))
            .await?;
    }
    Ok(organization::Entity::find_by_id(organization_id.0)
        .select_only()
        .column(organization::Column::Name)
        .into_tuple::<String>()
        .one(connection)
        .await?
        .ok_or_else(|| Error::Internal(format!("organization {organization_id} vanished")))?)
}

/// The organization's id folded to the advisory lock's 32-bit key: two organizations sharing a
/// key only serialize their writers, which is harmless.
fn organization_lock_key(organization_id: OrganizationId) -> i32 {
    let (high, low) = organization_id.0.as_u64_pair();
    let folded = high ^ low;
    let key = (folded >> 32) ^ (folded & 0xffff_ffff);
    // Always fits: both halves are below 2^32.
    u32::try_from(key).unwrap_or_default().cast_signed()
}
