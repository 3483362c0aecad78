//! `entitlements-server admin ...`: tasks an operator runs by hand.

use entitlements_domain::{Error, OrganizationId, Resource};
use entitlements_store::{ApiKey, Store};

use crate::ServerError;

/// Creates an organization and returns its new API key, which is stored only as a hash.
///
/// # Errors
/// When the database fails or the name is taken.
pub async fn create_organization(store: &Store, name: &str) -> Result<String, ServerError> {
    store.migrate().await?;
    let key = generate_api_key()?;
    store.create_organization(name, &ApiKey::new(key.clone())).await?;
    Ok(key)
}

/// The organization's key for `hmac` webhook signatures, made on first use.
///
/// # Errors
/// When the database fails or no organization has this name.
pub async fn webhook_hmac_key(store: &Store, organization: &str) -> Result<String, ServerError> {
    store.migrate().await?;
    let organization_id = organization_named(store, organization).await?;
    Ok(store.webhook_hmac_key(organization_id).await?)
}

/// Replaces the organization's `hmac` webhook key and returns the new one.
///
/// # Errors
/// When the database fails or no organization has this name.
pub async fn rotate_webhook_hmac_key(store: &Store, organization: &str) -> Result<String, ServerError> {
    store.migrate().await?;
    let organization_id = organization_named(store, organization).await?;
    Ok(store.rotate_webhook_hmac_key(organization_id).await?)
}

async fn organization_named(store: &Store, name: &str) -> Result<OrganizationId, ServerError> {
    store
        .organization_by_name(name)
        .await?
        .ok_or_else(|| ServerError::Domain(Error::not_found(Resource::Organization, name)))
}

/// 256 random bits, hex-encoded, with a prefix that makes leaked keys easy to recognise.
fn generate_api_key() -> Result<String, ServerError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| ServerError::Startup(format!("no randomness: {error}")))?;
    Ok(format!("ent_{}", hex::encode(bytes)))
}
