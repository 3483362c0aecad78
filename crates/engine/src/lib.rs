//! The in-memory entitlements view of a server process. Each organization is loaded once from a
//! snapshot at a revision (`OrganizationImage`) and then advanced, revision after revision, by
//! the objects its change events name (`follower`), so that the hot reads — Check, a
//! subscription's effective entitlements, the API key of every request — are answered from
//! memory with the same domain functions as the database path. Time-driven subscription
//! transitions are evaluated against the clock at read time, so an answer is never stale.
//!
//! Freshness (`freshness`): a read waits for the view to reach the revision it asks for and
//! every revision this process committed (read-your-writes without a header); past a bounded
//! wait it reads the database instead, and only fails when the database is not there either.

mod follower;
mod freshness;
mod organization_state;

pub use freshness::{ReadAt, ReadError, ReadSource};

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use entitlements_domain::OrganizationId;
use entitlements_store::{ApiKey, ApiKeyHash, Store};
use tokio::sync::watch;

use crate::organization_state::OrganizationState;

/// A handle on the process's view, cheap to clone.
#[derive(Debug, Clone)]
pub struct EntitlementsView {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    store: Store,
    organizations: RwLock<HashMap<OrganizationId, Arc<OrganizationEntry>>>,
    api_keys: RwLock<HashMap<ApiKeyHash, OrganizationId>>,
    /// Whether every organization has been loaded once (the view is worth reading).
    ready: watch::Sender<bool>,
}

/// One organization: its state once loaded, and its revision for those waiting on it.
#[derive(Debug)]
struct OrganizationEntry {
    state: RwLock<Option<OrganizationState>>,
    /// The state's revision, 0 before it is loaded (a loaded organization is past revision 0:
    /// its creation is an event).
    revision: watch::Sender<u64>,
}

impl EntitlementsView {
    /// An empty view of `store`'s organizations. Until [`EntitlementsView::follow`] runs, it
    /// holds nothing, and every read goes to the database.
    pub fn new(store: Store) -> Self {
        let (ready, _) = watch::channel(false);
        Self {
            shared: Arc::new(Shared {
                store,
                organizations: RwLock::default(),
                api_keys: RwLock::default(),
                ready,
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// Whether every organization has been loaded once.
    pub fn is_ready(&self) -> bool {
        *self.shared.ready.borrow()
    }

    /// Waits until every organization has been loaded once.
    pub async fn until_ready(&self) {
        let mut ready = self.shared.ready.subscribe();
        // An error means the view is gone, and so is anyone who could be served by it.
        let _ = ready.wait_for(|ready| *ready).await;
    }

    /// The organization `key` opens, if the view knows the key. A key the view does not know may
    /// still be one the database has (the view is behind, or not loaded yet): ask the store.
    pub fn organization_for_api_key(&self, key: &ApiKey) -> Option<OrganizationId> {
        let api_keys = self.shared.api_keys.read().unwrap_or_else(PoisonError::into_inner);
        api_keys.get(&key.hash()).copied()
    }

    /// The organization's revision in the view, `None` before it is loaded.
    pub fn revision(&self, organization_id: OrganizationId) -> Option<u64> {
        let revision = *self.entry(organization_id)?.revision.borrow();
        (revision > 0).then_some(revision)
    }

    /// The sum over organizations of the revision the view has applied (0 for one not loaded):
    /// compared with the log's, how far the view is behind. One read lock, no allocation.
    pub fn applied_revision_sum(&self) -> u64 {
        let organizations = self.shared.organizations.read().unwrap_or_else(PoisonError::into_inner);
        organizations.values().map(|entry| *entry.revision.borrow()).fold(0, u64::saturating_add)
    }

    fn entry(&self, organization_id: OrganizationId) -> Option<Arc<OrganizationEntry>> {
        let organizations = self.shared.organizations.read().unwrap_or_else(PoisonError::into_inner);
        organizations.get(&organization_id).cloned()
    }

    fn entry_or_insert(&self, organization_id: OrganizationId) -> Arc<OrganizationEntry> {
        if let Some(entry) = self.entry(organization_id) {
            return entry;
        }
        let mut organizations = self.shared.organizations.write().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(organizations.entry(organization_id).or_insert_with(|| {
            let (revision, _) = watch::channel(0);
            Arc::new(OrganizationEntry { state: RwLock::new(None), revision })
        }))
    }

    /// Makes `keys` the organization's keys.
    fn set_api_keys(&self, organization_id: OrganizationId, keys: Vec<ApiKeyHash>) {
        let mut api_keys = self.shared.api_keys.write().unwrap_or_else(PoisonError::into_inner);
        api_keys.retain(|_, owner| *owner != organization_id);
        api_keys.extend(keys.into_iter().map(|key| (key, organization_id)));
    }
}
