//! `POST /subscriptions` (Lago's `Subscriptions::CreateService`): one transaction that finds or
//! creates the customer, sets its currency from the plan when it has none, and then creates a
//! subscription, returns the one already on this plan, upgrades (a new active subscription
//! replaces the current one at once) or downgrades (a pending subscription replaces it at the
//! next period boundary). A failure leaves nothing behind, the customer included.

use chrono::{DateTime, Utc};
use entitlements_domain::{
    BillingTime, Customer, Error, ErrorCode, OrganizationId, PeriodSchedule, Subscription,
    SubscriptionCreateInput, SubscriptionId, SubscriptionRequest, Transition, ValidationErrors,
    is_taken_by_another_customer, is_upgrade, starts_on_or_before_today,
};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::change_log::subscription_events::subscription_change;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::customer::{customer_change, find_or_create_customer, set_customer_currency_if_blank};
use crate::db::error::StoreError;
use crate::db::locks::lock_organization;
use crate::entity::plan;
use crate::entity::subscription;
use crate::plan::find_plan_row;
use crate::subscription_lifecycle::chain::SubscriptionSet;
use crate::{Store, WriteMode};

impl Store {
    /// Creates, upgrades or downgrades the customer's subscription with the request's external
    /// id; answers the new subscription, the existing one when the plan is the same, or the
    /// current one (with its scheduled downgrade) on a downgrade.
    ///
    /// # Errors
    /// In Lago's order: `NotFound(BillingEntity)`; `NotFound(Plan)`; `Validation` with
    /// `subscription_at` / `ending_at: invalid_date`; `Validation` with
    /// `external_customer_id: value_is_mandatory`; then `external_id:
    /// value_already_exist` when another customer's subscription has the external id (active, or
    /// starting in the future); then, for a new subscription, `billing_time: value_is_invalid`,
    /// or `external_id` / `billing_time: value_is_mandatory`.
    pub async fn create_subscription(
        &self,
        organization_id: OrganizationId,
        input: SubscriptionCreateInput,
        mode: WriteMode,
    ) -> Result<Subscription, StoreError> {
        input.check_billing_entity()?;
        let now = self.now();
        let transaction = self.begin_write().await?;
        // The writer lock: the external id may have no row to lock yet (see `lock_organization`).
        lock_organization(&transaction, organization_id).await?;
        let plan_code = input.plan_code.clone().unwrap_or_default();
        let plan = find_plan_row(&transaction, organization_id, &plan_code, false).await?;
        let request = input.validate(now)?;
        let (customer, customer_created) =
            find_or_create_customer(&transaction, organization_id, &request.external_customer_id, now)
                .await?;
        let mut changes = Vec::new();
        if customer_created {
            changes.push(customer_change(ChangeEventType::CustomerCreated, &customer));
        }
        let currency_set = set_customer_currency_if_blank(
            &transaction,
            organization_id,
            customer.id,
            &plan.amount_currency,
            now,
        )
        .await?;
        if currency_set && !customer_created {
            changes.push(customer_change(ChangeEventType::CustomerUpdated, &customer));
        }
        let external_ids = [request.external_id.clone()];
        let mut subscriptions =
            SubscriptionSet::load(&transaction, organization_id, &external_ids, true).await?;
        let caught_up = subscriptions.advance(now);
        changes.extend(subscriptions.transition_changes(&caught_up));
        let creation = Creation { organization_id, customer: &customer, plan: &plan, request: &request, now };
        let answered = match subscriptions.editable(customer.id) {
            None => creation.create(&mut subscriptions, &mut changes)?,
            Some(current) if current.plan_id == plan.id => current.id,
            Some(current) => {
                let current = current.clone();
                let current_plan = plan_row_by_id(&transaction, current.plan_id).await?;
                let upgrade = is_upgrade(
                    plan.interval.into(),
                    plan.amount_cents,
                    current_plan.interval.into(),
                    current_plan.amount_cents,
                );
                if upgrade {
                    creation.upgrade(&mut subscriptions, &current, &mut changes)?
                } else {
                    creation.downgrade(&mut subscriptions, &current, &current_plan, &mut changes)?
                }
            }
        };
        let later = subscriptions.advance(now);
        changes.extend(subscriptions.transition_changes(&later));
        subscriptions.save(&transaction, now).await?;
        let row = subscriptions
            .row(answered)
            .cloned()
            .ok_or_else(|| Error::Internal("answered subscription lost".to_owned()))?;
        let subscription = self.render_one(&transaction, organization_id, row, now, true).await?;
        self.end_write(transaction, organization_id, changes, mode).await?;
        Ok(subscription)
    }
}

/// A plan by id, deleted or not (a subscription may outlive its plan's deletion in a race).
pub(crate) async fn plan_row_by_id(
    connection: &impl ConnectionTrait,
    plan_id: Uuid,
) -> Result<plan::Model, StoreError> {
    Ok(plan::Entity::find_by_id(plan_id)
        .one(connection)
        .await?
        .ok_or_else(|| Error::Internal(format!("plan {plan_id} vanished")))?)
}

/// One creation request.
struct Creation<'request> {
    organization_id: OrganizationId,
    customer: &'request Customer,
    plan: &'request plan::Model,
    request: &'request SubscriptionRequest,
    now: DateTime<Utc>,
}

impl Creation<'_> {
    /// No current subscription: a new one, active if it starts today or earlier in the
    /// customer's timezone, pending otherwise.
    fn create(
        &self,
        subscriptions: &mut SubscriptionSet,
        changes: &mut Vec<PendingChange>,
    ) -> Result<Uuid, StoreError> {
        if is_taken_by_another_customer(&subscriptions.lifecycles(), self.customer.id) {
            return Err(ValidationErrors::single("external_id", ErrorCode::ValueAlreadyExist).into());
        }
        let billing_time = self.request.new_subscription_billing_time()?;
        let timezone = self.customer.attributes.applicable_tz();
        let subscription_at = self.request.subscription_at;
        let mut row = self.new_row(subscription_at, billing_time);
        if starts_on_or_before_today(subscription_at, self.now, timezone) {
            row.status = subscription::Status::Active;
            row.started_at = Some(self.started_at(subscriptions, subscription_at, timezone));
        }
        row.ending_at = self.request.ending_at;
        row.progressive_billing_disabled = self.request.progressive_billing_disabled;
        row.consolidate_invoice = self.request.consolidate_invoice.unwrap_or(true);
        row.purchase_order_number = self.request.purchase_order_number.clone();
        Ok(self.push(subscriptions, row, changes))
    }

    /// Lago's `started_at` of a new active subscription: its `subscription_at`, except that a
    /// backdated one does not start before the termination of an earlier subscription of the
    /// customer with this external id that was billed to its end.
    fn started_at(
        &self,
        subscriptions: &SubscriptionSet,
        subscription_at: DateTime<Utc>,
        timezone: entitlements_domain::Tz,
    ) -> DateTime<Utc> {
        let today = self.now.with_timezone(&timezone).date_naive();
        if subscription_at.with_timezone(&timezone).date_naive() >= today {
            return subscription_at;
        }
        subscriptions
            .rows()
            .iter()
            .filter(|row| {
                row.customer_id == self.customer.id.0
                    && row.status == subscription::Status::Terminated
                    && row.on_termination_invoice == subscription::Invoice::Generate
            })
            .filter_map(|row| row.terminated_at)
            .max()
            .map_or(subscription_at, |terminated_at| terminated_at.max(subscription_at))
    }

    /// An upgrade: the current subscription changes plan if it has not started, else a new
    /// active subscription replaces it now (and a scheduled downgrade is canceled).
    fn upgrade(
        &self,
        subscriptions: &mut SubscriptionSet,
        current: &subscription::Model,
        changes: &mut Vec<PendingChange>,
    ) -> Result<Uuid, StoreError> {
        if current.status == subscription::Status::Pending {
            return self.change_pending_plan(subscriptions, current.id, changes);
        }
        let ended = subscriptions.end_on_request(current.id, self.now);
        changes.extend(subscriptions.transition_changes(&ended));
        let mut row = self.successor(current)?;
        row.status = subscription::Status::Active;
        row.started_at = Some(self.now);
        Ok(self.push(subscriptions, row, changes))
    }

    /// A downgrade: the current subscription changes plan if it has not started, else a pending
    /// subscription is scheduled to replace it at its next period boundary (replacing a
    /// downgrade already scheduled). Answers the current subscription.
    fn downgrade(
        &self,
        subscriptions: &mut SubscriptionSet,
        current: &subscription::Model,
        current_plan: &plan::Model,
        changes: &mut Vec<PendingChange>,
    ) -> Result<Uuid, StoreError> {
        if current.status == subscription::Status::Pending {
            return self.change_pending_plan(subscriptions, current.id, changes);
        }
        let scheduled: Vec<Uuid> = subscriptions
            .rows()
            .iter()
            .filter(|row| {
                row.previous_subscription_id == Some(current.id)
                    && row.status == subscription::Status::Pending
            })
            .map(|row| row.id)
            .collect();
        for scheduled_id in scheduled {
            let canceled: Vec<Transition> = subscriptions.end_on_request(scheduled_id, self.now);
            changes.extend(subscriptions.transition_changes(&canceled));
        }
        let schedule = PeriodSchedule {
            interval: current_plan.interval.into(),
            bill_charges_monthly: current_plan.bill_charges_monthly.unwrap_or(false),
            billing_time: BillingTime::from(current.billing_time),
            subscription_at: current.subscription_at,
            started_at: current.started_at.unwrap_or(current.subscription_at),
            terminated_at: None,
            timezone: subscriptions.timezone(current.customer_id),
        };
        let mut row = self.successor(current)?;
        row.downgrade_at = Some(schedule.next_period_start(self.now));
        row.progressive_billing_disabled = self.request.progressive_billing_disabled;
        self.push(subscriptions, row, changes);
        changes.push(subscription_change(
            ChangeEventType::SubscriptionUpdated,
            current.id,
            &current.external_id,
        ));
        Ok(current.id)
    }

    /// The current subscription has not started: it simply moves to the new plan (and takes the
    /// new name, if one is given).
    fn change_pending_plan(
        &self,
        subscriptions: &mut SubscriptionSet,
        current_id: Uuid,
        changes: &mut Vec<PendingChange>,
    ) -> Result<Uuid, StoreError> {
        let row = subscriptions
            .row_mut(current_id)
            .ok_or_else(|| Error::Internal("current subscription lost".to_owned()))?;
        row.plan_id = self.plan.id;
        if !self.request.name.is_empty() {
            row.name = Some(self.request.name.clone());
        }
        changes.push(subscription_change(ChangeEventType::SubscriptionUpdated, row.id, &row.external_id));
        Ok(current_id)
    }

    /// A subscription replacing `current` (upgrade or downgrade): it keeps the subscription
    /// date, billing time, `ending_at` (unless given) and invoice consolidation (unless given).
    fn successor(&self, current: &subscription::Model) -> Result<subscription::Model, StoreError> {
        let mut row = self.new_row(current.subscription_at, BillingTime::from(current.billing_time));
        row.previous_subscription_id = Some(current.id);
        row.ending_at = if self.request.ending_at_given { self.request.ending_at } else { current.ending_at };
        row.consolidate_invoice = self.request.consolidate_invoice.unwrap_or(current.consolidate_invoice);
        Ok(row)
    }

    /// A pending subscription of the request's customer, plan, external id and name.
    fn new_row(&self, subscription_at: DateTime<Utc>, billing_time: BillingTime) -> subscription::Model {
        subscription::Model {
            id: SubscriptionId::generate().0,
            organization_id: self.organization_id.0,
            customer_id: self.customer.id.0,
            plan_id: self.plan.id,
            previous_subscription_id: None,
            external_id: self.request.external_id.clone(),
            name: Some(self.request.name.clone()),
            status: subscription::Status::Pending,
            billing_time: billing_time.into(),
            subscription_at,
            started_at: None,
            ending_at: None,
            terminated_at: None,
            canceled_at: None,
            downgrade_at: None,
            transition_due_at: None,
            trial_ended_at: None,
            termination_alert_ending_at: None,
            termination_alert_days: None,
            on_termination_credit_note: None,
            on_termination_invoice: subscription::Invoice::Generate,
            progressive_billing_disabled: false,
            consolidate_invoice: true,
            purchase_order_number: None,
            created_at: self.now,
            updated_at: self.now,
        }
    }

    /// Adds the new subscription with its events: `subscription.created`, and
    /// `subscription.started` when it is active from the start.
    fn push(
        &self,
        subscriptions: &mut SubscriptionSet,
        row: subscription::Model,
        changes: &mut Vec<PendingChange>,
    ) -> Uuid {
        let id = row.id;
        changes.push(subscription_change(ChangeEventType::SubscriptionCreated, id, &row.external_id));
        if row.status == subscription::Status::Active {
            changes.push(subscription_change(ChangeEventType::SubscriptionStarted, id, &row.external_id));
        }
        subscriptions.push(row, self.customer.attributes.applicable_tz());
        id
    }
}
