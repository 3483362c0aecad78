//! The writes of customer upserts, inside the caller's transaction (which holds the
//! organization's writer lock that serializes its customer writes): new rows with their
//! sequential id and slug, metadata changes and tax replacement.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entitlements_domain::{
    AccountType, CustomerAttributes, CustomerId, Error, MetadataChanges, OrganizationId, Resource, Tax,
    customer_slug,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::db::error::StoreError;
use crate::db::error::already_exists_or_db_error;
use crate::entity::applied_tax;
use crate::entity::customer;
use crate::entity::customer_metadata;
use crate::tax::taxes_by_codes;

/// Inserts a customer of the default billing entity with the next sequential id of the
/// organization (deleted customers included) and Lago's slug. The caller holds the
/// organization's writer lock (`lock_organization`).
pub(crate) async fn insert_customer(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    organization_name: &str,
    external_id: &str,
    attributes: &CustomerAttributes,
    now: DateTime<Utc>,
) -> Result<customer::Model, StoreError> {
    let last_sequential_id: Option<i64> = customer::Entity::find()
        .select_only()
        .column_as(customer::Column::SequentialId.max(), "last")
        .filter(customer::Column::OrganizationId.eq(organization_id.0))
        .into_tuple()
        .one(connection)
        .await?
        .flatten();
    let sequential_id = last_sequential_id.unwrap_or(0) + 1;
    let mut row = customer::ActiveModel {
        id: Set(CustomerId::generate().0),
        organization_id: Set(organization_id.0),
        external_id: Set(external_id.to_owned()),
        account_type: Set(AccountType::Customer.as_str().to_owned()),
        sequential_id: Set(sequential_id),
        slug: Set(customer_slug(organization_name, organization_id, sequential_id)),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    crate::customer::rows::set_attributes(&mut row, attributes);
    customer::Entity::insert(row)
        .exec_with_returning(connection)
        .await
        .map_err(|error| already_exists_or_db_error(&error, "external_id"))
}

/// The taxes of `codes`, each once, in the given order.
///
/// # Errors
/// `NotFound(Tax)` when a code names no tax of the organization (deleted ones excluded).
pub(crate) async fn resolve_taxes(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    codes: &[String],
) -> Result<Vec<Tax>, StoreError> {
    let found = taxes_by_codes(connection, organization_id, codes).await?;
    let mut seen = HashSet::new();
    codes
        .iter()
        .filter(|code| seen.insert(code.as_str()))
        .map(|code| {
            found
                .iter()
                .find(|tax| tax.code == *code)
                .cloned()
                .ok_or_else(|| Error::not_found(Resource::Tax, code.as_str()).into())
        })
        .collect()
}

/// Replaces the customer's taxes with `taxes`, in this order.
pub(crate) async fn replace_customer_taxes(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    customer_id: Uuid,
    taxes: &[Tax],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    applied_tax::Entity::delete_many()
        .filter(applied_tax::Column::OwnerId.eq(customer_id))
        .exec(connection)
        .await?;
    if taxes.is_empty() {
        return Ok(());
    }
    // Time-ordered ids keep the given order among rows created in the same microsecond.
    let rows = taxes.iter().map(|tax| applied_tax::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id.0),
        owner_id: Set(customer_id),
        tax_id: Set(tax.id.0),
        created_at: Set(now),
    });
    applied_tax::Entity::insert_many(rows).exec(connection).await?;
    Ok(())
}

/// Writes reconciled metadata in three statements: deletions first (so that their keys are
/// free), then updates in the order they were checked (so that the unique key index, checked row
/// by row, sees the keys as `reconcile_metadata` did), then creations.
pub(crate) async fn write_metadata(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    customer_id: Uuid,
    changes: MetadataChanges,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let MetadataChanges { updated, created, deleted } = changes;
    if !deleted.is_empty() {
        customer_metadata::Entity::delete_many()
            .filter(customer_metadata::Column::Id.is_in(deleted))
            .exec(connection)
            .await?;
    }
    let row = |id: Uuid, key: String, value: String, display_in_invoice: bool, created_at: DateTime<Utc>| {
        customer_metadata::ActiveModel {
            id: Set(id),
            organization_id: Set(organization_id.0),
            customer_id: Set(customer_id),
            key: Set(key),
            value: Set(value),
            display_in_invoice: Set(display_in_invoice),
            created_at: Set(created_at),
            updated_at: Set(now),
        }
    };
    if !updated.is_empty() {
        let rows = updated
            .into_iter()
            .map(|item| row(item.id, item.key, item.value, item.display_in_invoice, item.created_at));
        customer_metadata::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(customer_metadata::Column::Id)
                    .update_columns([
                        customer_metadata::Column::Key,
                        customer_metadata::Column::Value,
                        customer_metadata::Column::DisplayInInvoice,
                        customer_metadata::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(connection)
            .await?;
    }
    if !created.is_empty() {
        let rows = created
            .into_iter()
            .map(|item| row(Uuid::now_v7(), item.key, item.value, item.display_in_invoice, now));
        customer_metadata::Entity::insert_many(rows).exec(connection).await?;
    }
    Ok(())
}
