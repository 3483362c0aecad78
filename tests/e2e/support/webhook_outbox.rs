//! The webhook outbox as the database holds it: endpoints inserted straight into
//! `webhook_endpoints` (whatever API manages them), and the `webhook_deliveries` rows the writes
//! made, read back in the order of their events, with the exact payload bytes.

use sea_orm::prelude::DateTimeUtc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

use super::TestApp;

/// A delivery row: which endpoint, which event (type and revision), and the body to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredDelivery {
    /// The delivery's id: its `X-Lago-Unique-Key`.
    pub(crate) id: Uuid,
    pub(crate) endpoint_id: Uuid,
    pub(crate) webhook_type: String,
    pub(crate) revision: i64,
    pub(crate) payload: String,
}

impl TestApp {
    /// Adds a webhook endpoint (signed with HMAC) to the test organization; `event_types` is
    /// `None` for every event. Returns its id.
    pub(crate) async fn insert_webhook_endpoint(&self, url: &str, event_types: Option<&[&str]>) -> Uuid {
        let connection = Database::connect(&self.database_url).await.expect("connect to the database");
        let id = Uuid::now_v7();
        let now = DateTimeUtc::from(std::time::SystemTime::now());
        let event_types =
            event_types.map(|names| serde_json::to_string(names).expect("event types serialize"));
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("webhook_endpoints"))
            .columns(
                [
                    "id",
                    "organization_id",
                    "webhook_url",
                    "signature_algo",
                    "name",
                    "event_types",
                    "signing_secret",
                    "disabled_at",
                    "created_at",
                    "updated_at",
                ]
                .map(Alias::new),
            )
            .values_panic([
                id.into(),
                self.organization_id().await.0.into(),
                url.into(),
                "hmac".into(),
                Option::<String>::None.into(),
                event_types.into(),
                "whsec_dGVzdC1zZWNyZXQtZm9yLXRoZS1oYXJuZXNz".into(),
                Option::<DateTimeUtc>::None.into(),
                now.into(),
                now.into(),
            ]);
        connection.execute(&insert).await.expect("insert the webhook endpoint");
        id
    }

    /// The test organization's webhook deliveries, in the order of their events (then of their
    /// creation).
    pub(crate) async fn webhook_deliveries(&self) -> Vec<StoredDelivery> {
        let connection = Database::connect(&self.database_url).await.expect("connect to the database");
        let mut select = Query::select();
        select
            .columns(["id", "webhook_endpoint_id", "webhook_type", "revision", "payload"].map(Alias::new))
            .from(Alias::new("webhook_deliveries"))
            .and_where(Expr::col(Alias::new("organization_id")).eq(self.organization_id().await.0))
            .order_by(Alias::new("revision"), Order::Asc)
            .order_by(Alias::new("id"), Order::Asc);
        connection
            .query_all(&select)
            .await
            .expect("read the webhook deliveries")
            .into_iter()
            .map(|row| StoredDelivery {
                id: row.try_get("", "id").expect("an id"),
                endpoint_id: row.try_get("", "webhook_endpoint_id").expect("an endpoint id"),
                webhook_type: row.try_get("", "webhook_type").expect("a webhook type"),
                revision: row.try_get("", "revision").expect("a revision"),
                payload: row.try_get("", "payload").expect("a payload"),
            })
            .collect()
    }
}
