//! Taxes: reads in a fixed number of indexed queries, writes in one transaction each with their
//! change events. Deleted taxes are invisible everywhere, and their codes free for reuse (Lago
//! keeps a deleted tax's code taken; we treat it like every other code).

pub(crate) mod cascades;

use std::collections::HashMap;

use entitlements_domain::{
    Error, NewTax, OrganizationId, Page, PageRequest, Resource, Tax, TaxCreateInput, TaxId, TaxUpdateInput,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::Store;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::db::coded_rows::{code_is_taken, find_by_code};
use crate::db::error::StoreError;
use crate::db::error::already_exists_or_db_error;
use crate::db::soft_delete::soft_delete;
use crate::db::{in_chunks, page_window};
use crate::entity::applied_tax;
use crate::entity::tax;
use crate::tax::cascades::unapply_tax;

impl Store {
    /// Validates and creates a tax.
    ///
    /// # Errors
    /// `Validation` with Lago's fields and codes (`code: value_already_exist` when a tax that is
    /// not deleted has the code).
    pub async fn create_tax(
        &self,
        organization_id: OrganizationId,
        input: TaxCreateInput,
    ) -> Result<Tax, StoreError> {
        let transaction = self.begin_write().await?;
        let code_taken =
            code_is_taken(&transaction, find_by_code::<tax::Entity>(organization_id, &input.code), None)
                .await?;
        let new_tax = NewTax::parse(input, code_taken)?;
        let now = self.now();
        let created = Tax {
            id: TaxId::generate(),
            code: new_tax.code,
            name: new_tax.name,
            rate: new_tax.rate,
            description: new_tax.description,
            applied_to_organization: new_tax.applied_to_organization,
            created_at: now,
        };
        tax::Entity::insert(tax::ActiveModel {
            id: Set(created.id.0),
            organization_id: Set(organization_id.0),
            code: Set(created.code.clone()),
            name: Set(created.name.clone()),
            rate: Set(created.rate),
            description: Set(created.description.clone()),
            applied_to_organization: Set(created.applied_to_organization),
            deleted_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&transaction)
        .await
        .map_err(|error| already_exists_or_db_error(&error, "code"))?;
        self.commit_with_changes(
            transaction,
            organization_id,
            vec![tax_change(ChangeEventType::TaxCreated, &created)],
        )
        .await?;
        Ok(created)
    }

    /// The tax with exactly this code.
    ///
    /// # Errors
    /// `NotFound(Tax)` when no tax of the organization that is not deleted has it.
    pub async fn tax(&self, organization_id: OrganizationId, code: &str) -> Result<Tax, StoreError> {
        load_tax(self.connection(), organization_id, code, false).await
    }

    /// The organization's taxes (not deleted) with these codes, in no particular order; unknown
    /// codes are absent. One query per thousand codes, also usable inside a write transaction
    /// through `taxes_by_codes`.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn taxes_by_codes(
        &self,
        organization_id: OrganizationId,
        codes: &[String],
    ) -> Result<Vec<Tax>, StoreError> {
        taxes_by_codes(self.connection(), organization_id, codes).await
    }

    /// The organization's taxes (not deleted) with these ids, in no particular order; unknown ids
    /// are absent. One query per thousand ids.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn taxes_by_ids(
        &self,
        organization_id: OrganizationId,
        ids: &[TaxId],
    ) -> Result<Vec<Tax>, StoreError> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        taxes_by_ids(self.connection(), organization_id, &ids).await
    }

    /// A page of the organization's taxes, ordered by name (byte order, on both databases), then
    /// newest first.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn list_taxes(
        &self,
        organization_id: OrganizationId,
        page_request: PageRequest,
    ) -> Result<Page<Tax>, StoreError> {
        let query = tax::Entity::find()
            .filter(tax::Column::OrganizationId.eq(organization_id.0))
            .filter(tax::Column::DeletedAt.is_null());
        let total_count = query.clone().count(self.connection()).await?;
        // SQLite compares text by bytes; PostgreSQL would use the database's locale.
        let by_name = match self.backend() {
            DbBackend::Postgres => Expr::cust(r#""name" COLLATE "C""#),
            _ => Expr::col(tax::Column::Name),
        };
        let (offset, limit) = page_window(page_request);
        let rows = query
            .order_by(by_name, Order::Asc)
            .order_by_desc(tax::Column::CreatedAt)
            .order_by_asc(tax::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(self.connection())
            .await?;
        Ok(Page { items: rows.into_iter().map(tax_from_row).collect(), total_count })
    }

    /// Applies a partial update to the tax with this code.
    ///
    /// # Errors
    /// `NotFound(Tax)`; `Validation` with Lago's fields and codes.
    pub async fn update_tax(
        &self,
        organization_id: OrganizationId,
        code: &str,
        update: TaxUpdateInput,
    ) -> Result<Tax, StoreError> {
        let transaction = self.begin_write().await?;
        let current = load_tax(&transaction, organization_id, code, true).await?;
        let code_taken = match update.new_code(&current) {
            Some(new_code) => {
                code_is_taken(
                    &transaction,
                    find_by_code::<tax::Entity>(organization_id, new_code),
                    Some(current.id.0),
                )
                .await?
            }
            None => false,
        };
        let updated = update.apply(&current, code_taken)?;
        tax::Entity::update(tax::ActiveModel {
            id: Set(updated.id.0),
            code: Set(updated.code.clone()),
            name: Set(updated.name.clone()),
            rate: Set(updated.rate),
            description: Set(updated.description.clone()),
            applied_to_organization: Set(updated.applied_to_organization),
            updated_at: Set(self.now()),
            ..Default::default()
        })
        .exec(&transaction)
        .await
        .map_err(|error| already_exists_or_db_error(&error, "code"))?;
        self.commit_with_changes(
            transaction,
            organization_id,
            vec![tax_change(ChangeEventType::TaxUpdated, &updated)],
        )
        .await?;
        Ok(updated)
    }

    /// Soft-deletes the tax and removes it from every plan, charge and commitment it applied to,
    /// freeing its code. Returns the tax as it was.
    ///
    /// # Errors
    /// `NotFound(Tax)`.
    pub async fn delete_tax(&self, organization_id: OrganizationId, code: &str) -> Result<Tax, StoreError> {
        let transaction = self.begin_write().await?;
        let deleted = load_tax(&transaction, organization_id, code, true).await?;
        let mut changes = vec![tax_change(ChangeEventType::TaxDeleted, &deleted)];
        changes.extend(unapply_tax(&transaction, deleted.id.0).await?);
        let now = self.now();
        soft_delete::<tax::Entity>(&transaction, deleted.id.0, now).await?;
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(deleted)
    }
}

/// The organization's taxes (not deleted) with these codes, in no particular order; unknown codes
/// are simply absent. One query per thousand codes.
///
/// # Errors
/// `Unavailable` or `Internal` when the database fails.
pub(crate) async fn taxes_by_codes(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    codes: &[String],
) -> Result<Vec<Tax>, StoreError> {
    in_chunks(codes, |chunk| {
        find_taxes(connection, organization_id, tax::Column::Code.is_in(chunk.iter().cloned()))
    })
    .await
}

/// The organization's taxes (not deleted) with these ids, in no particular order; unknown ids are
/// simply absent. One query per thousand ids.
///
/// # Errors
/// `Unavailable` or `Internal` when the database fails.
pub(crate) async fn taxes_by_ids(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &[Uuid],
) -> Result<Vec<Tax>, StoreError> {
    in_chunks(ids, |chunk| {
        find_taxes(connection, organization_id, tax::Column::Id.is_in(chunk.iter().copied()))
    })
    .await
}

/// The taxes applied to each of these owners (plans, charges, commitments, customers), in the
/// order they were applied; owners without taxes are absent. Two queries per thousand owners.
///
/// # Errors
/// `Unavailable` or `Internal` when the database fails.
pub(crate) async fn taxes_by_owner(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    owner_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Tax>>, StoreError> {
    let applied = in_chunks(owner_ids, |chunk| {
        applied_tax::Entity::find()
            .filter(applied_tax::Column::OwnerId.is_in(chunk.iter().copied()))
            .order_by_asc(applied_tax::Column::CreatedAt)
            .order_by_asc(applied_tax::Column::Id)
            .all(connection)
    })
    .await?;
    let tax_ids: Vec<Uuid> = applied.iter().map(|row| row.tax_id).collect();
    let taxes: HashMap<Uuid, Tax> = taxes_by_ids(connection, organization_id, &tax_ids)
        .await?
        .into_iter()
        .map(|tax| (tax.id.0, tax))
        .collect();
    let mut by_owner: HashMap<Uuid, Vec<Tax>> = HashMap::new();
    for row in applied {
        if let Some(tax) = taxes.get(&row.tax_id) {
            by_owner.entry(row.owner_id).or_default().push(tax.clone());
        }
    }
    Ok(by_owner)
}

async fn find_taxes(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<Tax>, StoreError> {
    let rows = tax::Entity::find()
        .filter(tax::Column::OrganizationId.eq(organization_id.0))
        .filter(tax::Column::DeletedAt.is_null())
        .filter(condition)
        .all(connection)
        .await?;
    Ok(rows.into_iter().map(tax_from_row).collect())
}

/// Loads a tax that is not deleted; `for_update` locks its row (on PostgreSQL; SQLite write
/// transactions hold the database lock already).
async fn load_tax(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    code: &str,
    for_update: bool,
) -> Result<Tax, StoreError> {
    let mut query = find_by_code::<tax::Entity>(organization_id, code);
    if for_update {
        query = query.lock_exclusive();
    }
    let row = query.one(connection).await?.ok_or(Error::not_found(Resource::Tax, code))?;
    Ok(tax_from_row(row))
}

fn tax_from_row(row: tax::Model) -> Tax {
    Tax {
        id: TaxId(row.id),
        code: row.code,
        name: row.name,
        rate: row.rate,
        description: row.description,
        applied_to_organization: row.applied_to_organization,
        created_at: row.created_at,
    }
}

fn tax_change(event_type: ChangeEventType, tax: &Tax) -> PendingChange {
    PendingChange { event_type, object_id: tax.id.0, object_code: tax.code.clone() }
}
