//! Charges of a plan request: the billable metrics and taxes it refers to are resolved up front
//! in one query each, then each charge is prepared in order (metric, code, Lago's rules, taxes),
//! so that errors come in Lago's order while the database sees a fixed number of queries.

use std::collections::{HashMap, HashSet};

use entitlements_domain::{
    BillableMetric, ChargeId, ChargeInput, ChargeModelInput, ChargeSettings, Error, OrganizationId,
    PlanCharge, PlanInput, Resource, Tax, generate_charge_code, validate_charge,
};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::billable_metric::{billable_metrics_by_codes, billable_metrics_by_ids};
use crate::db::error::StoreError;
use crate::tax::taxes_by_codes;

/// The metrics and taxes a plan request names, resolved once.
#[derive(Debug, Default)]
pub(crate) struct CatalogReferences {
    metrics_by_id: HashMap<Uuid, BillableMetric>,
    metrics_by_code: HashMap<String, BillableMetric>,
    taxes_by_code: HashMap<String, Tax>,
}

/// A charge ready to be written: `existing_id` is set when it updates a charge of the plan.
#[derive(Debug)]
pub(crate) struct PreparedCharge {
    pub(crate) id: ChargeId,
    pub(crate) is_new: bool,
    pub(crate) metric: BillableMetric,
    pub(crate) settings: ChargeSettings,
    pub(crate) filter_ids: Vec<Uuid>,
    /// `None`: keep the charge's current taxes.
    pub(crate) taxes: Option<Vec<Tax>>,
}

/// Resolves every metric and tax the request names. Unknown metric ids fail at once, as Lago's
/// chargeables validation does before anything else.
///
/// # Errors
/// NOT_FOUND `billable_metrics_not_found` for an unknown (or malformed) metric id.
pub(crate) async fn resolve_references(
    connection: &impl ConnectionTrait,
    organization_id: OrganizationId,
    input: &PlanInput,
    existing_charges: &[PlanCharge],
) -> Result<CatalogReferences, StoreError> {
    let charges = input.charges.as_deref().unwrap_or_default();
    let mut metric_ids = Vec::new();
    for charge in charges {
        if let Some(id) = &charge.billable_metric_id {
            metric_ids.push(
                Uuid::parse_str(id).map_err(|_| Error::not_found(Resource::BillableMetrics, id.as_str()))?,
            );
        }
    }
    let requested_ids = metric_ids.len();
    metric_ids.extend(existing_charges.iter().map(|charge| charge.billable_metric_id.0));
    let metrics_by_id: HashMap<Uuid, BillableMetric> =
        billable_metrics_by_ids(connection, organization_id, &metric_ids)
            .await?
            .into_iter()
            .map(|metric| (metric.id.0, metric))
            .collect();
    if let Some(unknown) = metric_ids[..requested_ids].iter().find(|id| !metrics_by_id.contains_key(id)) {
        return Err(Error::not_found(Resource::BillableMetrics, unknown.to_string()).into());
    }
    let metric_codes: Vec<String> = charges
        .iter()
        .filter(|charge| charge.billable_metric_id.is_none())
        .filter_map(|charge| charge.billable_metric_code.clone())
        .collect();
    let metrics_by_code = billable_metrics_by_codes(connection, organization_id, &metric_codes)
        .await?
        .into_iter()
        .map(|metric| (metric.code.clone(), metric))
        .collect();
    let tax_codes: Vec<String> = input
        .tax_codes
        .iter()
        .flatten()
        .chain(charges.iter().filter_map(|charge| charge.tax_codes.as_ref()).flatten())
        .chain(
            input
                .minimum_commitment
                .iter()
                .flatten()
                .filter_map(|commitment| commitment.tax_codes.as_ref())
                .flatten(),
        )
        .cloned()
        .collect();
    let taxes_by_code = taxes_by_codes(connection, organization_id, &tax_codes)
        .await?
        .into_iter()
        .map(|tax| (tax.code.clone(), tax))
        .collect();
    Ok(CatalogReferences { metrics_by_id, metrics_by_code, taxes_by_code })
}

impl CatalogReferences {
    /// The taxes of `codes`, each once, in the given order.
    ///
    /// # Errors
    /// NOT_FOUND `tax_not_found` for the first unknown code.
    pub(crate) fn taxes(&self, codes: &[String]) -> Result<Vec<Tax>, StoreError> {
        let mut seen = HashSet::new();
        codes
            .iter()
            .filter(|code| seen.insert(code.as_str()))
            .map(|code| {
                self.taxes_by_code
                    .get(code)
                    .cloned()
                    .ok_or_else(|| Error::not_found(Resource::Tax, code.as_str()).into())
            })
            .collect()
    }

    /// Prepares the charges of a request in order. `existing` are the plan's current charges
    /// (empty on create): an input whose `id` names one of them updates it.
    ///
    /// # Errors
    /// For the first failing charge: NOT_FOUND `billable_metric_not_found`, its validation
    /// errors, or NOT_FOUND `tax_not_found`.
    pub(crate) fn prepare_charges(
        &self,
        inputs: &[ChargeInput],
        existing: &[PlanCharge],
    ) -> Result<Vec<PreparedCharge>, StoreError> {
        let mut taken_codes = HashSet::new();
        let mut prepared = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.iter().enumerate() {
            let current = input
                .id
                .as_deref()
                .and_then(|id| Uuid::parse_str(id).ok())
                .and_then(|id| existing.iter().find(|charge| charge.id.0 == id));
            let metric = self.metric_for(input, current)?;
            let merged = current.map_or_else(|| input.clone(), |current| merge_update(current, input));
            let code = match merged.code.as_deref().filter(|code| !code.trim().is_empty()) {
                Some(code) => code.to_owned(),
                None => generate_charge_code(&metric.code, &taken_codes),
            };
            let settings = validate_charge(&merged, &metric.charge_metric(), code, &taken_codes)
                .map_err(|errors| errors.prefixed(&format!("charges[{index}].")))?;
            taken_codes.insert(settings.code.clone());
            let filter_ids = filter_ids(&settings, current);
            let taxes = input.tax_codes.as_deref().map(|codes| self.taxes(codes)).transpose()?;
            prepared.push(PreparedCharge {
                id: current.map_or_else(ChargeId::generate, |current| current.id),
                is_new: current.is_none(),
                metric,
                settings,
                filter_ids,
                taxes: if current.is_none() { Some(taxes.unwrap_or_default()) } else { taxes },
            });
        }
        Ok(prepared)
    }

    /// The charge's metric: its id wins, then its code (our extension), then (on update) the
    /// metric the charge already has.
    fn metric_for(
        &self,
        input: &ChargeInput,
        current: Option<&PlanCharge>,
    ) -> Result<BillableMetric, StoreError> {
        let by_id = input.billable_metric_id.as_deref().and_then(|id| Uuid::parse_str(id).ok());
        let found = match (by_id, &input.billable_metric_code, current) {
            (Some(id), _, _) => self.metrics_by_id.get(&id),
            (None, Some(code), _) => self.metrics_by_code.get(code),
            (None, None, Some(current)) => self.metrics_by_id.get(&current.billable_metric_id.0),
            (None, None, None) => None,
        };
        found.cloned().ok_or_else(|| {
            let name = input.billable_metric_code.as_deref().or(input.billable_metric_id.as_deref());
            Error::not_found(Resource::BillableMetric, name.unwrap_or_default()).into()
        })
    }
}

/// A charge update: the fields given replace the charge's (a given field that is null gets the
/// default of a new charge), the others keep their value; properties not given are kept while
/// the model stays, and become the new model's defaults when it changes.
fn merge_update(current: &PlanCharge, input: &ChargeInput) -> ChargeInput {
    let settings = &current.settings;
    let charge_model = match input.charge_model {
        ChargeModelInput::Absent => ChargeModelInput::Known(settings.charge_model),
        given => given,
    };
    let properties = match &input.properties {
        Some(properties) => properties.clone(),
        None if charge_model == ChargeModelInput::Known(settings.charge_model) => {
            Some(settings.properties.clone())
        }
        None => None,
    };
    ChargeInput {
        id: input.id.clone(),
        code: input.code.clone().or_else(|| Some(settings.code.clone())),
        invoice_display_name: Some(
            input.invoice_display_name.clone().unwrap_or_else(|| settings.invoice_display_name.clone()),
        ),
        billable_metric_id: input.billable_metric_id.clone(),
        billable_metric_code: input.billable_metric_code.clone(),
        charge_model,
        pay_in_advance: input.pay_in_advance.or(Some(settings.pay_in_advance)),
        prorated: input.prorated.or(Some(settings.prorated)),
        invoiceable: input.invoiceable.or(Some(settings.invoiceable)),
        regroup_paid_fees: input
            .regroup_paid_fees
            .clone()
            .or_else(|| Some(settings.regroup_paid_fees.clone())),
        min_amount_cents: input.min_amount_cents.or(Some(settings.min_amount_cents)),
        properties: Some(properties),
        filters: input.filters.clone().or_else(|| {
            Some(
                settings
                    .filters
                    .iter()
                    .map(|filter| entitlements_domain::ChargeFilterInput {
                        invoice_display_name: filter.invoice_display_name.clone(),
                        properties: Some(filter.properties.clone()),
                        values: filter.values.clone(),
                    })
                    .collect(),
            )
        }),
        tax_codes: input.tax_codes.clone(),
    }
}

/// Ids of the charge's filters: a filter matching a current one by its values keeps that id.
fn filter_ids(settings: &ChargeSettings, current: Option<&PlanCharge>) -> Vec<Uuid> {
    settings
        .filters
        .iter()
        .map(|filter| {
            current
                .and_then(|current| {
                    current
                        .settings
                        .filters
                        .iter()
                        .zip(&current.filter_ids)
                        .find(|(existing, _)| same_values(&existing.values, &filter.values))
                        .map(|(_, id)| *id)
                })
                .unwrap_or_else(Uuid::now_v7)
        })
        .collect()
}

/// Lago matches filters by their values map, whatever the order.
fn same_values(left: &[(String, Vec<String>)], right: &[(String, Vec<String>)]) -> bool {
    let normalize = |values: &[(String, Vec<String>)]| {
        let mut pairs: Vec<(String, Vec<String>)> = values
            .iter()
            .map(|(key, values)| {
                let mut values = values.clone();
                values.sort();
                (key.clone(), values)
            })
            .collect();
        pairs.sort();
        pairs
    };
    normalize(left) == normalize(right)
}
