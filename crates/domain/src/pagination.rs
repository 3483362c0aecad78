//! Lago's pagination (Kaminari): which page a request asks for, and the `meta` that describes it.

use crate::error::Error;
use crate::validation::{ErrorCode, ValidationErrors};

/// Items per page when the request does not say (0).
const DEFAULT_PER_PAGE: u32 = 100;
/// The largest page a request may ask for: a bound on one answer's size.
const MAX_PER_PAGE: u32 = 1000;

/// A validated page request: `page` from 1, `per_page` from 1 to `MAX_PER_PAGE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    /// Reads a list request's `page` and `per_page`: page 0 means 1, per_page 0 means 100.
    ///
    /// # Errors
    /// `Validation` with `per_page: value_is_out_of_range` for a per_page above `MAX_PER_PAGE`.
    pub fn new(page: u32, per_page: u32) -> Result<Self, Error> {
        let per_page = match per_page {
            0 => DEFAULT_PER_PAGE,
            per_page if per_page > MAX_PER_PAGE => {
                return Err(
                    ValidationErrors::single("per_page", ErrorCode::Named("value_is_out_of_range")).into()
                );
            }
            per_page => per_page,
        };
        Ok(Self { page: u64::from(page.max(1)), per_page: u64::from(per_page) })
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
    fn zeros_mean_the_defaults_and_pages_are_bounded() {
        assert_eq!(PageRequest::new(0, 0), Ok(PageRequest { page: 1, per_page: 100 }));
        assert_eq!(PageRequest::new(3, 1000), Ok(PageRequest { page: 3, per_page: 1000 }));
        match PageRequest::new(1, 1001) {
            Err(Error::Validation(errors)) => {
                assert_eq!(errors.to_string(), "per_page: value_is_out_of_range")
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
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
