//! Customers: upserts by external id (Lago's `POST /customers`), reads in a fixed number of
//! indexed queries, soft deletion that frees the external id. Every write is one transaction
//! with its change event; customer writes take the organization's writer lock first (see
//! `lock_organization`).
//!
//! Also, for writes of other objects that need a customer (subscriptions), the crate-internal
//! `find_or_create_customer` and `set_customer_currency_if_blank`, which run inside the caller's
//! transaction and leave the change events to the caller.

pub(crate) mod list_query;
pub(crate) mod rows;
pub(crate) mod writes;

use chrono::{DateTime, Utc};
use entitlements_domain::{
    Customer, CustomerAttributes, CustomerFilters, CustomerId, CustomerInput, Error, OrganizationId, Page,
    PageRequest, Resource, reconcile_metadata,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::Store;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::customer::list_query::list_condition;
use crate::customer::rows::{find_customer_row, load_customer, load_customers, set_attributes};
use crate::customer::writes::{insert_customer, replace_customer_taxes, resolve_taxes, write_metadata};
use crate::db::error::StoreError;
use crate::db::locks::lock_organization;
use crate::db::page_window;
use crate::db::soft_delete::soft_delete;
use crate::entity::customer;
use crate::subscription_lifecycle::cascades::{
    SubscriptionOwner, end_subscriptions_of, retime_customer_subscriptions,
};

impl Store {
    /// Creates the customer with the input's external id, or updates the one that exists (not
    /// deleted): only the fields present in the input change.
    ///
    /// # Errors
    /// In Lago's order: `NotFound(BillingEntity)`; `Validation` (`metadata: invalid_count`,
    /// `finalize_zero_amount_invoice: invalid_value`, then the model's violations, see
    /// `CustomerInput::apply`); `NotFound(Tax)`; `Validation` for the first invalid metadata item.
    pub async fn upsert_customer(
        &self,
        organization_id: OrganizationId,
        input: CustomerInput,
    ) -> Result<Customer, StoreError> {
        input.check_before_upsert()?;
        let transaction = self.begin_write().await?;
        let organization_name = lock_organization(&transaction, organization_id).await?;
        let external_id = input.external_id.clone().unwrap_or_default();
        let existing = match find_customer_row(&transaction, organization_id, &external_id, true).await? {
            Some(row) => Some(load_customer(&transaction, organization_id, row).await?),
            None => None,
        };
        let attributes = input.apply(existing.as_ref().map(|customer| &customer.attributes))?;
        let taxes = match &input.tax_codes {
            Some(codes) => Some(resolve_taxes(&transaction, organization_id, codes).await?),
            None => None,
        };
        let metadata = match &input.metadata {
            Some(items) => {
                let stored = existing.as_ref().map_or(&[][..], |customer| customer.metadata.as_slice());
                Some(reconcile_metadata(stored, items)?)
            }
            None => None,
        };
        let now = self.now();
        let (row, event_type) = match &existing {
            Some(current) => {
                let mut row = customer::ActiveModel {
                    id: Set(current.id.0),
                    updated_at: Set(now),
                    ..Default::default()
                };
                set_attributes(&mut row, &attributes);
                let row = customer::Entity::update(row).exec(&transaction).await?;
                (row, ChangeEventType::CustomerUpdated)
            }
            None => {
                let row = insert_customer(
                    &transaction,
                    organization_id,
                    &organization_name,
                    &external_id,
                    &attributes,
                    now,
                )
                .await?;
                (row, ChangeEventType::CustomerCreated)
            }
        };
        if let Some(taxes) = taxes {
            replace_customer_taxes(&transaction, organization_id, row.id, &taxes, now).await?;
        }
        if let Some(metadata) = metadata {
            write_metadata(&transaction, organization_id, row.id, metadata, now).await?;
        }
        let customer = load_customer(&transaction, organization_id, row).await?;
        let mut changes = vec![customer_change(event_type, &customer)];
        let timezone_changed = existing.as_ref().is_some_and(|current| {
            current.attributes.applicable_timezone() != customer.attributes.applicable_timezone()
        });
        if timezone_changed {
            // Its subscriptions' start dates are read in the new timezone.
            changes.extend(
                retime_customer_subscriptions(&transaction, organization_id, customer.id.0, now).await?,
            );
        }
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(customer)
    }

    /// The customer (not deleted) with exactly this external id.
    ///
    /// # Errors
    /// `NotFound(Customer)`.
    pub async fn customer(
        &self,
        organization_id: OrganizationId,
        external_id: &str,
    ) -> Result<Customer, StoreError> {
        let row = find_customer_row(self.connection(), organization_id, external_id, false)
            .await?
            .ok_or(Error::not_found(Resource::Customer, external_id))?;
        load_customer(self.connection(), organization_id, row).await
    }

    /// A page of the organization's customers that pass `filters`, newest first.
    ///
    /// # Errors
    /// `BadRequest` when a list filter is too long for one query; `Unavailable` or `Internal`
    /// when the database fails.
    pub async fn list_customers(
        &self,
        organization_id: OrganizationId,
        filters: &CustomerFilters,
        page_request: PageRequest,
    ) -> Result<Page<Customer>, StoreError> {
        let query = customer::Entity::find().filter(list_condition(organization_id, filters)?);
        let total_count = query.clone().count(self.connection()).await?;
        let (offset, limit) = page_window(page_request);
        let rows = query
            .order_by_desc(customer::Column::CreatedAt)
            .order_by_asc(customer::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(self.connection())
            .await?;
        Ok(Page { items: load_customers(self.connection(), organization_id, rows).await?, total_count })
    }

    /// Soft-deletes the customer, freeing its external id, and terminates its active
    /// subscriptions and cancels its pending ones; returns it as it was.
    ///
    /// # Errors
    /// `NotFound(Customer)`.
    pub async fn delete_customer(
        &self,
        organization_id: OrganizationId,
        external_id: &str,
    ) -> Result<Customer, StoreError> {
        let transaction = self.begin_write().await?;
        lock_organization(&transaction, organization_id).await?;
        let row = find_customer_row(&transaction, organization_id, external_id, true)
            .await?
            .ok_or(Error::not_found(Resource::Customer, external_id))?;
        let deleted = load_customer(&transaction, organization_id, row).await?;
        let now = self.now();
        // Lago terminates them in a job; here in the same transaction.
        let mut changes = end_subscriptions_of(
            &transaction,
            organization_id,
            SubscriptionOwner::Customer(deleted.id.0),
            now,
        )
        .await?;
        changes.push(customer_change(ChangeEventType::CustomerDeleted, &deleted));
        soft_delete::<customer::Entity>(&transaction, deleted.id.0, now).await?;
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(deleted)
    }
}

/// Lago's `find_or_initialize_by(external_id:)` on the organization's customers that are not
/// deleted, inside the caller's write transaction: the customer with this external id, or a new
/// one of the default billing entity with no other attribute. `true` when it was created; the
/// caller records `customer.created` (see `customer_change`).
///
/// # Errors
/// `Unavailable` or `Internal` when the database fails.
pub(crate) async fn find_or_create_customer(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    external_id: &str,
    now: DateTime<Utc>,
) -> Result<(Customer, bool), StoreError> {
    let organization_name = lock_organization(connection, organization_id).await?;
    if let Some(row) = find_customer_row(connection, organization_id, external_id, true).await? {
        return Ok((load_customer(connection, organization_id, row).await?, false));
    }
    let attributes = CustomerAttributes::default();
    let row = insert_customer(connection, organization_id, &organization_name, external_id, &attributes, now)
        .await?;
    Ok((load_customer(connection, organization_id, row).await?, true))
}

/// Sets the customer's currency when it has none (null or empty), as Lago's
/// `Customers::UpdateCurrencyService` does for a subscription's plan currency. `true` when it
/// changed; the caller records `customer.updated`.
///
/// # Errors
/// `Unavailable` or `Internal` when the database fails.
pub(crate) async fn set_customer_currency_if_blank(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    customer_id: CustomerId,
    currency: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let updated = customer::Entity::update_many()
        .col_expr(customer::Column::Currency, Expr::value(currency))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now))
        .filter(customer::Column::Id.eq(customer_id.0))
        .filter(customer::Column::OrganizationId.eq(organization_id.0))
        .filter(
            Condition::any()
                .add(customer::Column::Currency.is_null())
                .add(Expr::col(customer::Column::Currency).eq("")),
        )
        .exec(connection)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// The change event of a customer write, naming the customer by its external id.
pub(crate) fn customer_change(event_type: ChangeEventType, customer: &Customer) -> PendingChange {
    PendingChange { event_type, object_id: customer.id.0, object_code: customer.external_id.clone() }
}
