//! Webhook endpoints: created, updated and deleted under the organization's writer lock, so that
//! two concurrent creates can neither take one URL twice nor pass the 10-endpoint limit together
//! (Lago counts without a lock). Endpoint writes send no webhook and are not change events, so
//! their transactions commit directly.

use entitlements_domain::webhook::endpoint::{
    MAX_ENDPOINTS_PER_ORGANIZATION, NewWebhookEndpoint, SignatureAlgo, WebhookEndpoint,
    WebhookEndpointCreateInput, WebhookEndpointUpdateInput,
};
use entitlements_domain::webhook::signing::generate_endpoint_secret;
use entitlements_domain::{Error, OrganizationId, Page, PageRequest, Resource, WebhookEndpointId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::Store;
use crate::db::error::{StoreError, already_exists_or_db_error};
use crate::db::locks::lock_organization;
use crate::db::page_window;
use crate::entity::{webhook_delivery, webhook_endpoint};

/// The field a taken URL is reported on.
const WEBHOOK_URL: &str = "webhook_url";

impl Store {
    /// Validates and creates an endpoint with a new Standard Webhooks secret.
    ///
    /// # Errors
    /// `Validation` with Lago's fields and codes (`webhook_url: value_already_exist` for a URL the
    /// organization uses already, `base` when it has 10 endpoints).
    pub async fn create_webhook_endpoint(
        &self,
        organization_id: OrganizationId,
        input: WebhookEndpointCreateInput,
    ) -> Result<WebhookEndpoint, StoreError> {
        let transaction = self.begin_write().await?;
        lock_organization(&transaction, organization_id).await?;
        let url_taken = match input.webhook_url.as_deref() {
            Some(url) => url_is_taken(&transaction, organization_id, url, None).await?,
            None => false,
        };
        let count = endpoints_of(organization_id).count(&transaction).await?;
        let new = NewWebhookEndpoint::parse(input, url_taken, count >= MAX_ENDPOINTS_PER_ORGANIZATION)?;
        let now = self.now();
        let created = WebhookEndpoint {
            id: WebhookEndpointId::generate(),
            webhook_url: new.webhook_url,
            signature_algo: new.signature_algo,
            name: new.name,
            event_types: new.event_types,
            signing_secret: generate_endpoint_secret(),
            disabled_at: None,
            created_at: now,
            updated_at: now,
        };
        webhook_endpoint::Entity::insert(to_row(organization_id, &created)?)
            .exec(&transaction)
            .await
            .map_err(|error| already_exists_or_db_error(&error, WEBHOOK_URL))?;
        transaction.commit().await?;
        Ok(created)
    }

    /// The endpoint with this id.
    ///
    /// # Errors
    /// `NotFound(WebhookEndpoint)` when the organization has none with it.
    pub async fn webhook_endpoint(
        &self,
        organization_id: OrganizationId,
        id: WebhookEndpointId,
    ) -> Result<WebhookEndpoint, StoreError> {
        load_endpoint(self.connection(), organization_id, id, false).await
    }

    /// A page of the organization's endpoints in Lago's order: URL (byte order, on both
    /// databases), newest first, then id.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn list_webhook_endpoints(
        &self,
        organization_id: OrganizationId,
        page_request: PageRequest,
    ) -> Result<Page<WebhookEndpoint>, StoreError> {
        let total_count = endpoints_of(organization_id).count(self.connection()).await?;
        // SQLite compares text by bytes; PostgreSQL would use the database's locale.
        let by_url = match self.backend() {
            DbBackend::Postgres => Expr::cust(r#""webhook_url" COLLATE "C""#),
            _ => Expr::col(webhook_endpoint::Column::WebhookUrl),
        };
        let (offset, limit) = page_window(page_request);
        let rows = endpoints_of(organization_id)
            .order_by(by_url, Order::Asc)
            .order_by_desc(webhook_endpoint::Column::CreatedAt)
            .order_by_asc(webhook_endpoint::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(self.connection())
            .await?;
        let items = rows.into_iter().map(endpoint_from_row).collect::<Result<_, _>>()?;
        Ok(Page { items, total_count })
    }

    /// Applies a partial update; an endpoint a 410 disabled receives deliveries again.
    ///
    /// # Errors
    /// `NotFound(WebhookEndpoint)`; `Validation` with Lago's fields and codes.
    pub async fn update_webhook_endpoint(
        &self,
        organization_id: OrganizationId,
        id: WebhookEndpointId,
        update: WebhookEndpointUpdateInput,
    ) -> Result<WebhookEndpoint, StoreError> {
        let transaction = self.begin_write().await?;
        lock_organization(&transaction, organization_id).await?;
        let current = load_endpoint(&transaction, organization_id, id, true).await?;
        let url_taken = match update.new_url(&current) {
            Some(url) => url_is_taken(&transaction, organization_id, url, Some(id.0)).await?,
            None => false,
        };
        let updated = update.apply(&current, url_taken, self.now())?;
        webhook_endpoint::Entity::update(to_row(organization_id, &updated)?)
            .exec(&transaction)
            .await
            .map_err(|error| already_exists_or_db_error(&error, WEBHOOK_URL))?;
        transaction.commit().await?;
        Ok(updated)
    }

    /// Deletes the endpoint and its delivery log (pending deliveries included), and answers the
    /// endpoint as it was.
    ///
    /// # Errors
    /// `NotFound(WebhookEndpoint)`.
    pub async fn delete_webhook_endpoint(
        &self,
        organization_id: OrganizationId,
        id: WebhookEndpointId,
    ) -> Result<WebhookEndpoint, StoreError> {
        let transaction = self.begin_write().await?;
        let deleted = load_endpoint(&transaction, organization_id, id, true).await?;
        webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::WebhookEndpointId.eq(id.0))
            .exec(&transaction)
            .await?;
        webhook_endpoint::Entity::delete_by_id(id.0).exec(&transaction).await?;
        transaction.commit().await?;
        Ok(deleted)
    }
}

fn endpoints_of(organization_id: OrganizationId) -> sea_orm::Select<webhook_endpoint::Entity> {
    webhook_endpoint::Entity::find().filter(webhook_endpoint::Column::OrganizationId.eq(organization_id.0))
}

/// Whether another endpoint of the organization (not `except`) has exactly this URL.
async fn url_is_taken(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    url: &str,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let mut query = endpoints_of(organization_id).filter(webhook_endpoint::Column::WebhookUrl.eq(url));
    if let Some(except) = except {
        query = query.filter(webhook_endpoint::Column::Id.ne(except));
    }
    Ok(query.count(connection).await? > 0)
}

/// Loads an endpoint; `for_update` locks its row (on PostgreSQL; SQLite write transactions hold
/// the database lock already).
pub(crate) async fn load_endpoint(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: WebhookEndpointId,
    for_update: bool,
) -> Result<WebhookEndpoint, StoreError> {
    let mut query = endpoints_of(organization_id).filter(webhook_endpoint::Column::Id.eq(id.0));
    if for_update {
        query = query.lock_exclusive();
    }
    let row = query
        .one(connection)
        .await?
        .ok_or_else(|| Error::not_found(Resource::WebhookEndpoint, id.to_string()))?;
    endpoint_from_row(row)
}

fn to_row(
    organization_id: OrganizationId,
    endpoint: &WebhookEndpoint,
) -> Result<webhook_endpoint::ActiveModel, StoreError> {
    let event_types = endpoint
        .event_types
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|error| Error::Internal(format!("event_types: {error}")))?;
    Ok(webhook_endpoint::ActiveModel {
        id: Set(endpoint.id.0),
        organization_id: Set(organization_id.0),
        webhook_url: Set(endpoint.webhook_url.clone()),
        signature_algo: Set(endpoint.signature_algo.as_str().to_owned()),
        name: Set(endpoint.name.clone()),
        event_types: Set(event_types),
        signing_secret: Set(endpoint.signing_secret.clone()),
        disabled_at: Set(endpoint.disabled_at),
        created_at: Set(endpoint.created_at),
        updated_at: Set(endpoint.updated_at),
    })
}

fn endpoint_from_row(row: webhook_endpoint::Model) -> Result<WebhookEndpoint, StoreError> {
    let id = row.id;
    let signature_algo = SignatureAlgo::parse(&row.signature_algo).ok_or_else(|| {
        Error::Internal(format!("webhook endpoint {id} has signature_algo {:?}", row.signature_algo))
    })?;
    let event_types = row
        .event_types
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|error| Error::Internal(format!("webhook endpoint {id} event_types: {error}")))?;
    Ok(WebhookEndpoint {
        id: WebhookEndpointId(id),
        webhook_url: row.webhook_url,
        signature_algo,
        name: row.name,
        event_types,
        signing_secret: row.signing_secret,
        disabled_at: row.disabled_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
