//! Plans: create, read, list, partial update with charge reconciliation, and synchronous
//! deletion. Each write is one transaction that appends its change event.

pub(crate) mod charges;
pub(crate) mod entitlements;
pub(crate) mod reads;

use std::collections::HashSet;

use entitlements_domain::{
    Error, MinimumCommitmentInput, OrganizationId, Page, PageRequest, Plan, PlanAttributes, PlanId,
    PlanInput, Resource, Tax, validate_minimum_commitment, validate_plan_attributes,
    validate_usage_thresholds,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::Store;
use crate::change_log::{ChangeEventType, PendingChange};
use crate::charge::json::{filters_to_json, properties_to_json};
use crate::db::coded_rows::{code_is_taken, find_by_code};
use crate::db::error::StoreError;
use crate::db::error::already_exists_or_db_error;
use crate::db::locks::lock_organization;
use crate::db::page_window;
use crate::entitlement::rows::{EntitlementOwner, delete_owner_entitlements};
use crate::entity::applied_tax;
use crate::entity::charge;
use crate::entity::minimum_commitment;
use crate::entity::plan;
use crate::entity::usage_threshold;
use crate::plan::charges::{CatalogReferences, PreparedCharge, resolve_references};
use crate::plan::reads::{load_plans, metadata_to_json};
use crate::subscription_lifecycle::cascades::{SubscriptionOwner, end_subscriptions_of};

impl Store {
    /// Creates a plan with everything it carries.
    ///
    /// # Errors
    /// In Lago's order: `billable_metrics_not_found`; the plan's validation errors; `tax_not_found`;
    /// threshold errors; then the first failing charge's; then the commitment's.
    pub async fn create_plan(
        &self,
        organization_id: OrganizationId,
        input: PlanInput,
    ) -> Result<Plan, StoreError> {
        let transaction = self.begin_write().await?;
        let references = resolve_references(&transaction, organization_id, &input, &[]).await?;
        let code_taken = match &input.code {
            Some(code) => {
                code_is_taken(&transaction, parent_plan_by_code(organization_id, code), None).await?
            }
            None => false,
        };
        let attributes = validate_plan_attributes(&input, None, code_taken)?;
        let plan_id = PlanId::generate();
        let now = self.now();
        let metadata = input.metadata.clone().flatten();
        plan::Entity::insert(plan_row(organization_id, plan_id, &attributes, metadata.as_ref(), now))
            .exec(&transaction)
            .await
            .map_err(|error| already_exists_or_db_error(&error, "code"))?;
        let mut writes = PlanWrites::new(organization_id, plan_id.0, now);
        writes.replace_taxes(plan_id.0, &references.taxes(input.tax_codes.as_deref().unwrap_or_default())?);
        write_thresholds(&transaction, organization_id, plan_id.0, input.usage_thresholds.as_deref(), now)
            .await?;
        let charges = references.prepare_charges(input.charges.as_deref().unwrap_or_default(), &[])?;
        writes.charges(&charges);
        if let Some(Some(commitment)) = &input.minimum_commitment {
            writes.commitment(&transaction, commitment, &references).await?;
        }
        writes.flush(&transaction).await?;
        let created = load_plan_by_id(&transaction, organization_id, plan_id).await?;
        self.commit_with_changes(
            transaction,
            organization_id,
            vec![plan_change(ChangeEventType::PlanCreated, &created)],
        )
        .await?;
        Ok(created)
    }

    /// The plan with this code (pending deletion included).
    ///
    /// # Errors
    /// NOT_FOUND `plan_not_found`.
    pub async fn plan(&self, organization_id: OrganizationId, code: &str) -> Result<Plan, StoreError> {
        let row = find_plan_row(self.connection(), organization_id, code, false).await?;
        Ok(load_plans(self.connection(), organization_id, vec![row])
            .await?
            .pop()
            .ok_or_else(|| Error::Internal("loaded plan lost".to_owned()))?)
    }

    /// A page of plans, newest first.
    ///
    /// # Errors
    /// `Unavailable` or `Internal` when the database fails.
    pub async fn list_plans(
        &self,
        organization_id: OrganizationId,
        page_request: PageRequest,
    ) -> Result<Page<Plan>, StoreError> {
        let query = plan::Entity::find()
            .filter(plan::Column::OrganizationId.eq(organization_id.0))
            .filter(plan::Column::DeletedAt.is_null())
            .filter(plan::Column::ParentId.is_null());
        let total_count = query.clone().count(self.connection()).await?;
        let (offset, limit) = page_window(page_request);
        let rows = query
            .order_by_desc(plan::Column::CreatedAt)
            .order_by_asc(plan::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(self.connection())
            .await?;
        Ok(Page { items: load_plans(self.connection(), organization_id, rows).await?, total_count })
    }

    /// Applies a partial update.
    ///
    /// # Errors
    /// NOT_FOUND `plan_not_found`, then the errors of `create_plan`.
    pub async fn update_plan(
        &self,
        organization_id: OrganizationId,
        code: &str,
        input: PlanInput,
    ) -> Result<Plan, StoreError> {
        let transaction = self.begin_write().await?;
        let row = find_plan_row(&transaction, organization_id, code, true).await?;
        let plan_id = PlanId(row.id);
        let current = load_plans(&transaction, organization_id, vec![row])
            .await?
            .pop()
            .ok_or_else(|| Error::Internal("loaded plan lost".to_owned()))?;
        let references = resolve_references(&transaction, organization_id, &input, &current.charges).await?;
        let code_taken = match &input.code {
            Some(new_code) if new_code != code => {
                code_is_taken(&transaction, parent_plan_by_code(organization_id, new_code), Some(plan_id.0))
                    .await?
            }
            _ => false,
        };
        let attributes = validate_plan_attributes(&input, Some(&current.attributes), code_taken)?;
        let now = self.now();
        let metadata = match &input.metadata {
            Some(metadata) => metadata.clone(),
            None => current.metadata.clone(),
        };
        let mut row = plan_row(organization_id, plan_id, &attributes, metadata.as_ref(), now);
        row.created_at = Set(current.created_at);
        plan::Entity::update(row)
            .exec(&transaction)
            .await
            .map_err(|error| already_exists_or_db_error(&error, "code"))?;
        let mut writes = PlanWrites::new(organization_id, plan_id.0, now);
        if let Some(tax_codes) = &input.tax_codes {
            writes.replace_taxes(plan_id.0, &references.taxes(tax_codes)?);
        }
        if input.usage_thresholds.is_some() {
            usage_threshold::Entity::delete_many()
                .filter(usage_threshold::Column::PlanId.eq(plan_id.0))
                .exec(&transaction)
                .await?;
            write_thresholds(
                &transaction,
                organization_id,
                plan_id.0,
                input.usage_thresholds.as_deref(),
                now,
            )
            .await?;
        }
        if let Some(charge_inputs) = &input.charges {
            let charges = references.prepare_charges(charge_inputs, &current.charges)?;
            let kept: HashSet<Uuid> = charges.iter().map(|charge| charge.id.0).collect();
            let removed: Vec<Uuid> =
                current.charges.iter().map(|charge| charge.id.0).filter(|id| !kept.contains(id)).collect();
            writes.delete_charges(removed, now);
            writes.charges(&charges);
        }
        match &input.minimum_commitment {
            None => {}
            Some(None) => writes.delete_commitment(),
            Some(Some(commitment)) => writes.commitment(&transaction, commitment, &references).await?,
        }
        writes.flush(&transaction).await?;
        let updated = load_plan_by_id(&transaction, organization_id, plan_id).await?;
        self.commit_with_changes(
            transaction,
            organization_id,
            vec![plan_change(ChangeEventType::PlanUpdated, &updated)],
        )
        .await?;
        Ok(updated)
    }

    /// Deletes a plan with its charges and entitlements at once, terminating its active
    /// subscriptions and canceling its pending ones; returns it as it was, marked pending
    /// deletion.
    ///
    /// # Errors
    /// NOT_FOUND `plan_not_found`.
    pub async fn delete_plan(&self, organization_id: OrganizationId, code: &str) -> Result<Plan, StoreError> {
        let transaction = self.begin_write().await?;
        let row = find_plan_row(&transaction, organization_id, code, true).await?;
        let plan_id = row.id;
        let mut deleted = load_plans(&transaction, organization_id, vec![row])
            .await?
            .pop()
            .ok_or_else(|| Error::Internal("loaded plan lost".to_owned()))?;
        let now = self.now();
        // Its subscriptions end in the same transaction (Lago does it in a job), under the
        // writer lock that subscription writers take before the subscriptions.
        lock_organization(&transaction, organization_id).await?;
        let mut changes =
            end_subscriptions_of(&transaction, organization_id, SubscriptionOwner::Plan(plan_id), now)
                .await?;
        delete_owner_entitlements(&transaction, EntitlementOwner::Plan(plan_id)).await?;
        charge::Entity::update_many()
            .col_expr(charge::Column::DeletedAt, Expr::value(now))
            .filter(charge::Column::PlanId.eq(plan_id))
            .filter(charge::Column::DeletedAt.is_null())
            .exec(&transaction)
            .await?;
        plan::Entity::update(plan::ActiveModel {
            id: Set(plan_id),
            pending_deletion: Set(true),
            deleted_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(&transaction)
        .await?;
        deleted.pending_deletion = true;
        changes.push(plan_change(ChangeEventType::PlanDeleted, &deleted));
        self.commit_with_changes(transaction, organization_id, changes).await?;
        Ok(deleted)
    }
}

fn plan_change(event_type: ChangeEventType, plan: &Plan) -> PendingChange {
    PendingChange { event_type, object_id: plan.id.0, object_code: plan.attributes.code.clone() }
}

fn plan_row(
    organization_id: OrganizationId,
    plan_id: PlanId,
    attributes: &PlanAttributes,
    metadata: Option<&entitlements_domain::PlanMetadata>,
    now: chrono::DateTime<chrono::Utc>,
) -> plan::ActiveModel {
    plan::ActiveModel {
        id: Set(plan_id.0),
        organization_id: Set(organization_id.0),
        code: Set(attributes.code.clone()),
        name: Set(attributes.name.clone()),
        invoice_display_name: Set(attributes.invoice_display_name.clone()),
        description: Set(attributes.description.clone()),
        interval: Set(attributes.interval.into()),
        amount_cents: Set(attributes.amount_cents),
        amount_currency: Set(attributes.amount_currency.clone()),
        trial_period: Set(attributes.trial_period),
        pay_in_advance: Set(attributes.pay_in_advance),
        bill_charges_monthly: Set(attributes.bill_charges_monthly),
        bill_fixed_charges_monthly: Set(attributes.bill_fixed_charges_monthly),
        parent_id: Set(None),
        pending_deletion: Set(false),
        metadata: Set(metadata.map(metadata_to_json)),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Plans addressable by code: parents only (override plans never are), not deleted.
fn parent_plan_by_code(organization_id: OrganizationId, code: &str) -> sea_orm::Select<plan::Entity> {
    find_by_code::<plan::Entity>(organization_id, code).filter(plan::Column::ParentId.is_null())
}

/// A parent plan that is not deleted; `for_update` locks it for a read-decide-write.
pub(crate) async fn find_plan_row(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    code: &str,
    for_update: bool,
) -> Result<plan::Model, StoreError> {
    let mut query = parent_plan_by_code(organization_id, code);
    if for_update {
        query = query.lock_exclusive();
    }
    query.one(connection).await?.ok_or_else(|| Error::not_found(Resource::Plan, code).into())
}

async fn load_plan_by_id(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    plan_id: PlanId,
) -> Result<Plan, StoreError> {
    let row = plan::Entity::find_by_id(plan_id.0)
        .one(connection)
        .await?
        .ok_or_else(|| Error::Internal("written plan lost".to_owned()))?;
    Ok(load_plans(connection, organization_id, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("loaded plan lost".to_owned()))?)
}

async fn write_thresholds(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    plan_id: Uuid,
    thresholds: Option<&[entitlements_domain::UsageThresholdInput]>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    let thresholds = thresholds.unwrap_or_default();
    validate_usage_thresholds(thresholds)?;
    if thresholds.is_empty() {
        return Ok(());
    }
    let rows = thresholds.iter().map(|threshold| usage_threshold::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id.0),
        plan_id: Set(plan_id),
        amount_cents: Set(threshold.amount_cents.unwrap_or_default()),
        threshold_display_name: Set(threshold.threshold_display_name.clone()),
        recurring: Set(threshold.recurring.unwrap_or(false)),
        created_at: Set(now),
        updated_at: Set(now),
    });
    usage_threshold::Entity::insert_many(rows).exec(connection).await?;
    Ok(())
}

/// The writes of one plan request, gathered so that each table sees one statement.
struct PlanWrites {
    organization_id: OrganizationId,
    plan_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
    charge_rows: Vec<charge::ActiveModel>,
    deleted_charges: Vec<Uuid>,
    /// Owners whose applied taxes are replaced, and the new rows.
    tax_owners: Vec<Uuid>,
    tax_rows: Vec<applied_tax::ActiveModel>,
    delete_commitment: bool,
}

impl PlanWrites {
    fn new(organization_id: OrganizationId, plan_id: Uuid, now: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            organization_id,
            plan_id,
            now,
            charge_rows: Vec::new(),
            deleted_charges: Vec::new(),
            tax_owners: Vec::new(),
            tax_rows: Vec::new(),
            delete_commitment: false,
        }
    }

    fn replace_taxes(&mut self, owner_id: Uuid, taxes: &[Tax]) {
        self.tax_owners.push(owner_id);
        for tax in taxes {
            self.tax_rows.push(applied_tax::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(self.organization_id.0),
                owner_id: Set(owner_id),
                tax_id: Set(tax.id.0),
                created_at: Set(self.now),
            });
        }
    }

    fn charges(&mut self, charges: &[PreparedCharge]) {
        for prepared in charges {
            let settings = &prepared.settings;
            self.charge_rows.push(charge::ActiveModel {
                id: Set(prepared.id.0),
                organization_id: Set(self.organization_id.0),
                plan_id: Set(self.plan_id),
                billable_metric_id: Set(prepared.metric.id.0),
                code: Set(settings.code.clone()),
                invoice_display_name: Set(settings.invoice_display_name.clone()),
                charge_model: Set(settings.charge_model.into()),
                pay_in_advance: Set(settings.pay_in_advance),
                prorated: Set(settings.prorated),
                invoiceable: Set(settings.invoiceable),
                regroup_paid_fees: Set(settings.regroup_paid_fees.clone()),
                min_amount_cents: Set(settings.min_amount_cents),
                properties: Set(properties_to_json(&settings.properties)),
                filters: Set(filters_to_json(&settings.filters, &prepared.filter_ids)),
                deleted_at: Set(None),
                // Kept for existing charges by the upsert, which does not update it.
                created_at: Set(self.now),
                updated_at: Set(self.now),
            });
            if let Some(taxes) = &prepared.taxes {
                self.replace_taxes(prepared.id.0, taxes);
            } else if prepared.is_new {
                self.tax_owners.push(prepared.id.0);
            }
        }
    }

    fn delete_charges(&mut self, charge_ids: Vec<Uuid>, now: chrono::DateTime<chrono::Utc>) {
        self.now = now;
        self.tax_owners.extend(charge_ids.iter().copied());
        self.deleted_charges = charge_ids;
    }

    fn delete_commitment(&mut self) {
        self.delete_commitment = true;
    }

    async fn commitment(
        &mut self,
        connection: &impl ConnectionTrait,
        input: &MinimumCommitmentInput,
        references: &CatalogReferences,
    ) -> Result<(), StoreError> {
        let existing = minimum_commitment::Entity::find()
            .filter(minimum_commitment::Column::PlanId.eq(self.plan_id))
            .one(connection)
            .await?;
        let amount_cents =
            validate_minimum_commitment(input, existing.as_ref().map(|commitment| commitment.amount_cents))?;
        let taxes = references.taxes(input.tax_codes.as_deref().unwrap_or_default())?;
        let invoice_display_name = match &input.invoice_display_name {
            Some(given) => given.clone(),
            None => existing.as_ref().and_then(|commitment| commitment.invoice_display_name.clone()),
        };
        let id = existing.as_ref().map_or_else(Uuid::now_v7, |commitment| commitment.id);
        let row = minimum_commitment::ActiveModel {
            id: Set(id),
            organization_id: Set(self.organization_id.0),
            plan_id: Set(self.plan_id),
            amount_cents: Set(amount_cents),
            invoice_display_name: Set(invoice_display_name),
            created_at: Set(existing.as_ref().map_or(self.now, |commitment| commitment.created_at)),
            updated_at: Set(self.now),
        };
        minimum_commitment::Entity::insert(row)
            .on_conflict(
                OnConflict::column(minimum_commitment::Column::Id)
                    .update_columns([
                        minimum_commitment::Column::AmountCents,
                        minimum_commitment::Column::InvoiceDisplayName,
                        minimum_commitment::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(connection)
            .await?;
        if input.tax_codes.is_some() || existing.is_none() {
            self.replace_taxes(id, &taxes);
        }
        Ok(())
    }

    async fn flush(self, connection: &impl ConnectionTrait) -> Result<(), StoreError> {
        if self.delete_commitment {
            minimum_commitment::Entity::delete_many()
                .filter(minimum_commitment::Column::PlanId.eq(self.plan_id))
                .exec(connection)
                .await?;
        }
        if !self.deleted_charges.is_empty() {
            charge::Entity::update_many()
                .col_expr(charge::Column::DeletedAt, Expr::value(self.now))
                .filter(charge::Column::Id.is_in(self.deleted_charges))
                .exec(connection)
                .await?;
        }
        if !self.charge_rows.is_empty() {
            charge::Entity::insert_many(self.charge_rows)
                .on_conflict(
                    OnConflict::column(charge::Column::Id)
                        .update_columns([
                            charge::Column::BillableMetricId,
                            charge::Column::Code,
                            charge::Column::InvoiceDisplayName,
                            charge::Column::ChargeModel,
                            charge::Column::PayInAdvance,
                            charge::Column::Prorated,
                            charge::Column::Invoiceable,
                            charge::Column::RegroupPaidFees,
                            charge::Column::MinAmountCents,
                            charge::Column::Properties,
                            charge::Column::Filters,
                            charge::Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec(connection)
                .await
                .map_err(|error| already_exists_or_db_error(&error, "code"))?;
        }
        if !self.tax_owners.is_empty() {
            applied_tax::Entity::delete_many()
                .filter(applied_tax::Column::OwnerId.is_in(self.tax_owners))
                .exec(connection)
                .await?;
        }
        if !self.tax_rows.is_empty() {
            applied_tax::Entity::insert_many(self.tax_rows).exec(connection).await?;
        }
        Ok(())
    }
}
