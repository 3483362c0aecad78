//! Conversions between the PlanService messages and domain plans.

use entitlements::v1 as pb;
use entitlements_domain::{
    Error, MinimumCommitmentInput, Plan, PlanInput, PlanInterval, UsageThresholdInput,
};

use crate::charge_conversions::{charge_input_from_pb, charge_to_pb};
use crate::entitlement_conversions::plan_entitlement_to_pb;
use crate::feature_conversions::timestamp;
use crate::tax_conversions::tax_to_pb;

/// The request's plan, or Lago's 400 when it carries none.
pub(crate) fn plan_input_from_pb(plan: Option<pb::PlanInput>) -> Result<PlanInput, Error> {
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
        clear_trial_period,
    } = plan.ok_or_else(|| Error::missing_param("plan"))?;
    Ok(PlanInput {
        name,
        code,
        interval: interval
            .map(|number| interval_from_pb(number).map(|interval| interval.as_str().to_owned())),
        amount_cents,
        amount_currency: amount_currency.map(Some),
        pay_in_advance: pay_in_advance.map(Some),
        invoice_display_name: invoice_display_name.map(|pb::NullableString { value }| value),
        description: description.map(|pb::NullableString { value }| value),
        trial_period: if clear_trial_period { Some(None) } else { trial_period.map(Some) },
        bill_charges_monthly: bill_charges_monthly.map(Some),
        bill_fixed_charges_monthly: bill_fixed_charges_monthly.map(Some),
        tax_codes: tax_codes.map(|pb::TaxCodes { codes }| codes),
        metadata: metadata.map(|pb::NullablePlanMetadata { value }| {
            value.map(|pb::PlanMetadata { entries }| {
                entries.into_iter().map(|pb::MetadataEntry { key, value }| (key, value)).collect()
            })
        }),
        minimum_commitment: minimum_commitment.map(
            |pb::MinimumCommitmentInput { amount_cents, invoice_display_name, tax_codes }| {
                MinimumCommitmentInput {
                    amount_cents,
                    invoice_display_name,
                    tax_codes: tax_codes.map(|pb::TaxCodes { codes }| codes),
                }
            },
        ),
        usage_thresholds: usage_thresholds.map(|pb::UsageThresholdInputs { thresholds }| {
            thresholds
                .into_iter()
                .map(|pb::UsageThresholdInput { amount_cents, threshold_display_name, recurring }| {
                    UsageThresholdInput { amount_cents, threshold_display_name, recurring }
                })
                .collect()
        }),
        charges: charges
            .map(|pb::ChargeInputs { charges }| charges.into_iter().map(charge_input_from_pb).collect()),
    })
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
