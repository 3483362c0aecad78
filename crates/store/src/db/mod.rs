//! What every resource's storage shares: database errors mapped to the domain's, the organization
//! lock, lookups by code, Lago's search term, and the bounds of `IN` lists and pages.

pub(crate) mod coded_rows;
pub(crate) mod error;
pub(crate) mod locks;
pub(crate) mod text_search;

use entitlements_domain::PageRequest;

/// Bound parameters per `IN (...)` list, well below SQLite's and PostgreSQL's limits.
pub(crate) const IN_LIST_CHUNK: usize = 1000;

/// The `(offset, limit)` of a page, within PostgreSQL's signed 64-bit LIMIT and OFFSET.
pub(crate) fn page_window(page_request: PageRequest) -> (u64, u64) {
    let signed_max = i64::MAX.unsigned_abs();
    (Ord::min(page_request.offset(), signed_max), Ord::min(page_request.per_page, signed_max))
}
