//! Loading plans with everything their JSON shows (charges, filters, thresholds, commitment,
//! taxes, metric codes, entitlements) in a fixed number of queries, whatever the number of plans and charges.

use std::collections::HashMap;

use entitlements_domain::{
    BillableMetricId, ChargeId, ChargeSettings, Error, MinimumCommitment, OrganizationId, Plan,
    PlanAttributes, PlanCharge, PlanId, PlanMetadata, Tax, UsageThreshold,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use crate::billable_metric::billable_metrics_by_ids;
use crate::charge::json::{filters_from_json, properties_from_json};
use crate::db::error::StoreError;
use crate::entitlement::rows::load_plan_entitlements;
use crate::entity::charge;
use crate::entity::minimum_commitment;
use crate::entity::plan;
use crate::entity::usage_threshold;
use crate::tax::taxes_by_owner;

/// Plans (rows already loaded) with all their parts, in the rows' order.
pub(crate) async fn load_plans(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    rows: Vec<plan::Model>,
) -> Result<Vec<Plan>, StoreError> {
    load_plans_showing(connection, organization_id, rows, ChargesShown::Current).await
}

/// [`load_plans`], a deleted plan showing the charges it had when it was deleted (those deleted
/// with it, in the same transaction): what its `plan.deleted` webhook carries.
pub(crate) async fn load_plans_as_deleted(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    rows: Vec<plan::Model>,
) -> Result<Vec<Plan>, StoreError> {
    load_plans_showing(connection, organization_id, rows, ChargesShown::AsDeleted).await
}

/// Which charges a plan shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChargesShown {
    /// Those not deleted.
    Current,
    /// Those not deleted, and those deleted at the plan's own deletion.
    AsDeleted,
}

async fn load_plans_showing(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    rows: Vec<plan::Model>,
    shown: ChargesShown,
) -> Result<Vec<Plan>, StoreError> {
    let plan_ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    if plan_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut charges_query = charge::Entity::find().filter(charge::Column::PlanId.is_in(plan_ids.clone()));
    if shown == ChargesShown::Current {
        charges_query = charges_query.filter(charge::Column::DeletedAt.is_null());
    }
    let plan_deleted_at: HashMap<Uuid, Option<chrono::DateTime<chrono::Utc>>> =
        rows.iter().map(|row| (row.id, row.deleted_at)).collect();
    let charges: Vec<charge::Model> = charges_query
        .order_by_asc(charge::Column::CreatedAt)
        .order_by_asc(charge::Column::Id)
        .all(connection)
        .await?
        .into_iter()
        .filter(|charge| {
            charge.deleted_at.is_none()
                || plan_deleted_at
                    .get(&charge.plan_id)
                    .is_some_and(|deleted_at| *deleted_at == charge.deleted_at)
        })
        .collect();
    let thresholds = usage_threshold::Entity::find()
        .filter(usage_threshold::Column::PlanId.is_in(plan_ids.clone()))
        .order_by_asc(usage_threshold::Column::CreatedAt)
        .order_by_asc(usage_threshold::Column::Id)
        .all(connection)
        .await?;
    let commitments = minimum_commitment::Entity::find()
        .filter(minimum_commitment::Column::PlanId.is_in(plan_ids.clone()))
        .all(connection)
        .await?;
    let owner_ids: Vec<Uuid> = plan_ids
        .iter()
        .copied()
        .chain(charges.iter().map(|charge| charge.id))
        .chain(commitments.iter().map(|commitment| commitment.id))
        .collect();
    let mut taxes_by_owner = taxes_by_owner(connection, organization_id, &owner_ids).await?;
    let entitlements = load_plan_entitlements(connection, organization_id, &plan_ids).await?;
    let metric_ids: Vec<Uuid> = charges.iter().map(|charge| charge.billable_metric_id).collect();
    let metric_codes: HashMap<Uuid, String> =
        billable_metrics_by_ids(connection, organization_id, &metric_ids)
            .await?
            .into_iter()
            .map(|metric| (metric.id.0, metric.code))
            .collect();

    let mut charges_by_plan: HashMap<Uuid, Vec<PlanCharge>> = HashMap::new();
    for row in charges {
        let plan_id = row.plan_id;
        let code = metric_codes.get(&row.billable_metric_id).cloned().unwrap_or_default();
        let taxes = taxes_by_owner.remove(&row.id).unwrap_or_default();
        charges_by_plan.entry(plan_id).or_default().push(charge_from_row(row, code, taxes)?);
    }
    let mut thresholds_by_plan: HashMap<Uuid, Vec<UsageThreshold>> = HashMap::new();
    for row in thresholds {
        thresholds_by_plan.entry(row.plan_id).or_default().push(UsageThreshold {
            id: row.id,
            amount_cents: row.amount_cents,
            threshold_display_name: row.threshold_display_name,
            recurring: row.recurring,
            created_at: row.created_at,
            updated_at: row.updated_at,
        });
    }
    let mut commitment_by_plan: HashMap<Uuid, MinimumCommitment> = HashMap::new();
    for row in commitments {
        commitment_by_plan.insert(
            row.plan_id,
            MinimumCommitment {
                id: row.id,
                amount_cents: row.amount_cents,
                invoice_display_name: row.invoice_display_name,
                taxes: taxes_by_owner.remove(&row.id).unwrap_or_default(),
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
        );
    }
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            Ok(Plan {
                id: PlanId(id),
                pending_deletion: row.pending_deletion,
                created_at: row.created_at,
                metadata: row.metadata.as_ref().map(metadata_from_json).transpose()?,
                attributes: attributes_from_row(row),
                charges: charges_by_plan.remove(&id).unwrap_or_default(),
                taxes: taxes_by_owner.remove(&id).unwrap_or_default(),
                usage_thresholds: thresholds_by_plan.remove(&id).unwrap_or_default(),
                minimum_commitment: commitment_by_plan.remove(&id),
                entitlements: entitlements.plan_views(id),
            })
        })
        .collect()
}

fn attributes_from_row(row: plan::Model) -> PlanAttributes {
    PlanAttributes {
        code: row.code,
        name: row.name,
        invoice_display_name: row.invoice_display_name,
        description: row.description,
        interval: row.interval.into(),
        amount_cents: row.amount_cents,
        amount_currency: row.amount_currency,
        trial_period: row.trial_period,
        pay_in_advance: row.pay_in_advance,
        bill_charges_monthly: row.bill_charges_monthly,
        bill_fixed_charges_monthly: row.bill_fixed_charges_monthly,
    }
}

fn charge_from_row(
    row: charge::Model,
    billable_metric_code: String,
    taxes: Vec<Tax>,
) -> Result<PlanCharge, StoreError> {
    let charge_model = row.charge_model.into();
    let (filters, filter_ids) = filters_from_json(charge_model, &row.filters)?;
    Ok(PlanCharge {
        id: ChargeId(row.id),
        billable_metric_id: BillableMetricId(row.billable_metric_id),
        billable_metric_code,
        settings: ChargeSettings {
            code: row.code,
            invoice_display_name: row.invoice_display_name,
            charge_model,
            pay_in_advance: row.pay_in_advance,
            prorated: row.prorated,
            invoiceable: row.invoiceable,
            regroup_paid_fees: row.regroup_paid_fees,
            min_amount_cents: row.min_amount_cents,
            properties: properties_from_json(charge_model, &row.properties)?,
            filters,
        },
        filter_ids,
        taxes,
        created_at: row.created_at,
    })
}

/// Stored metadata: an array of `[key, value]` pairs, keeping the client's order.
pub(crate) fn metadata_to_json(metadata: &PlanMetadata) -> Value {
    Value::Array(metadata.iter().map(|(key, value)| serde_json::json!([key, value])).collect())
}

fn metadata_from_json(value: &Value) -> Result<PlanMetadata, StoreError> {
    let corrupt = || Error::Internal("plan metadata is not stored as expected".to_owned());
    value
        .as_array()
        .ok_or_else(corrupt)?
        .iter()
        .map(|pair| {
            let key = pair.get(0).and_then(Value::as_str).ok_or_else(corrupt)?;
            Ok((key.to_owned(), pair.get(1).and_then(Value::as_str).map(str::to_owned)))
        })
        .collect()
}
