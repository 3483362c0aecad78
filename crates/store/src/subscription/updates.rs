//! `PUT /subscriptions/{external_id}` (Lago's `Subscriptions::UpdateService`) and `DELETE`
//! (`Subscriptions::TerminateService`): each one transaction on the subscriptions of the external
//! id, in their effective state, that records its events.

use chrono::{DateTime, Utc};
use entitlements_domain::{
    Error, OnTerminationCreditNote, OrganizationId, Resource, Subscription, SubscriptionSelector,
    SubscriptionUpdateInput, TerminationInput, starts_on_or_before_today,
};
use sea_orm::DatabaseTransaction;

use crate::change_log::subscription_events::subscription_change;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::db::error::StoreError;
use crate::db::locks::lock_organization;
use crate::entity::subscription;
use crate::subscription::create::plan_row_by_id;
use crate::subscription_lifecycle::chain::SubscriptionSet;
use crate::{Store, WriteMode};

impl Store {
    /// Whether an update with this selector finds a subscription (the domain's
    /// `update_target`), without changing anything: for answering a missing subscription before
    /// an unusable update body, as Lago does.
    ///
    /// # Errors
    /// `NotFound(Subscription)`.
    pub async fn find_subscription_to_update(
        &self,
        organization_id: OrganizationId,
        subscription: &SubscriptionSelector,
    ) -> Result<(), StoreError> {
        let mut subscriptions = SubscriptionSet::load(
            self.connection(),
            organization_id,
            std::slice::from_ref(&subscription.external_id),
            false,
        )
        .await?;
        subscriptions.advance(self.now());
        subscriptions
            .update_target(subscription.status)
            .ok_or(Error::not_found(Resource::Subscription, subscription.external_id.as_str()))?;
        Ok(())
    }

    /// Updates the subscription Lago's update finds (the domain's `update_target`).
    ///
    /// # Errors
    /// `NotFound(Subscription)`; `NotAllowed(purchase_order_number_not_editable)`; then those of
    /// `SubscriptionUpdateInput::validate`.
    pub async fn update_subscription(
        &self,
        organization_id: OrganizationId,
        subscription: &SubscriptionSelector,
        input: SubscriptionUpdateInput,
        mode: WriteMode,
    ) -> Result<Subscription, StoreError> {
        let now = self.now();
        let external_id = subscription.external_id.as_str();
        let (transaction, mut subscriptions, mut changes) =
            self.open_subscriptions(organization_id, external_id, now).await?;
        let row = subscriptions
            .update_target(subscription.status)
            .cloned()
            .ok_or(Error::not_found(Resource::Subscription, external_id))?;
        let target = row.id;
        let lifecycle = subscriptions.lifecycle(target).ok_or_else(lost)?;
        input.check_purchase_order_number(row.purchase_order_number.as_deref(), lifecycle.status)?;
        let update = input.validate(row.subscription_at, now)?;
        let pay_in_advance = plan_row_by_id(&transaction, row.plan_id).await?.pay_in_advance;
        let starting_in_the_future = lifecycle.is_starting_in_the_future();
        let timezone = lifecycle.timezone;
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
            updated.on_termination_credit_note = credit_note.map(Into::into);
        }
        if let Some(invoice) = update.on_termination_invoice {
            updated.on_termination_invoice = invoice.into();
        }
        // The start date moves only before the start; one that has come starts it now.
        if let Some(subscription_at) = update.subscription_at.filter(|_| starting_in_the_future) {
            updated.subscription_at = subscription_at;
            if starts_on_or_before_today(subscription_at, now, timezone) {
                updated.status = subscription::Status::Active;
                updated.started_at = Some(subscription_at);
                changes.push(subscription_change(ChangeEventType::SubscriptionStarted, target, external_id));
            }
        }
        changes.push(subscription_change(ChangeEventType::SubscriptionUpdated, target, external_id));
        // A new `ending_at` may already have passed (its date is checked, not its instant).
        let later = subscriptions.advance(now);
        changes.extend(subscriptions.transition_changes(&later));
        subscriptions.save(&transaction, now).await?;
        let row = subscriptions.row(target).cloned().ok_or_else(lost)?;
        let subscription = self.render_one(&transaction, organization_id, row, now, false).await?;
        self.end_write(transaction, organization_id, changes, mode).await?;
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
        subscription: &SubscriptionSelector,
        input: TerminationInput,
    ) -> Result<Subscription, StoreError> {
        let now = self.now();
        let external_id = subscription.external_id.as_str();
        let (transaction, mut subscriptions, mut changes) =
            self.open_subscriptions(organization_id, external_id, now).await?;
        let row = subscriptions
            .find(subscription.status)
            .cloned()
            .ok_or(Error::not_found(Resource::Subscription, external_id))?;
        let target = row.id;
        if row.status == subscription::Status::Active {
            let choices = input.validate()?;
            let pay_in_advance = plan_row_by_id(&transaction, row.plan_id).await?.pay_in_advance;
            let terminated = subscriptions.row_mut(target).ok_or_else(lost)?;
            terminated.on_termination_credit_note = pay_in_advance.then(|| {
                let stored = terminated.on_termination_credit_note.map(OnTerminationCreditNote::from);
                choices
                    .on_termination_credit_note
                    .or(stored)
                    .unwrap_or(OnTerminationCreditNote::Credit)
                    .into()
            });
            if let Some(invoice) = choices.on_termination_invoice {
                terminated.on_termination_invoice = invoice.into();
            }
        } else if let Some(previous_id) = row.previous_subscription_id {
            // Canceling a scheduled downgrade changes the subscription it was to replace.
            changes.push(subscription_change(ChangeEventType::SubscriptionUpdated, previous_id, external_id));
        }
        let ended = subscriptions.end_on_request(target, now);
        changes.extend(subscriptions.transition_changes(&ended));
        subscriptions.save(&transaction, now).await?;
        let row = subscriptions.row(target).cloned().ok_or_else(lost)?;
        let subscription = self.render_one(&transaction, organization_id, row, now, false).await?;
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(subscription)
    }
    /// Opens a write on the subscriptions of the external id: the organization's writer lock
    /// first (as subscription creation takes it), then the subscriptions, with the transitions due now
    /// applied and their events.
    async fn open_subscriptions(
        &self,
        organization_id: OrganizationId,
        external_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(DatabaseTransaction, SubscriptionSet, Vec<PendingChange>), StoreError> {
        let transaction = self.begin_write().await?;
        lock_organization(&transaction, organization_id).await?;
        let mut subscriptions =
            SubscriptionSet::load(&transaction, organization_id, &[external_id.to_owned()], true).await?;
        let caught_up = subscriptions.advance(now);
        let changes = subscriptions.transition_changes(&caught_up);
        Ok((transaction, subscriptions, changes))
    }
}

fn lost() -> Error {
    Error::Internal("updated subscription lost".to_owned())
}
