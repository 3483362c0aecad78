//! What every resource's storage shares: database errors mapped to the domain's, the organization
//! lock, snapshot reads, lookups by code, Lago's search term, and the bounds of `IN` lists and pages.

pub(crate) mod coded_rows;
pub(crate) mod error;
pub(crate) mod locks;
pub(crate) mod observation;
pub(crate) mod snapshot;
pub(crate) mod soft_delete;
pub(crate) mod text_search;

use std::future::Future;

use entitlements_domain::PageRequest;

use crate::db::error::StoreError;

/// Bound parameters per `IN (...)` list, well below SQLite's and PostgreSQL's limits.
pub(crate) const IN_LIST_CHUNK: usize = 1000;

/// The rows `query` finds for all of `keys`, asking for at most `IN_LIST_CHUNK` keys at a time:
/// one statement per thousand keys, never one per key.
///
/// # Errors
/// The first query's error.
pub(crate) async fn in_chunks<Key, Row, QueryError, Rows>(
    keys: &[Key],
    mut query: impl FnMut(&[Key]) -> Rows,
) -> Result<Vec<Row>, StoreError>
where
    Rows: Future<Output = Result<Vec<Row>, QueryError>>,
    StoreError: From<QueryError>,
{
    let mut rows = Vec::new();
    for chunk in keys.chunks(IN_LIST_CHUNK) {
        rows.extend(query(chunk).await?);
    }
    Ok(rows)
}

/// The `(offset, limit)` of a page, within PostgreSQL's signed 64-bit LIMIT and OFFSET.
pub(crate) fn page_window(page_request: PageRequest) -> (u64, u64) {
    let signed_max = i64::MAX.unsigned_abs();
    (Ord::min(page_request.offset(), signed_max), Ord::min(page_request.per_page, signed_max))
}
