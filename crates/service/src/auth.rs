//! Authentication: the caller's API key, from `authorization: Bearer <key>` metadata, selects the
//! organization every query of the request is scoped to.

use entitlements_domain::{Error, OrganizationId};
use entitlements_store::{ApiKey, Store};
use tonic::Request;

use crate::error_status::status_from_error;

/// The metadata key carrying the API key (lowercase, as HTTP/2 requires).
pub const API_KEY_METADATA: &str = "authorization";

/// Resolves a request's API key to its organization.
#[derive(Debug, Clone)]
pub struct Authenticator {
    store: Store,
}

impl Authenticator {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// The organization of the request's API key.
    ///
    /// # Errors
    /// UNAUTHENTICATED when the key is missing or unknown; UNAVAILABLE when the database is down.
    pub async fn organization<T>(&self, request: &Request<T>) -> Result<OrganizationId, tonic::Status> {
        if !self.store.is_migrated() {
            return Err(status_from_error(Error::Unavailable("the database is not migrated yet".to_owned())));
        }
        let key = request
            .metadata()
            .get(API_KEY_METADATA)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token)
            .ok_or_else(|| status_from_error(Error::Unauthenticated))?;
        self.store
            .organization_for_api_key(&ApiKey::new(key))
            .await
            .map_err(status_from_error)?
            .ok_or_else(|| status_from_error(Error::Unauthenticated))
    }
}

/// The token after the scheme word. Like Lago, the scheme itself is not checked.
fn bearer_token(header: &str) -> Option<&str> {
    let mut words = header.split_whitespace();
    let _scheme = words.next()?;
    words.next().filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn takes_the_second_word() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token(""), None);
    }
}
