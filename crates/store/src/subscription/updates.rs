//! `PUT /subscriptions/{external_id}` (Lago's `Subscriptions::UpdateService`) and `DELETE`
//! (`Subscriptions::TerminateService`): each one transaction on the subscriptions of the external
//! id, in their effective state, that records its events.

use entitlements_domain::{
    Error, OnTerminationCreditNote, OrganizationId, Resource, Subscription, SubscriptionStatus,
    SubscriptionUpdateInput, TerminationInput, purchase_order_number, starts_on_or_before_today,
};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::Store;
use crate::change_log::subscription_events::subscription_change;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::db::error::StoreError;
use crate::db::locks::lock_organization;
use crate::entity::subscription;
use crate::subscription::create::plan_row_by_id;
use crate::subscription_lifecycle::chain::{SubscriptionSet, parse_status};

/// Lago's code for a purchase order number change on a subscription that has ended.
const PURCHASE_ORDER_NUMBER_NOT_EDITABLE: &str = "purchase_order_number_not_editable";

impl Store {
    /// Updates the subscription Lago's update finds: the only one with this external id whatever
    /// its status, else the pending one when `status` is `pending`, else the active one.
    ///
    /// `input` is the request's body as read: its error, if any, is answered once the
    /// subscription is found.
    ///
    /// # Errors
    /// `NotFound(Subscription)`; the body's error; `NotAllowed(purchase_order_number_not_editable)`;
    /// then those of `SubscriptionUpdateInput::validate`.
    pub async fn update_subscription(
        &self,
        organization_id: OrganizationId,
        external_id: &str,
        status: Option<&str>,
        input: Result<SubscriptionUpdateInput, Error>,
    ) -> Result<Subscription, StoreError> {
        let now = self.now();
        let transaction = self.begin_write().await?;
        lock_organization(&transaction, organization_id).await?;
        let (mut subscriptions, mut changes) =
            effective_subscriptions(&transaction, organization_id, external_id, now).await?;
        let target = update_target(&subscriptions, status)?.ok_or(Error::NotFound(Resource::Subscription))?;
        let input = input?;
        let row = subscriptions.row(target).cloned().ok_or_else(lost)?;
        let row_status = parse_status(&row)?;
        if let Some(given) = &input.purchase_order_number {
            let normalized = given.as_deref().and_then(purchase_order_number);
            let editable = matches!(row_status, SubscriptionStatus::Pending | SubscriptionStatus::Active);
            if normalized != row.purchase_order_number && !editable {
                return Err(Error::NotAllowed(PURCHASE_ORDER_NUMBER_NOT_EDITABLE).into());
            }
        }
        let update = input.validate(row.subscription_at, now)?;
        let pay_in_advance = plan_row_by_id(&transaction, row.plan_id).await?.pay_in_advance;
        let starting_in_the_future =
            row_status == SubscriptionStatus::Pending && row.previous_subscription_id.is_none();
        let timezone = subscriptions.timezone(row.customer_id);
        let updated = subscriptions.row_mut(target).ok_or_else(lost)?;
        if let Some(name) = update.name {
            updated.name = name;
        }
        if let Some(ending_at) = update.ending_at {
            updated.ending_at = ending_at;
        }
        if let Some(number) = update.purchase_order_number {
            updated.purchase_order_number = number;
        }
        if let Some(disabled) = update.progressive_billing_disabled {
            updated.progressive_billing_disabled = disabled;
        }
        if let Some(consolidate) = update.consolidate_invoice {
            updated.consolidate_invoice = consolidate;
        }
        // Lago keeps a credit note choice only for pay-in-advance plans.
        if let Some(credit_note) = update.on_termination_credit_note.filter(|_| pay_in_advance) {
            updated.on_termination_credit_note = credit_note.map(|choice| choice.as_str().to_owned());
        }
        if let Some(invoice) = update.on_termination_invoice {
            updated.on_termination_invoice = invoice.as_str().to_owned();
        }
        // The start date moves only before the start; one that has come starts it now.
        if let Some(subscription_at) = update.subscription_at.filter(|_| starting_in_the_future) {
            updated.subscription_at = subscription_at;
            if starts_on_or_before_today(subscription_at, now, timezone) {
                updated.status = SubscriptionStatus::Active.as_str().to_owned();
                updated.started_at = Some(subscription_at);
                changes.push(subscription_change(ChangeEventType::SubscriptionStarted, target, external_id));
            }
        }
        changes.push(subscription_change(ChangeEventType::SubscriptionUpdated, target, external_id));
        // A new `ending_at` may already have passed (its date is checked, not its instant).
        let later = subscriptions.advance(now)?;
        changes.extend(subscriptions.transition_changes(&later));
        subscriptions.save(&transaction, now).await?;
        let row = subscriptions.row(target).cloned().ok_or_else(lost)?;
        let subscription = self.render_one(&transaction, organization_id, row, now, false).await?;
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(subscription)
    }

    /// Terminates the active subscription with this external id (canceling the downgrade it has
    /// scheduled), or cancels the pending one when `status` is `pending`.
    ///
    /// # Errors
    /// `NotFound(Subscription)`; `Validation` with `on_termination_credit_note` /
    /// `on_termination_invoice: invalid_value` (when terminating).
    pub async fn terminate_subscription(
        &self,
        organization_id: OrganizationId,
        external_id: &str,
        status: Option<&str>,
        input: TerminationInput,
    ) -> Result<Subscription, StoreError> {
        let now = self.now();
        let wanted = if status == Some(SubscriptionStatus::Pending.as_str()) {
            SubscriptionStatus::Pending
        } else {
            SubscriptionStatus::Active
        };
        let transaction = self.begin_write().await?;
        lock_organization(&transaction, organization_id).await?;
        let (mut subscriptions, mut changes) =
            effective_subscriptions(&transaction, organization_id, external_id, now).await?;
        let row = subscriptions.find(wanted).cloned().ok_or(Error::NotFound(Resource::Subscription))?;
        let target = row.id;
        if wanted == SubscriptionStatus::Active {
            let choices = input.validate()?;
            let pay_in_advance = plan_row_by_id(&transaction, row.plan_id).await?.pay_in_advance;
            let terminated = subscriptions.row_mut(target).ok_or_else(lost)?;
            terminated.on_termination_credit_note = pay_in_advance.then(|| {
                let stored =
                    terminated.on_termination_credit_note.as_deref().and_then(OnTerminationCreditNote::parse);
                choices
                    .on_termination_credit_note
                    .or(stored)
                    .unwrap_or(OnTerminationCreditNote::Credit)
                    .as_str()
                    .to_owned()
            });
            if let Some(invoice) = choices.on_termination_invoice {
                terminated.on_termination_invoice = invoice.as_str().to_owned();
            }
        } else if let Some(previous_id) = row.previous_subscription_id {
            // Canceling a scheduled downgrade changes the subscription it was to replace.
            changes.push(subscription_change(ChangeEventType::SubscriptionUpdated, previous_id, external_id));
        }
        let ended = subscriptions.end_on_request(target, now)?;
        changes.extend(subscriptions.transition_changes(&ended));
        subscriptions.save(&transaction, now).await?;
        let row = subscriptions.row(target).cloned().ok_or_else(lost)?;
        let subscription = self.render_one(&transaction, organization_id, row, now, false).await?;
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(subscription)
    }
}

/// The subscriptions of the external id, locked, with the transitions due now applied (and
/// their events).
async fn effective_subscriptions(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    external_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(SubscriptionSet, Vec<PendingChange>), StoreError> {
    let mut subscriptions =
        SubscriptionSet::load(connection, organization_id, &[external_id.to_owned()], true).await?;
    let caught_up = subscriptions.advance(now)?;
    let changes = subscriptions.transition_changes(&caught_up);
    Ok((subscriptions, changes))
}

/// Lago's lookup of an update: by subscription date (newest first), the only subscription of
/// the external id whatever its status, else the first with the status asked (`pending`, or
/// `active` for any other value).
fn update_target(subscriptions: &SubscriptionSet, status: Option<&str>) -> Result<Option<Uuid>, StoreError> {
    let mut rows: Vec<&subscription::Model> = subscriptions.rows().iter().collect();
    rows.sort_by_key(|row| std::cmp::Reverse(row.subscription_at));
    if let [only] = rows.as_slice() {
        return Ok(Some(only.id));
    }
    let wanted = match status {
        Some("pending") => SubscriptionStatus::Pending,
        // No subscription is ever incomplete here.
        Some("incomplete") => return Ok(None),
        _ => SubscriptionStatus::Active,
    };
    for row in rows {
        if parse_status(row)? == wanted {
            return Ok(Some(row.id));
        }
    }
    Ok(None)
}

fn lost() -> Error {
    Error::Internal("updated subscription lost".to_owned())
}
