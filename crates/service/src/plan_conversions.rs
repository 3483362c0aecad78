//! Conversions between the PlanService messages and domain plans. An update is read through its
//! `update_mask`; a create is read through the implied mask (every field it populates), so that
//! one conversion serves both.

use entitlements::v1 as pb;
use entitlements_domain::{
    Error, MinimumCommitmentInput, Plan, PlanInput, PlanInterval, UsageThresholdInput,
};
use prost_types::FieldMask;

use crate::charge_conversions::{charge_input_from_pb, charge_to_pb};
use crate::entitlement_conversions::plan_entitlement_to_pb;
use crate::feature_conversions::timestamp;
use crate::tax_conversions::tax_to_pb;
use crate::update_mask::UpdateMask;

/// The mask paths inside `minimum_commitment`, each writing one field of the commitment.
const COMMITMENT_AMOUNT: &str = "minimum_commitment.amount_cents";
const COMMITMENT_DISPLAY_NAME: &str = "minimum_commitment.invoice_display_name";
const COMMITMENT_TAX_CODES: &str = "minimum_commitment.tax_codes";

/// The request's plan as `update_mask` selects it (`None` for a create: every field it sets).
///
/// # Errors
/// `BadRequest` when the request carries no `plan`; `update_mask: unknown_field` and
/// `charges[i].update_mask: unknown_field`.
pub(crate) fn plan_input_from_pb(
    plan: Option<pb::PlanInput>,
    update_mask: Option<FieldMask>,
) -> Result<PlanInput, Error> {
    let pb::PlanInput {
        name,
        code,
        interval,
        amount_cents,
        amount_currency,
        pay_in_advance,
        invoice_display_name,
        description,
        trial_period,
        bill_charges_monthly,
        bill_fixed_charges_monthly,
        tax_codes,
        metadata,
        minimum_commitment,
        usage_thresholds,
        charges,
    } = plan.ok_or_else(|| Error::missing_param("plan"))?;
    let mask = UpdateMask::resolve(
        update_mask,
        "update_mask",
        &[
            ("name", name.is_some()),
            ("code", code.is_some()),
            ("interval", interval.is_some()),
            ("amount_cents", amount_cents.is_some()),
            ("amount_currency", amount_currency.is_some()),
            ("pay_in_advance", pay_in_advance.is_some()),
            ("invoice_display_name", invoice_display_name.is_some()),
            ("description", description.is_some()),
            ("trial_period", trial_period.is_some()),
            ("bill_charges_monthly", bill_charges_monthly.is_some()),
            ("bill_fixed_charges_monthly", bill_fixed_charges_monthly.is_some()),
            ("tax_codes", !tax_codes.is_empty()),
            ("metadata", metadata.is_some()),
            ("minimum_commitment", minimum_commitment.is_some()),
            (COMMITMENT_AMOUNT, false),
            (COMMITMENT_DISPLAY_NAME, false),
            (COMMITMENT_TAX_CODES, false),
            ("usage_thresholds", !usage_thresholds.is_empty()),
            ("charges", !charges.is_empty()),
        ],
    )?;
    let charges = mask
        .list("charges", charges)
        .map(|charges| {
            charges
                .into_iter()
                .enumerate()
                .map(|(index, charge)| charge_input_from_pb(index, charge))
                .collect()
        })
        .transpose()?;
    Ok(PlanInput {
        // A cleared name or code is blank: `value_is_mandatory`.
        name: mask.field("name", name).map(Option::unwrap_or_default),
        code: mask.field("code", code).map(Option::unwrap_or_default),
        interval: mask
            .field("interval", interval)
            .map(|number| number.and_then(interval_from_pb).map(|interval| interval.as_str().to_owned())),
        amount_cents: mask.field("amount_cents", amount_cents),
        amount_currency: mask.field("amount_currency", amount_currency),
        pay_in_advance: mask.field("pay_in_advance", pay_in_advance),
        invoice_display_name: mask.field("invoice_display_name", invoice_display_name),
        description: mask.field("description", description),
        trial_period: mask.field("trial_period", trial_period),
        bill_charges_monthly: mask.field("bill_charges_monthly", bill_charges_monthly),
        bill_fixed_charges_monthly: mask.field("bill_fixed_charges_monthly", bill_fixed_charges_monthly),
        tax_codes: mask.list("tax_codes", tax_codes),
        metadata: mask.field("metadata", metadata).map(|metadata| {
            metadata.map(|pb::PlanMetadata { entries }| {
                entries.into_iter().map(|pb::MetadataEntry { key, value }| (key, value)).collect()
            })
        }),
        minimum_commitment: commitment_input(&mask, minimum_commitment),
        usage_thresholds: mask.list("usage_thresholds", usage_thresholds).map(|thresholds| {
            thresholds
                .into_iter()
                .map(|pb::UsageThresholdInput { amount_cents, threshold_display_name, recurring }| {
                    UsageThresholdInput { amount_cents, threshold_display_name, recurring }
                })
                .collect()
        }),
        charges,
    })
}

/// `None` when the mask writes nothing of the commitment; `Some(None)` when it writes the whole
/// commitment unset (a deletion); else the fields it writes.
fn commitment_input(
    mask: &UpdateMask,
    commitment: Option<pb::MinimumCommitmentInput>,
) -> Option<Option<MinimumCommitmentInput>> {
    if mask.contains("minimum_commitment") && commitment.is_none() {
        return Some(None);
    }
    let pb::MinimumCommitmentInput { amount_cents, invoice_display_name, tax_codes } =
        commitment.unwrap_or_default();
    let input = MinimumCommitmentInput {
        amount_cents: mask.field(COMMITMENT_AMOUNT, amount_cents),
        invoice_display_name: mask.field(COMMITMENT_DISPLAY_NAME, invoice_display_name),
        tax_codes: mask.list(COMMITMENT_TAX_CODES, tax_codes),
    };
    // Every written field is `Some`, so the default is the commitment the mask does not touch.
    (input != MinimumCommitmentInput::default()).then_some(Some(input))
}

fn interval_from_pb(number: i32) -> Option<PlanInterval> {
    match pb::PlanInterval::try_from(number).ok()? {
        pb::PlanInterval::Unspecified => None,
        pb::PlanInterval::Weekly => Some(PlanInterval::Weekly),
        pb::PlanInterval::Monthly => Some(PlanInterval::Monthly),
        pb::PlanInterval::Yearly => Some(PlanInterval::Yearly),
        pb::PlanInterval::Quarterly => Some(PlanInterval::Quarterly),
        pb::PlanInterval::Semiannual => Some(PlanInterval::Semiannual),
    }
}

fn interval_to_pb(interval: PlanInterval) -> pb::PlanInterval {
    match interval {
        PlanInterval::Weekly => pb::PlanInterval::Weekly,
        PlanInterval::Monthly => pb::PlanInterval::Monthly,
        PlanInterval::Yearly => pb::PlanInterval::Yearly,
        PlanInterval::Quarterly => pb::PlanInterval::Quarterly,
        PlanInterval::Semiannual => pb::PlanInterval::Semiannual,
    }
}

pub(crate) fn plan_to_pb(plan: Plan) -> pb::Plan {
    let attributes = plan.attributes;
    pb::Plan {
        id: plan.id.to_string(),
        name: attributes.name,
        invoice_display_name: attributes.invoice_display_name,
        created_at: Some(timestamp(plan.created_at)),
        code: attributes.code,
        interval: interval_to_pb(attributes.interval).into(),
        description: attributes.description,
        amount_cents: attributes.amount_cents,
        amount_currency: attributes.amount_currency,
        trial_period: attributes.trial_period,
        pay_in_advance: attributes.pay_in_advance,
        bill_charges_monthly: attributes.bill_charges_monthly,
        bill_fixed_charges_monthly: attributes.bill_fixed_charges_monthly,
        pending_deletion: plan.pending_deletion,
        charges: plan.charges.iter().map(charge_to_pb).collect(),
        usage_thresholds: plan
            .usage_thresholds
            .into_iter()
            .map(|threshold| pb::UsageThreshold {
                id: threshold.id.to_string(),
                amount_cents: threshold.amount_cents,
                threshold_display_name: threshold.threshold_display_name,
                recurring: threshold.recurring,
                created_at: Some(timestamp(threshold.created_at)),
                updated_at: Some(timestamp(threshold.updated_at)),
            })
            .collect(),
        taxes: plan.taxes.iter().map(tax_to_pb).collect(),
        minimum_commitment: plan.minimum_commitment.map(|commitment| pb::MinimumCommitment {
            id: commitment.id.to_string(),
            amount_cents: commitment.amount_cents,
            invoice_display_name: commitment.invoice_display_name,
            taxes: commitment.taxes.iter().map(tax_to_pb).collect(),
            created_at: Some(timestamp(commitment.created_at)),
            updated_at: Some(timestamp(commitment.updated_at)),
        }),
        metadata: plan.metadata.map(|metadata| pb::PlanMetadata {
            entries: metadata.into_iter().map(|(key, value)| pb::MetadataEntry { key, value }).collect(),
        }),
        entitlements: plan.entitlements.into_iter().map(plan_entitlement_to_pb).collect(),
    }
}
