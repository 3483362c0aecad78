//! Lago's (Kaminari's) pagination over the services' bounded pages. The query strings read as
//! Ruby's `to_i` (`"2abc"` is 2, `"abc"` is 0) with Kaminari's fallbacks; a REST page may be
//! larger than the 1000 items a gRPC page holds (Lago has no maximum), so it is served from as
//! many gRPC pages as it spans, and its `meta` is computed here from the total count.

use std::future::Future;

use entitlements::v1 as pb;
use serde_json::{Value, json};
use tonic::Status;

use crate::lago_error::LagoError;

/// Items per page when the query does not say.
const DEFAULT_PER_PAGE: u64 = 100;
/// Kaminari's page size when the requested one is unusable (negative, or not a number).
const FALLBACK_PER_PAGE: u64 = 25;
/// The largest page a list RPC serves.
const GRPC_MAX_PER_PAGE: u64 = 1000;

/// A REST page: `page` from 1, `per_page` from 1, unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RestPage {
    page: u64,
    per_page: u64,
}

impl RestPage {
    /// Reads `page` and `per_page` as Kaminari does.
    ///
    /// # Errors
    /// Lago divides by a per_page of 0 and answers 500; this answers 400 `per_page must be greater
    /// than 0` instead, once `probe` (a list call that only authenticates) has not answered 401.
    pub(crate) async fn read<T>(
        page: Option<&str>,
        per_page: Option<&str>,
        probe: impl Future<Output = Result<T, Status>>,
    ) -> Result<Self, LagoError> {
        let page = page.map_or(1, |raw| u64::try_from(ruby_to_i(raw)).unwrap_or(0).max(1));
        let per_page = match per_page {
            None => DEFAULT_PER_PAGE,
            Some(raw) if raw.starts_with(|character: char| character.is_ascii_digit()) => {
                u64::try_from(ruby_to_i(raw)).unwrap_or(FALLBACK_PER_PAGE)
            }
            Some(_) => FALLBACK_PER_PAGE,
        };
        if per_page == 0 {
            return Err(match probe.await {
                Ok(_) => LagoError::bad_request("per_page must be greater than 0"),
                Err(status) => LagoError::from_status(&status, None),
            });
        }
        Ok(Self { page, per_page })
    }

    /// Lago's `meta` object of this page out of `total_count` items, keys in Lago's order.
    fn meta_json(self, total_count: u64) -> Value {
        if total_count == 0 {
            return json!({
                "current_page": 0, "next_page": null, "prev_page": null, "total_pages": 0, "total_count": 0,
            });
        }
        let total_pages = total_count.div_ceil(self.per_page);
        let current_page = self.page;
        json!({
            "current_page": current_page,
            "next_page": (current_page < total_pages).then(|| current_page + 1),
            "prev_page": (current_page > 1).then(|| current_page - 1),
            "total_pages": total_pages,
            "total_count": total_count,
        })
    }
}

/// The total count a list answer's `meta` carries.
pub(crate) fn total_count(meta: Option<&pb::PaginationMeta>) -> u32 {
    meta.map_or(0, |meta| meta.total_count)
}

/// The items of `rest_page` and its `meta`, from the gRPC pages it spans: `fetch(page, per_page)`
/// calls the list RPC and answers the page's items with the total count. A page that fits a gRPC
/// page is one call; a larger one is stitched from consecutive gRPC pages (see
/// `grpc_page_size`), stopping at the end of the list.
///
/// # Errors
/// The first failing call's status.
pub(crate) async fn fetch_rest_page<T, Fetch, Answer>(
    rest_page: RestPage,
    mut fetch: Fetch,
) -> Result<(Vec<T>, Value), Status>
where
    Fetch: FnMut(u32, u32) -> Answer,
    Answer: Future<Output = Result<(Vec<T>, u32), Status>>,
{
    let RestPage { page, per_page } = rest_page;
    let grpc_per_page = grpc_page_size(per_page);
    let offset = (page - 1).saturating_mul(per_page);
    let first_page = offset / grpc_per_page;
    let last_page = offset.saturating_add(per_page - 1) / grpc_per_page;
    let (Ok(first_number), Ok(size)) = (u32::try_from(first_page + 1), u32::try_from(grpc_per_page)) else {
        // Past any list a database holds: nothing to serve, but the count still shows in `meta`.
        let (_, total) = fetch(1, 1).await?;
        return Ok((Vec::new(), rest_page.meta_json(u64::from(total))));
    };
    let (mut items, total) = fetch(first_number, size).await?;
    let total = u64::from(total);
    let grpc_pages = total.div_ceil(grpc_per_page);
    let mut next_page = first_page + 1;
    while next_page <= last_page && next_page < grpc_pages {
        let Ok(number) = u32::try_from(next_page + 1) else { break };
        let (more, _) = fetch(number, size).await?;
        let exhausted = u64::try_from(more.len()).unwrap_or(u64::MAX) < grpc_per_page;
        items.extend(more);
        if exhausted {
            break;
        }
        next_page += 1;
    }
    let skip = usize::try_from(offset % grpc_per_page).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(usize::MAX);
    let items = items.into_iter().skip(skip).take(take).collect();
    Ok((items, rest_page.meta_json(total)))
}

/// The gRPC page size serving a REST page of `per_page`: itself up to the gRPC maximum; above,
/// the largest divisor of `per_page` within it, so that REST pages start on gRPC page bounds and
/// no item is fetched twice, unless that divisor is so small (a prime per_page) that pages of
/// the maximum size, trimmed at both ends, need fewer calls.
fn grpc_page_size(per_page: u64) -> u64 {
    if per_page <= GRPC_MAX_PER_PAGE {
        return per_page;
    }
    let divisor = (1..=GRPC_MAX_PER_PAGE).rev().find(|size| per_page.is_multiple_of(*size)).unwrap_or(1);
    if divisor * 2 >= GRPC_MAX_PER_PAGE { divisor } else { GRPC_MAX_PER_PAGE }
}

/// Ruby's `String#to_i`: leading whitespace, an optional sign, then digits; 0 when none.
/// Saturates instead of overflowing.
fn ruby_to_i(raw: &str) -> i64 {
    let trimmed = raw.trim_start();
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let magnitude = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0_i64, |value, digit| value.saturating_mul(10).saturating_add(i64::from(digit - b'0')));
    if negative { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use std::future::ready;

    use super::*;

    async fn read(page: Option<&str>, per_page: Option<&str>) -> Option<RestPage> {
        RestPage::read(page, per_page, ready(Ok(()))).await.ok()
    }

    fn rest_page(page: u64, per_page: u64) -> Option<RestPage> {
        Some(RestPage { page, per_page })
    }

    #[tokio::test]
    async fn queries_follow_ruby_and_kaminari() {
        assert_eq!(read(None, None).await, rest_page(1, 100));
        assert_eq!(read(Some("2abc"), Some("abc")).await, rest_page(2, 25));
        assert_eq!(read(Some("abc"), Some("-5")).await, rest_page(1, 25));
        assert_eq!(read(Some("-3"), Some("7x")).await, rest_page(1, 7));
        assert_eq!(read(None, Some("99999999999999999999999")).await, rest_page(1, i64::MAX as u64));
        assert_eq!(read(None, Some("0abc")).await, None);
    }

    #[test]
    fn large_pages_are_split_on_their_divisors_unless_too_small() {
        assert_eq!(grpc_page_size(7), 7);
        assert_eq!(grpc_page_size(1000), 1000);
        assert_eq!(grpc_page_size(1002), 501);
        assert_eq!(grpc_page_size(1500), 750);
        assert_eq!(grpc_page_size(1001), 1000);
        assert_eq!(grpc_page_size(1009), 1000);
    }

    /// A list of `total` numbers served in gRPC pages, recording each call.
    async fn stitched(total: u32, page: u64, per_page: u64) -> (Vec<u32>, Value, Vec<(u32, u32)>) {
        let mut calls = Vec::new();
        let (items, meta) = fetch_rest_page(RestPage { page, per_page }, |grpc_page, grpc_per_page| {
            calls.push((grpc_page, grpc_per_page));
            let start = (grpc_page - 1).saturating_mul(grpc_per_page).min(total);
            let end = start.saturating_add(grpc_per_page).min(total);
            ready(Ok(((start..end).collect(), total)))
        })
        .await
        .expect("the fake list answers");
        (items, meta, calls)
    }

    #[tokio::test]
    async fn rest_pages_are_stitched_from_grpc_pages() {
        let (items, meta, calls) = stitched(1200, 1, 1002).await;
        assert_eq!(items, (0..1002).collect::<Vec<_>>());
        assert_eq!(calls, [(1, 501), (2, 501)]);
        assert_eq!(meta["next_page"], json!(2));
        let (items, meta, calls) = stitched(2500, 2, 1001).await;
        assert_eq!(items, (1001..2002).collect::<Vec<_>>());
        assert_eq!(calls, [(2, 1000), (3, 1000)]);
        assert_eq!(
            meta,
            json!({"current_page": 2, "next_page": 3, "prev_page": 1, "total_pages": 3, "total_count": 2500})
        );
        // The end of the list stops the calls.
        let (items, _, calls) = stitched(3, 1, i64::MAX as u64).await;
        assert_eq!((items.len(), calls.len()), (3, 1));
        let (items, meta, calls) = stitched(3, 2, i64::MAX as u64).await;
        assert_eq!((items.len(), calls), (0, vec![(1, 1)]));
        assert_eq!(meta["current_page"], json!(2));
    }

    #[tokio::test]
    async fn an_empty_list_has_lagos_empty_meta() {
        let (items, meta, _) = stitched(0, 3, 10).await;
        assert!(items.is_empty());
        assert_eq!(
            meta,
            json!({"current_page": 0, "next_page": null, "prev_page": null, "total_pages": 0, "total_count": 0})
        );
    }
}
