//! `entitlements-server admin ...`: tasks an operator runs by hand.

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

/// 256 random bits, hex-encoded, with a prefix that makes leaked keys easy to recognise.
fn generate_api_key() -> Result<String, ServerError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| ServerError::Startup(format!("no randomness: {error}")))?;
    Ok(format!("ent_{}", hex::encode(bytes)))
}
