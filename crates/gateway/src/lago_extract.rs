//! Path and query extractors whose rejections use Lago's 400 envelope instead of axum's plain
//! text (for example a path segment that percent-decodes to invalid UTF-8).

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::lago_error::LagoError;

/// Percent-decoded path parameters.
#[derive(Debug)]
pub(crate) struct LagoPath<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for LagoPath<T> {
    type Rejection = LagoError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|rejection| LagoError::bad_request(&rejection.body_text()))
    }
}

/// Query-string parameters.
#[derive(Debug)]
pub(crate) struct LagoQuery<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for LagoQuery<T> {
    type Rejection = LagoError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|rejection| LagoError::bad_request(&rejection.body_text()))
    }
}
