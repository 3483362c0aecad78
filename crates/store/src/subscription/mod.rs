//! Subscription reads: one by external id and status (Lago's `GET /subscriptions/{external_id}`)
//! and the filtered list. Both answer effective statuses: transitions due are computed with the
//! domain's `advance`, written down first when due (see `subscription_transitions`), so that the
//! answer and the change log agree.

pub(crate) mod create;
pub(crate) mod entitlements;
pub(crate) mod lookup;
pub(crate) mod rows;
pub(crate) mod updates;

use chrono::{DateTime, Utc};
use entitlements_domain::{
    Error, OrganizationId, Page, PageRequest, Resource, Subscription, SubscriptionFilters,
    SubscriptionSelector,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::Store;
use crate::db::error::StoreError;
use crate::db::page_window;
use crate::entity::customer;
use crate::entity::plan;
use crate::entity::subscription;
use crate::subscription::rows::load_subscriptions;
use crate::subscription_lifecycle::chain::SubscriptionSet;

impl Store {
    /// The subscription the selector finds (the domain's `find_by_status`), with its
    /// entitlements.
    ///
    /// # Errors
    /// `NotFound(Subscription)` when none matches.
    pub async fn subscription(
        &self,
        organization_id: OrganizationId,
        subscription: &SubscriptionSelector,
    ) -> Result<Subscription, StoreError> {
        let now = self.now();
        let row = self
            .effective_subscription_row(organization_id, subscription, now)
            .await?
            .ok_or(Error::not_found(Resource::Subscription, subscription.external_id.as_str()))?;
        self.render_one(self.connection(), organization_id, row, now, true).await
    }

    /// A page of the organization's subscriptions passing `filters`, by subscription date (newest
    /// first), then creation (newest first), then id.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn list_subscriptions(
        &self,
        organization_id: OrganizationId,
        filters: &SubscriptionFilters,
        page_request: PageRequest,
    ) -> Result<Page<Subscription>, StoreError> {
        let now = self.now();
        self.catch_up_subscriptions(organization_id, None, now).await?;
        let query = subscription::Entity::find().filter(list_condition(organization_id, filters));
        let total_count = query.clone().count(self.connection()).await?;
        let (offset, limit) = page_window(page_request);
        let rows = query
            .order_by_desc(subscription::Column::SubscriptionAt)
            .order_by_desc(subscription::Column::CreatedAt)
            .order_by_asc(subscription::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(self.connection())
            .await?;
        let items = load_subscriptions(self.connection(), organization_id, rows, now, false).await?;
        Ok(Page { items, total_count })
    }

    /// The subscription the selector finds (in Lago's lookup order) in its
    /// effective state at `now`. When that state has transitions the stored rows lack, they are
    /// written (and logged) first, and the subscriptions read again.
    pub(crate) async fn effective_subscription_row(
        &self,
        organization_id: OrganizationId,
        subscription: &SubscriptionSelector,
        now: DateTime<Utc>,
    ) -> Result<Option<subscription::Model>, StoreError> {
        let external_ids = [subscription.external_id.clone()];
        let mut subscriptions =
            SubscriptionSet::load(self.connection(), organization_id, &external_ids, false).await?;
        if !subscriptions.clone().advance(now).is_empty() {
            self.catch_up_external_ids(organization_id, &external_ids, now).await?;
            subscriptions =
                SubscriptionSet::load(self.connection(), organization_id, &external_ids, false).await?;
        }
        // Applied again in case the catching up lost a race to a later request: still pure.
        subscriptions.advance(now);
        Ok(subscriptions.find(subscription.status).cloned())
    }

    /// One subscription as the API shows it.
    pub(crate) async fn render_one(
        &self,
        connection: &impl ConnectionTrait,
        organization_id: OrganizationId,
        row: subscription::Model,
        now: DateTime<Utc>,
        with_entitlements: bool,
    ) -> Result<Subscription, StoreError> {
        Ok(load_subscriptions(connection, organization_id, vec![row], now, with_entitlements)
            .await?
            .pop()
            .ok_or_else(|| Error::Internal("loaded subscription lost".to_owned()))?)
    }
}

/// The condition of a list: one subquery per filter on the customers' or plans' indexed columns
/// (deleted customers and plans included, as Lago joins them).
fn list_condition(organization_id: OrganizationId, filters: &SubscriptionFilters) -> Condition {
    let SubscriptionFilters {
        external_customer_id,
        plan_code,
        statuses,
        external_id,
        currency,
        overridden_only,
    } = filters;
    let mut condition = Condition::all().add(subscription::Column::OrganizationId.eq(organization_id.0));
    if let Some(external_customer_id) = external_customer_id {
        let customers = Query::select()
            .column(customer::Column::Id)
            .from(customer::Entity)
            .and_where(customer::Column::OrganizationId.eq(organization_id.0))
            .and_where(customer::Column::ExternalId.eq(external_customer_id.as_str()))
            .to_owned();
        condition = condition.add(subscription::Column::CustomerId.in_subquery(customers));
    }
    for (column, value) in [(plan::Column::Code, plan_code), (plan::Column::AmountCurrency, currency)] {
        if let Some(value) = value {
            let plans = Query::select()
                .column(plan::Column::Id)
                .from(plan::Entity)
                .and_where(plan::Column::OrganizationId.eq(organization_id.0))
                .and_where(column.eq(value.as_str()))
                .to_owned();
            condition = condition.add(subscription::Column::PlanId.in_subquery(plans));
        }
    }
    // An empty list (only statuses no subscription has) matches nothing.
    condition =
        condition.add(subscription::Column::Status.is_in(statuses.iter().map(|status| status.as_str())));
    if let Some(external_id) = external_id {
        condition = condition.add(subscription::Column::ExternalId.eq(external_id.as_str()));
    }
    if *overridden_only {
        // Only override plans would match, and plan overrides are refused: nothing does.
        condition = condition.add(Expr::cust("1 = 0"));
    }
    condition
}
