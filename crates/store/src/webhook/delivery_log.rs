//! The delivery log of an endpoint, and the manual retry of one delivery: it becomes due now and
//! any lease on it ends, and the dispatcher (this replica's, woken at once, or another's at its
//! next poll) makes the attempt.

use entitlements_domain::webhook::delivery::DeliveryStatus;
use entitlements_domain::webhook::delivery_log::WebhookDelivery;
use entitlements_domain::{
    Error, OrganizationId, Page, PageRequest, Resource, WebhookDeliveryId, WebhookEndpointId,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::endpoints::load_endpoint;
use crate::Store;
use crate::change_log::notifier::ChangeSignal;
use crate::db::error::StoreError;
use crate::db::page_window;
use crate::entity::webhook_delivery;

impl Store {
    /// A page of the endpoint's deliveries, newest first, only those in `status` when given.
    ///
    /// # Errors
    /// `NotFound(WebhookEndpoint)` when the organization has no such endpoint.
    pub async fn list_webhook_deliveries(
        &self,
        organization_id: OrganizationId,
        endpoint_id: WebhookEndpointId,
        status: Option<DeliveryStatus>,
        page_request: PageRequest,
    ) -> Result<Page<WebhookDelivery>, StoreError> {
        load_endpoint(self.connection(), organization_id, endpoint_id, false).await?;
        let mut query = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::OrganizationId.eq(organization_id.0))
            .filter(webhook_delivery::Column::WebhookEndpointId.eq(endpoint_id.0));
        if let Some(status) = status {
            query = query.filter(webhook_delivery::Column::Status.eq(status.as_str()));
        }
        let total_count = query.clone().count(self.connection()).await?;
        let (offset, limit) = page_window(page_request);
        let rows = query
            // Ids are time-ordered (UUID v7): they break ties between deliveries of one write.
            .order_by_desc(webhook_delivery::Column::CreatedAt)
            .order_by_desc(webhook_delivery::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(self.connection())
            .await?;
        let items = rows.into_iter().map(delivery_from_row).collect::<Result<_, _>>()?;
        Ok(Page { items, total_count })
    }

    /// One delivery of the organization.
    ///
    /// # Errors
    /// `NotFound(Webhook)`.
    pub async fn webhook_delivery(
        &self,
        organization_id: OrganizationId,
        id: WebhookDeliveryId,
    ) -> Result<WebhookDelivery, StoreError> {
        let row = find_delivery(organization_id, id)
            .one(self.connection())
            .await?
            .ok_or_else(|| Error::not_found(Resource::Webhook, id.to_string()))?;
        delivery_from_row(row)
    }

    /// Makes a delivery due now (pending, retrying, or failed for good: it gets one more attempt)
    /// and answers it.
    ///
    /// # Errors
    /// `NotFound(Webhook)`; `NotAllowed("is_succeeded")` for a delivery that succeeded.
    pub async fn retry_webhook_delivery(
        &self,
        organization_id: OrganizationId,
        id: WebhookDeliveryId,
    ) -> Result<WebhookDelivery, StoreError> {
        let transaction = self.begin_write().await?;
        let row = find_delivery(organization_id, id)
            .lock_exclusive()
            .one(&transaction)
            .await?
            .ok_or_else(|| Error::not_found(Resource::Webhook, id.to_string()))?;
        if row.status == DeliveryStatus::Succeeded.as_str() {
            return Err(Error::NotAllowed("is_succeeded").into());
        }
        let now = self.now();
        if row.leased_until.is_some_and(|leased_until| leased_until > now) {
            // An attempt is being made right now: its outcome decides, and a second attempt must
            // not start beside it (its lease stays).
            transaction.commit().await?;
            return delivery_from_row(row);
        }
        let retried = webhook_delivery::Model {
            next_attempt_at: Some(now),
            leased_until: None,
            updated_at: now,
            ..row
        };
        webhook_delivery::Entity::update(webhook_delivery::ActiveModel {
            id: Set(retried.id),
            next_attempt_at: Set(retried.next_attempt_at),
            leased_until: Set(None),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(&transaction)
        .await?;
        transaction.commit().await?;
        // Wakes this replica's dispatcher, which otherwise finds the delivery at its next poll.
        self.change_notifier.send(ChangeSignal::Committed(organization_id));
        delivery_from_row(retried)
    }
}

fn find_delivery(
    organization_id: OrganizationId,
    id: WebhookDeliveryId,
) -> sea_orm::Select<webhook_delivery::Entity> {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::OrganizationId.eq(organization_id.0))
        .filter(webhook_delivery::Column::Id.eq(id.0))
}

fn delivery_from_row(row: webhook_delivery::Model) -> Result<WebhookDelivery, StoreError> {
    let id = row.id;
    let status = DeliveryStatus::parse(&row.status)
        .ok_or_else(|| Error::Internal(format!("webhook delivery {id} has status {:?}", row.status)))?;
    Ok(WebhookDelivery {
        id: WebhookDeliveryId(id),
        endpoint_id: WebhookEndpointId(row.webhook_endpoint_id),
        webhook_type: row.webhook_type,
        object_type: row.object_type,
        revision: row.revision,
        status,
        // Counters and HTTP statuses are never negative; a corrupted one reads as 0 / none.
        attempts: u32::try_from(row.attempts).unwrap_or_default(),
        last_http_status: row.last_http_status.and_then(|status| u16::try_from(status).ok()),
        last_response: row.last_response,
        last_attempt_at: row.last_attempt_at,
        next_attempt_at: row.next_attempt_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        payload: row.payload,
    })
}
