//! Lago's pagination (Kaminari): which page a request asks for, and the `meta` that describes it.

use crate::error::Error;

/// Items per page when the request does not say.
const DEFAULT_PER_PAGE: u64 = 100;
/// Kaminari's page size when the requested one is unusable (negative).
const FALLBACK_PER_PAGE: u64 = 25;

/// A validated page request: `page` from 1, `per_page` from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    /// Applies Lago's defaults: page below 1 means 1; per_page absent means 100, negative means 25.
    ///
    /// # Errors
    /// `BadRequest` for a per_page of 0 (Lago divides by it and answers 500).
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Result<Self, Error> {
        let page = page.and_then(|page| u64::try_from(page).ok()).filter(|page| *page >= 1).unwrap_or(1);
        let per_page = match per_page {
            None => DEFAULT_PER_PAGE,
            Some(0) => return Err(Error::BadRequest("per_page must be greater than 0".to_owned())),
            Some(per_page) => u64::try_from(per_page).unwrap_or(FALLBACK_PER_PAGE),
        };
        Ok(Self { page, per_page })
    }

    /// Rows to skip; saturates rather than overflowing on absurd pages.
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// One page of results with the total over all pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total_count: u64,
}

/// Lago's `meta` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaginationMeta {
    pub current_page: u64,
    pub next_page: Option<u64>,
    pub prev_page: Option<u64>,
    pub total_pages: u64,
    pub total_count: u64,
}

impl PaginationMeta {
    pub fn new(request: PageRequest, total_count: u64) -> Self {
        if total_count == 0 {
            return Self { current_page: 0, next_page: None, prev_page: None, total_pages: 0, total_count };
        }
        let total_pages = total_count.div_ceil(request.per_page);
        let current_page = request.page;
        Self {
            current_page,
            next_page: (current_page < total_pages).then(|| current_page + 1),
            prev_page: (current_page > 1).then(|| current_page - 1),
            total_pages,
            total_count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_kaminari() {
        assert_eq!(PageRequest::new(None, None), Ok(PageRequest { page: 1, per_page: 100 }));
        assert_eq!(PageRequest::new(Some(-3), Some(-1)), Ok(PageRequest { page: 1, per_page: 25 }));
        assert!(matches!(PageRequest::new(Some(1), Some(0)), Err(Error::BadRequest(_))));
    }

    #[test]
    fn meta_of_empty_and_past_the_end() {
        let request = PageRequest { page: 5, per_page: 1 };
        assert_eq!(PaginationMeta::new(request, 0).current_page, 0);
        let past_the_end = PaginationMeta::new(request, 2);
        assert_eq!(
            past_the_end,
            PaginationMeta {
                current_page: 5,
                next_page: None,
                prev_page: Some(4),
                total_pages: 2,
                total_count: 2
            }
        );
    }

    #[test]
    fn offset_saturates() {
        assert_eq!(PageRequest { page: u64::MAX, per_page: u64::MAX }.offset(), u64::MAX);
    }
}
