//! The append on PostgreSQL in one statement: bumping the organization's counter and inserting
//! the events sequenced from it, in a data-modifying `WITH`. The counter's row is locked from that
//! statement to the commit, one round trip with the server instead of two: the shorter the lock,
//! the more writes of one organization commit per second (all of them queue on it).

use entitlements_domain::{Error, OrganizationId};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::db::error::StoreError;
use crate::entity::change_event;

/// Appends `events` (their `sequence` is their position, 1 for the first) and answers the last
/// sequence taken.
///
/// # Errors
/// `Internal` when the organization does not exist; `Unavailable` or `Internal` when the database
/// fails.
pub(crate) async fn append_in_one_statement(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    events: Vec<change_event::Model>,
) -> Result<i64, StoreError> {
    let count =
        i64::try_from(events.len()).map_err(|_| Error::Internal("too many change events".to_owned()))?;
    let mut values: Vec<Value> = vec![organization_id.0.into(), count.into()];
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        // Every column, so that a new one is a compile error here until it is written.
        let change_event::Model {
            organization_id: _,
            sequence: position,
            event_type,
            object_type,
            object_id,
            object_code,
            created_at,
        } = event;
        let first = values.len() + 1;
        rows.push(format!(
            "(${first}::bigint, ${}, ${}, ${}::uuid, ${}, ${}::timestamptz)",
            first + 1,
            first + 2,
            first + 3,
            first + 4,
            first + 5
        ));
        values.extend([
            position.into(),
            event_type.into(),
            object_type.into(),
            object_id.into(),
            object_code.into(),
            created_at.into(),
        ]);
    }
    let sql = format!(
        "WITH bumped AS (UPDATE organizations SET change_sequence = change_sequence + $2 \
         WHERE id = $1 RETURNING change_sequence) \
         INSERT INTO change_events \
         (organization_id, sequence, event_type, object_type, object_id, object_code, created_at) \
         SELECT $1, bumped.change_sequence - $2 + pending.position, pending.event_type, \
         pending.object_type, pending.object_id, pending.object_code, pending.created_at \
         FROM bumped CROSS JOIN (VALUES {}) \
         AS pending (position, event_type, object_type, object_id, object_code, created_at) \
         RETURNING sequence",
        rows.join(", ")
    );
    let inserted =
        connection.query_all_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).await?;
    let mut last_sequence = None;
    for row in inserted {
        let sequence: i64 = row.try_get("", "sequence")?;
        last_sequence = last_sequence.max(Some(sequence));
    }
    Ok(last_sequence.ok_or_else(|| Error::Internal(format!("organization {organization_id} vanished")))?)
}
