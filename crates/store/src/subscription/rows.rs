//! Subscriptions as the API shows them, from their rows: each with its plan, its customer's
//! external id, the plan codes of the subscriptions it replaced and that replace it, the
//! scheduled downgrade's date and the current billing period, in a fixed number of queries
//! whatever the number of subscriptions (their effective entitlements too, when asked for).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitlements_domain::{
    BillingTime, CustomerId, Error, OnTerminationCreditNote, OnTerminationInvoice, OrganizationId,
    PeriodSchedule, Plan, Subscription, SubscriptionId, SubscriptionStatus, Tz,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::db::error::StoreError;
use crate::db::{IN_LIST_CHUNK, in_chunks};
use crate::entitlement::subscription_rows::load_many_subscription_entitlements;
use crate::entity::plan;
use crate::entity::subscription;
use crate::plan::reads::load_plans;
use crate::subscription_lifecycle::chain::subscription_customers;

/// The subscriptions of `rows` (in their order), as of `now`. `with_entitlements` adds their
/// effective entitlements.
pub(crate) async fn load_subscriptions(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    rows: Vec<subscription::Model>,
    now: DateTime<Utc>,
    with_entitlements: bool,
) -> Result<Vec<Subscription>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let previous_ids: Vec<Uuid> = rows.iter().filter_map(|row| row.previous_subscription_id).collect();
    let previous = rows_where(connection, subscription::Column::Id, &previous_ids).await?;
    let successors = rows_where(connection, subscription::Column::PreviousSubscriptionId, &ids).await?;
    let plan_ids: Vec<Uuid> = rows.iter().map(|row| row.plan_id).collect();
    let plans = plans_by_id(connection, organization_id, &plan_ids).await?;
    let linked_plan_ids: Vec<Uuid> = previous.iter().chain(&successors).map(|row| row.plan_id).collect();
    let plan_codes = plan_codes(connection, &linked_plan_ids).await?;
    let customer_ids: Vec<Uuid> = rows.iter().map(|row| row.customer_id).collect();
    let customers = subscription_customers(connection, &customer_ids).await?;
    let entitlements = if with_entitlements {
        let owners: Vec<(Uuid, Uuid)> = rows.iter().map(|row| (row.id, row.plan_id)).collect();
        load_many_subscription_entitlements(connection, organization_id, &owners).await?
    } else {
        HashMap::new()
    };
    let mut subscriptions = Vec::with_capacity(rows.len());
    for row in rows {
        let plan = plans.get(&row.plan_id).cloned().ok_or_else(|| lost("plan", row.id))?;
        let customer = customers.get(&row.customer_id).ok_or_else(|| lost("customer", row.id))?;
        let previous_plan_code = row
            .previous_subscription_id
            .and_then(|previous_id| previous.iter().find(|candidate| candidate.id == previous_id))
            .and_then(|previous| plan_codes.get(&previous.plan_id).cloned());
        // Lago's `next_subscription`: the latest successor that is not canceled.
        let next = successors
            .iter()
            .filter(|successor| {
                successor.previous_subscription_id == Some(row.id)
                    && successor.status != subscription::Status::Canceled
            })
            .max_by_key(|successor| (successor.created_at, successor.id));
        let linked = Linked {
            previous_plan_code,
            next_plan_code: next.and_then(|next| plan_codes.get(&next.plan_id).cloned()),
            downgrade_date_at: next.and_then(downgrade_date_at),
            external_customer_id: customer.external_id.clone(),
        };
        let entitlements = if with_entitlements { entitlements.get(&row.id).cloned() } else { None };
        subscriptions.push(subscription_from_row(row, plan, linked, customer.timezone, now, entitlements)?);
    }
    Ok(subscriptions)
}

/// What a subscription shows of the rows linked to it.
struct Linked {
    previous_plan_code: Option<String>,
    next_plan_code: Option<String>,
    /// The instant whose local date is `downgrade_plan_date`.
    downgrade_date_at: Option<DateTime<Utc>>,
    external_customer_id: String,
}

/// Lago's `downgrade_plan_date` source: a pending downgrade's effective instant, or the start of
/// one that already took effect (an upgrade has no downgrade date).
fn downgrade_date_at(next: &subscription::Model) -> Option<DateTime<Utc>> {
    let downgrade_at = next.downgrade_at?;
    if next.status == subscription::Status::Pending {
        Some(downgrade_at)
    } else {
        next.started_at.filter(|_| next.status != subscription::Status::Canceled)
    }
}

fn subscription_from_row(
    row: subscription::Model,
    plan: Plan,
    linked: Linked,
    timezone: Tz,
    now: DateTime<Utc>,
    entitlements: Option<Vec<entitlements_domain::SubscriptionEntitlement>>,
) -> Result<Subscription, StoreError> {
    let status = SubscriptionStatus::from(row.status);
    let billing_time = BillingTime::from(row.billing_time);
    let on_termination_credit_note = row.on_termination_credit_note.map(OnTerminationCreditNote::from);
    let on_termination_invoice = OnTerminationInvoice::from(row.on_termination_invoice);
    let current_billing_period = row.started_at.map(|started_at| {
        PeriodSchedule {
            interval: plan.attributes.interval,
            bill_charges_monthly: plan.attributes.bill_charges_monthly.unwrap_or(false),
            billing_time,
            subscription_at: row.subscription_at,
            started_at,
            terminated_at: row.terminated_at,
            timezone,
        }
        .current_billing_period(now)
    });
    Ok(Subscription {
        id: SubscriptionId(row.id),
        external_id: row.external_id,
        customer_id: CustomerId(row.customer_id),
        external_customer_id: linked.external_customer_id,
        name: row.name,
        plan,
        status,
        billing_time,
        subscription_at: row.subscription_at,
        started_at: row.started_at,
        ending_at: row.ending_at,
        terminated_at: row.terminated_at,
        canceled_at: row.canceled_at,
        trial_ended_at: row.trial_ended_at,
        created_at: row.created_at,
        previous_plan_code: linked.previous_plan_code,
        next_plan_code: linked.next_plan_code,
        downgrade_plan_date: linked
            .downgrade_date_at
            .map(|instant| instant.with_timezone(&timezone).date_naive()),
        current_billing_period,
        on_termination_credit_note,
        on_termination_invoice,
        progressive_billing_disabled: row.progressive_billing_disabled,
        consolidate_invoice: row.consolidate_invoice,
        purchase_order_number: row.purchase_order_number,
        entitlements,
    })
}

fn lost(what: &str, subscription_id: Uuid) -> Error {
    Error::Internal(format!("the {what} of subscription {subscription_id} vanished"))
}

/// Subscription rows whose `column` is one of `values`.
async fn rows_where(
    connection: &impl ConnectionTrait,
    column: subscription::Column,
    values: &[Uuid],
) -> Result<Vec<subscription::Model>, StoreError> {
    let rows = in_chunks(values, |chunk| {
        subscription::Entity::find().filter(column.is_in(chunk.iter().copied())).all(connection)
    })
    .await?;
    Ok(rows)
}

/// Plans by id, deleted ones included (a subscription keeps showing the plan it was on).
async fn plans_by_id(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    plan_ids: &[Uuid],
) -> Result<HashMap<Uuid, Plan>, StoreError> {
    let mut plan_ids = plan_ids.to_vec();
    plan_ids.sort_unstable();
    plan_ids.dedup();
    let mut plans = HashMap::new();
    for chunk in plan_ids.chunks(IN_LIST_CHUNK) {
        let rows = plan::Entity::find()
            .filter(plan::Column::Id.is_in(chunk.iter().copied()))
            .filter(plan::Column::OrganizationId.eq(organization_id.0))
            .all(connection)
            .await?;
        for loaded in load_plans(connection, organization_id, rows).await? {
            plans.insert(loaded.id.0, loaded);
        }
    }
    Ok(plans)
}

async fn plan_codes(
    connection: &impl ConnectionTrait,
    plan_ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, StoreError> {
    let mut codes = HashMap::new();
    for chunk in plan_ids.chunks(IN_LIST_CHUNK) {
        let rows: Vec<(Uuid, String)> = plan::Entity::find()
            .select_only()
            .column(plan::Column::Id)
            .column(plan::Column::Code)
            .filter(plan::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(connection)
            .await?;
        codes.extend(rows);
    }
    Ok(codes)
}
