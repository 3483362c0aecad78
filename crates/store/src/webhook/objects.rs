//! The objects webhooks carry, loaded in the write's transaction: the state at the event's
//! revision. Loads are batched per kind of object, whatever the number of events.

use entitlements_domain::webhook::{WebhookEventType, WebhookObject};
use entitlements_domain::{Error, OrganizationId};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::db::error::StoreError;
use crate::feature::features_by_ids;

/// The object of each `(event, object id)`, in the same order; `None` for an object that no
/// longer exists.
pub(crate) async fn load_objects(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    requests: &[(WebhookEventType, Uuid)],
) -> Result<Vec<Option<WebhookObject>>, StoreError> {
    let feature_ids: Vec<Uuid> = requests
        .iter()
        .filter(|(event_type, _)| event_type.object_type() == "feature")
        .map(|(_, id)| *id)
        .collect();
    let features = features_by_ids(connection, organization_id, &feature_ids).await?;
    requests
        .iter()
        .map(|(event_type, id)| match event_type.object_type() {
            "feature" => Ok(features
                .iter()
                .find(|feature| feature.id.0 == *id)
                .map(|feature| WebhookObject::Feature(feature.clone()))),
            other => Err(Error::Internal(format!("no webhook object loader for {other} yet")).into()),
        })
        .collect()
}
