//! The dispatcher's side of the outbox: claiming due deliveries and recording each attempt.
//!
//! A claim leases a delivery for one attempt: it sets `leased_until`, and no dispatcher (of this
//! replica or another on the same database) claims it again before that time. The claim is one
//! transaction that selects due rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL (replicas claiming
//! at once take different rows instead of waiting on each other) or under SQLite's write lock. A
//! dispatcher killed mid-attempt leaves a lease that expires, and the delivery is attempted again:
//! deliveries are at least once.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use entitlements_domain::webhook::delivery::{DeliveryStatus, NextStep};
use entitlements_domain::webhook::endpoint::SignatureAlgo;
use entitlements_domain::{Error, OrganizationId};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbBackend, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::Store;
use crate::db::error::StoreError;
use crate::entity::{webhook_delivery, webhook_endpoint, webhook_hmac_key};

/// The longest response (body or transport error) kept in the delivery log, in bytes; the
/// dispatcher reads no more of a body than this.
pub const WEBHOOK_RESPONSE_KEPT_BYTES: usize = 2_048;

/// Where a delivery goes and how it is signed, as its endpoint says at the time of the attempt.
#[derive(Debug, Clone)]
pub struct DeliveryEndpoint {
    pub id: Uuid,
    pub url: String,
    pub signature_algo: SignatureAlgo,
    pub signing_secret: String,
    /// The organization's HMAC key, when it has one already.
    pub hmac_key: Option<String>,
}

/// A delivery claimed for one attempt.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    /// `X-Lago-Unique-Key` and `webhook-id`.
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub endpoint: DeliveryEndpoint,
    pub revision: i64,
    pub webhook_type: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// The end of this claim's lease, which its outcome is recorded under.
    pub leased_until: DateTime<Utc>,
    /// The `traceparent` of the request whose write produced the delivery, if it was traced.
    pub trace_parent: Option<String>,
}

/// How an attempt ended, to record.
#[derive(Debug, Clone)]
pub struct DeliveryAttempt {
    pub delivery_id: Uuid,
    pub endpoint_id: Uuid,
    /// The lease the attempt was made under (`None` for a delivery not leased): an outcome whose
    /// lease expired, and whose delivery another claim took, is not recorded over that claim's.
    pub leased_until: Option<DateTime<Utc>>,
    pub step: NextStep,
    pub http_status: Option<u16>,
    /// The response body, or the transport error.
    pub response: String,
    pub attempted_at: DateTime<Utc>,
}

type ClaimRow =
    (Uuid, Uuid, Uuid, i64, String, String, i32, Option<String>, String, String, String, Option<String>);

impl Store {
    /// Claims up to `limit` deliveries due now for `lease`, at most `per_endpoint` of each
    /// endpoint (less its share of `in_flight`, the attempts this dispatcher is already making),
    /// so that one slow endpoint cannot take every slot. Deliveries of disabled or deleted
    /// endpoints are never claimed.
    ///
    /// # Errors
    /// `Unavailable` when the database fails.
    pub async fn claim_webhook_deliveries(
        &self,
        limit: usize,
        per_endpoint: usize,
        in_flight: &HashMap<Uuid, usize>,
        lease: Duration,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let now = self.now();
        let leased_until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::hours(1));
        // In microseconds, as PostgreSQL keeps it, so that the outcome's record finds it equal.
        let leased_until = leased_until
            .with_nanosecond(leased_until.timestamp_subsec_micros() * 1_000)
            .unwrap_or(leased_until);
        let saturated: Vec<Uuid> =
            in_flight.iter().filter(|(_, count)| **count >= per_endpoint).map(|(id, _)| *id).collect();
        // The dispatcher looks after every commit; most of the time nothing is due, and a read on
        // the index answers that without a write transaction (on SQLite, the database's write lock).
        let any_due = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .filter(
                webhook_delivery::Column::LeasedUntil
                    .is_null()
                    .or(webhook_delivery::Column::LeasedUntil.lte(now)),
            )
            .limit(1)
            .into_tuple::<Uuid>()
            .one(self.connection())
            .await?
            .is_some();
        if !any_due {
            return Ok(Vec::new());
        }
        let transaction = self.begin_write().await?;
        let mut query = webhook_delivery::Entity::find()
            .select_only()
            .columns([
                webhook_delivery::Column::Id,
                webhook_delivery::Column::OrganizationId,
                webhook_delivery::Column::WebhookEndpointId,
                webhook_delivery::Column::Revision,
                webhook_delivery::Column::WebhookType,
                webhook_delivery::Column::Payload,
                webhook_delivery::Column::Attempts,
                webhook_delivery::Column::TraceParent,
            ])
            .column_as(webhook_endpoint::Column::WebhookUrl, "webhook_url")
            .column_as(webhook_endpoint::Column::SignatureAlgo, "signature_algo")
            .column_as(webhook_endpoint::Column::SigningSecret, "signing_secret")
            .column_as(webhook_hmac_key::Column::HmacKey, "hmac_key")
            .join(
                JoinType::InnerJoin,
                webhook_delivery::Entity::belongs_to(webhook_endpoint::Entity)
                    .from(webhook_delivery::Column::WebhookEndpointId)
                    .to(webhook_endpoint::Column::Id)
                    .into(),
            )
            .join(
                JoinType::LeftJoin,
                webhook_delivery::Entity::belongs_to(webhook_hmac_key::Entity)
                    .from(webhook_delivery::Column::OrganizationId)
                    .to(webhook_hmac_key::Column::OrganizationId)
                    .into(),
            )
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .filter(
                webhook_delivery::Column::LeasedUntil
                    .is_null()
                    .or(webhook_delivery::Column::LeasedUntil.lte(now)),
            )
            .filter(webhook_endpoint::Column::DisabledAt.is_null())
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .limit(u64::try_from(limit.saturating_mul(4)).unwrap_or(u64::MAX));
        if !saturated.is_empty() {
            query = query.filter(webhook_delivery::Column::WebhookEndpointId.is_not_in(saturated));
        }
        if self.backend() == DbBackend::Postgres {
            // Only the deliveries' rows: endpoints stay free for their own updates.
            QuerySelect::query(&mut query).lock_with_tables_behavior(
                LockType::Update,
                [Alias::new("webhook_deliveries")],
                LockBehavior::SkipLocked,
            );
        }
        let rows: Vec<ClaimRow> = query.into_tuple().all(&transaction).await?;
        let mut taken: HashMap<Uuid, usize> = in_flight.clone();
        let mut claimed = Vec::new();
        for (
            id,
            organization_id,
            endpoint_id,
            revision,
            webhook_type,
            payload,
            attempts,
            trace_parent,
            url,
            algo,
            secret,
            hmac,
        ) in rows
        {
            if claimed.len() == limit {
                break;
            }
            let slots = taken.entry(endpoint_id).or_default();
            if *slots >= per_endpoint {
                continue;
            }
            *slots += 1;
            let signature_algo = SignatureAlgo::parse(&algo).ok_or_else(|| {
                Error::Internal(format!("webhook endpoint {endpoint_id} signs with {algo}"))
            })?;
            claimed.push(DueDelivery {
                id,
                organization_id: OrganizationId(organization_id),
                endpoint: DeliveryEndpoint {
                    id: endpoint_id,
                    url,
                    signature_algo,
                    signing_secret: secret,
                    hmac_key: hmac,
                },
                revision,
                webhook_type,
                payload,
                attempts: u32::try_from(attempts).unwrap_or(0),
                leased_until,
                trace_parent,
            });
        }
        if !claimed.is_empty() {
            webhook_delivery::Entity::update_many()
                .col_expr(webhook_delivery::Column::LeasedUntil, Expr::value(leased_until))
                .filter(webhook_delivery::Column::Id.is_in(claimed.iter().map(|delivery| delivery.id)))
                .exec(&transaction)
                .await?;
        }
        transaction.commit().await?;
        Ok(claimed)
    }

    /// Records an attempt's outcome and releases the delivery's lease; a 410 also disables the
    /// endpoint, in the same transaction.
    ///
    /// # Errors
    /// `Unavailable` when the database fails.
    pub async fn record_webhook_attempt(&self, attempt: DeliveryAttempt) -> Result<(), StoreError> {
        let (status, next_attempt_at) = match attempt.step {
            NextStep::Succeeded => (DeliveryStatus::Succeeded, None),
            NextStep::RetryAt(at) => (DeliveryStatus::Retrying, Some(at)),
            NextStep::Failed | NextStep::DisableEndpoint => (DeliveryStatus::Failed, None),
        };
        let mut response = attempt.response;
        if response.len() > WEBHOOK_RESPONSE_KEPT_BYTES {
            let mut end = WEBHOOK_RESPONSE_KEPT_BYTES;
            while !response.is_char_boundary(end) {
                end -= 1;
            }
            response.truncate(end);
        }
        let transaction = self.begin_write().await?;
        let updated = webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::Status, Expr::value(status.as_str()))
            .col_expr(
                webhook_delivery::Column::Attempts,
                Expr::col(webhook_delivery::Column::Attempts).add(1),
            )
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next_attempt_at))
            .col_expr(webhook_delivery::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(webhook_delivery::Column::LastAttemptAt, Expr::value(attempt.attempted_at))
            .col_expr(
                webhook_delivery::Column::LastHttpStatus,
                Expr::value(attempt.http_status.map(i32::from)),
            )
            .col_expr(webhook_delivery::Column::LastResponse, Expr::value(response))
            .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(attempt.attempted_at))
            .filter(webhook_delivery::Column::Id.eq(attempt.delivery_id))
            .filter(match attempt.leased_until {
                Some(leased_until) => webhook_delivery::Column::LeasedUntil.eq(leased_until),
                None => webhook_delivery::Column::LeasedUntil.is_null(),
            })
            .exec(&transaction)
            .await?;
        if updated.rows_affected == 0 {
            // Another claim owns the delivery now (this one's lease expired): its outcome counts.
            transaction.rollback().await?;
            return Ok(());
        }
        if attempt.step == NextStep::DisableEndpoint {
            webhook_endpoint::Entity::update(webhook_endpoint::ActiveModel {
                id: sea_orm::ActiveValue::Unchanged(attempt.endpoint_id),
                disabled_at: Set(Some(attempt.attempted_at)),
                ..Default::default()
            })
            .exec(&transaction)
            .await
            .map(|_| ())
            .or_else(|error| match error {
                // The endpoint was deleted meanwhile: nothing to disable.
                sea_orm::DbErr::RecordNotUpdated => Ok(()),
                other => Err(other),
            })?;
        }
        transaction.commit().await?;
        Ok(())
    }
}
