//! The pagination of every list RPC: `uint32 page` and `uint32 per_page` in, `PaginationMeta`
//! out, with the rules of the domain's `PageRequest` (0 means the default, at most 1000 per page).

use entitlements::v1 as pb;
use entitlements_domain::{PageRequest, PaginationMeta};
use tonic::Status;

use crate::error_status::status_from_error;

/// The page a list request asks for.
///
/// # Errors
/// INVALID_ARGUMENT with `per_page: value_is_out_of_range` above 1000 per page.
pub(crate) fn page_request(page: u32, per_page: u32) -> Result<PageRequest, Status> {
    PageRequest::new(page, per_page).map_err(status_from_error)
}

/// The `meta` of the page `request` served out of `total_count` items.
pub(crate) fn pagination_meta(request: PageRequest, total_count: u64) -> pb::PaginationMeta {
    let PaginationMeta { current_page, next_page, prev_page, total_pages, total_count } =
        PaginationMeta::new(request, total_count);
    // Pages come from a u32 request; counts above u32::MAX rows are out of this service's reach,
    // so saturating keeps the answer well-formed rather than wrapping.
    let to_u32 = |value: u64| u32::try_from(value).unwrap_or(u32::MAX);
    pb::PaginationMeta {
        current_page: to_u32(current_page),
        next_page: next_page.map(to_u32),
        prev_page: prev_page.map(to_u32),
        total_pages: to_u32(total_pages),
        total_count: to_u32(total_count),
    }
}
