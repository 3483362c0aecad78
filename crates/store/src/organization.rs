//! Organizations and API keys. Only a key's SHA-256 is stored: keys are long random strings, so a
//! fast hash is enough and a lookup is one indexed query.

use entitlements_domain::{Error, OrganizationId};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Store;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::db::error::StoreError;
use crate::db::error::already_exists_or_db_error;
use crate::entity::api_key;
use crate::entity::organization;

/// An API key as the client presents it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key's SHA-256 in hex: what is stored, and what the in-memory view looks keys up by.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a secret, even in debug logs.
        formatter.write_str("ApiKey(***)")
    }
}

/// A created organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    pub id: OrganizationId,
    pub name: String,
}

impl Store {
    /// The organization that owns `key`, if any.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn organization_for_api_key(&self, key: &ApiKey) -> Result<Option<OrganizationId>, StoreError> {
        let found = api_key::Entity::find()
            .filter(api_key::Column::KeyHash.eq(key.hash()))
            .one(self.connection())
            .await?;
        Ok(found.map(|row| OrganizationId(row.organization_id)))
    }

    /// The organization named `name`, if any (the admin CLI names organizations).
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn organization_by_name(&self, name: &str) -> Result<Option<OrganizationId>, StoreError> {
        let found = organization::Entity::find()
            .filter(organization::Column::Name.eq(name))
            .one(self.connection())
            .await?;
        Ok(found.map(|row| OrganizationId(row.id)))
    }

    /// Creates an organization named `name` that `key` opens.
    ///
    /// # Errors
    /// `Validation` (`name: value_already_exist`) when the name is taken.
    pub async fn create_organization(&self, name: &str, key: &ApiKey) -> Result<NewOrganization, StoreError> {
        let transaction = self.begin_write().await?;
        let id = OrganizationId::generate();
        let now = self.now();
        organization::Entity::insert(organization::ActiveModel {
            id: Set(id.0),
            name: Set(name.to_owned()),
            change_sequence: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&transaction)
        .await
        .map_err(|error| already_exists_or_db_error(&error, "name"))?;
        let key_change = insert_api_key(&transaction, id, key, self.now()).await?;
        let organization_change = PendingChange {
            event_type: ChangeEventType::OrganizationCreated,
            object_id: id.0,
            object_code: name.to_owned(),
        };
        self.commit_with_changes(transaction, id, vec![organization_change, key_change]).await?;
        Ok(NewOrganization { id, name: name.to_owned() })
    }

    /// Makes sure `key` opens an organization named `name`, creating either when missing. Safe
    /// to run from several replicas at once.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn ensure_organization_with_api_key(
        &self,
        name: &str,
        key: &ApiKey,
    ) -> Result<OrganizationId, StoreError> {
        if let Some(organization_id) = self.organization_for_api_key(key).await? {
            return Ok(organization_id);
        }
        match self.create_organization(name, key).await.map_err(StoreError::into_domain) {
            Ok(organization) => Ok(organization.id),
            // The name exists already (an earlier key, or another replica): add the key to it.
            Err(Error::Validation(_)) => self.add_api_key(name, key).await,
            Err(error) => Err(error.into()),
        }
    }

    /// Adds `key` to the organization named `name`; a key that another replica added meanwhile
    /// is found rather than duplicated.
    async fn add_api_key(&self, name: &str, key: &ApiKey) -> Result<OrganizationId, StoreError> {
        let transaction = self.begin_write().await?;
        let existing = organization::Entity::find()
            .filter(organization::Column::Name.eq(name))
            .one(&transaction)
            .await?
            .ok_or_else(|| Error::Internal(format!("organization {name} vanished")))?;
        let id = OrganizationId(existing.id);
        match insert_api_key(&transaction, id, key, self.now()).await {
            Ok(key_change) => self.commit_with_changes(transaction, id, vec![key_change]).await.map(|()| id),
            Err(_) => Ok(self
                .organization_for_api_key(key)
                .await?
                .ok_or_else(|| Error::Internal("api key neither inserted nor found".to_owned()))?),
        }
    }
}

async fn insert_api_key(
    connection: &impl sea_orm::ConnectionTrait,
    organization_id: OrganizationId,
    key: &ApiKey,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PendingChange, StoreError> {
    let id = Uuid::now_v7();
    api_key::Entity::insert(api_key::ActiveModel {
        id: Set(id),
        organization_id: Set(organization_id.0),
        key_hash: Set(key.hash()),
        created_at: Set(now),
    })
    .exec(connection)
    .await?;
    // The log names the key by id only: the key itself is a secret.
    Ok(PendingChange {
        event_type: ChangeEventType::ApiKeyCreated,
        object_id: id,
        object_code: String::new(),
    })
}
