//! Lago's plan JSON <-> PlanService messages.

use entitlements::v1 as pb;
use serde_json::{Map, Value, json};

use super::charge_json::{charge_input_from_json, charge_to_json};
use crate::entitlement_json::plan_entitlement_to_json;
use crate::lago_error::BodyError;
use crate::lago_json::timestamp;
use crate::request_body::{nullable_string, root_object, tax_code_list};
use crate::tax_json::embedded_tax_to_json;
use crate::update_mask::MaskPaths;

/// Sent for an interval Lago does not know (the service answers `interval: value_is_invalid`).
const UNKNOWN_INTERVAL: i32 = -1;

/// `{"plan": {...}}` with the update mask of its keys (used by PUT, dropped by POST); `None` when
/// the root is missing or empty. Keys Lago treats as not given when null (`name`, `code`,
/// `amount_cents`, the booleans, `tax_codes`, `usage_thresholds`, `charges`) stay out of the mask
/// when null; so does a boolean Lago cannot read.
pub(super) fn plan_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<(pb::PlanInput, prost_types::FieldMask)>, BodyError> {
    let Some(plan) = root_object(body, "plan")? else { return Ok(None) };
    let mut mask = MaskPaths::default();
    let string = |key: &str| nullable_string(&plan, key, "plan");
    let given_unless_null = |value: Option<Option<String>>| value.flatten().map(Some);
    let interval = plan.get("interval").map(|interval| match interval {
        Value::Null => None,
        Value::String(name) => Some(interval_from_name(name).map_or(UNKNOWN_INTERVAL, i32::from)),
        _ => Some(UNKNOWN_INTERVAL),
    });
    let trial_period = match plan.get("trial_period") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Number(number)) => Some(number.as_f64()),
        Some(_) => return Err(BodyError("plan.trial_period must be a number".to_owned())),
    };
    let input = pb::PlanInput {
        name: mask.field("name", given_unless_null(string("name")?)),
        code: mask.field("code", given_unless_null(string("code")?)),
        interval: mask.field("interval", interval),
        amount_cents: mask.field("amount_cents", integer(&plan, "amount_cents", "plan")?.map(Some)),
        // Present but not a string: a currency no list contains (`value_is_invalid`).
        amount_currency: mask.field(
            "amount_currency",
            plan.get("amount_currency").map(|value| Some(value.as_str().unwrap_or_default().to_owned())),
        ),
        pay_in_advance: mask.field("pay_in_advance", boolean(&plan, "pay_in_advance").map(Some)),
        invoice_display_name: mask.field("invoice_display_name", string("invoice_display_name")?),
        description: mask.field("description", string("description")?),
        trial_period: mask.field("trial_period", trial_period),
        bill_charges_monthly: mask
            .field("bill_charges_monthly", boolean(&plan, "bill_charges_monthly").map(Some)),
        bill_fixed_charges_monthly: mask
            .field("bill_fixed_charges_monthly", boolean(&plan, "bill_fixed_charges_monthly").map(Some)),
        tax_codes: mask.list("tax_codes", tax_code_list(plan.get("tax_codes"), "plan")?),
        metadata: mask.field("metadata", metadata_from_json(plan.get("metadata"))?),
        minimum_commitment: commitment_from_json(plan.get("minimum_commitment"), &mut mask)?,
        usage_thresholds: mask.list(
            "usage_thresholds",
            match plan.get("usage_thresholds") {
                None | Some(Value::Null) => None,
                Some(Value::Array(thresholds)) => {
                    Some(thresholds.iter().map(threshold_from_json).collect::<Result<_, _>>()?)
                }
                Some(_) => return Err(BodyError("plan.usage_thresholds must be an array".to_owned())),
            },
        ),
        charges: mask.list(
            "charges",
            match plan.get("charges") {
                None | Some(Value::Null) => None,
                Some(Value::Array(charges)) => {
                    Some(charges.iter().map(charge_input_from_json).collect::<Result<_, _>>()?)
                }
                Some(_) => return Err(BodyError("plan.charges must be an array".to_owned())),
            },
        ),
    };
    Ok(Some((input, mask.into_field_mask())))
}

/// Lago's minimum commitment: null keeps it; an object whose fields all read as not given (`{}`,
/// or only nulls) deletes it on update (and is ignored on create); any other object sets its
/// amount and display name, and its taxes when `tax_codes` is given (else they are kept).
fn commitment_from_json(
    value: Option<&Value>,
    mask: &mut MaskPaths,
) -> Result<Option<pb::MinimumCommitmentInput>, BodyError> {
    let commitment = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(commitment)) => commitment,
        Some(_) => return Err(BodyError("plan.minimum_commitment must be an object".to_owned())),
    };
    let amount_cents = integer(commitment, "amount_cents", "minimum_commitment")?;
    let invoice_display_name =
        nullable_string(commitment, "invoice_display_name", "minimum_commitment")?.flatten();
    let tax_codes = tax_code_list(commitment.get("tax_codes"), "minimum_commitment")?;
    if amount_cents.is_none() && invoice_display_name.is_none() && tax_codes.is_none() {
        mask.add("minimum_commitment");
        return Ok(None);
    }
    mask.add("minimum_commitment.amount_cents");
    mask.add("minimum_commitment.invoice_display_name");
    Ok(Some(pb::MinimumCommitmentInput {
        amount_cents,
        invoice_display_name,
        tax_codes: mask.list("minimum_commitment.tax_codes", tax_codes),
    }))
}

/// An integer, or Rails' reading of an integer string (`"100"`).
fn integer(object: &Map<String, Value>, key: &str, path: &str) -> Result<Option<i64>, BodyError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) if number.is_i64() || number.is_u64() => {
            number.as_i64().map(Some).ok_or_else(|| BodyError(format!("{path}.{key} is out of range")))
        }
        Some(Value::String(text)) if text.trim().parse::<i64>().is_ok() => {
            Ok(text.trim().parse::<i64>().ok())
        }
        Some(_) => Err(BodyError(format!("{path}.{key} must be an integer"))),
    }
}

fn boolean(object: &Map<String, Value>, key: &str) -> Option<bool> {
    match object.get(key)? {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) if text == "true" => Some(true),
        Value::String(text) if text == "false" => Some(false),
        _ => None,
    }
}

/// `None` when absent, `Some(None)` when null (deleting it on update).
fn metadata_from_json(value: Option<&Value>) -> Result<Option<Option<pb::PlanMetadata>>, BodyError> {
    match value {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Object(entries)) => Ok(Some(Some(pb::PlanMetadata {
            entries: entries
                .iter()
                .map(|(key, value)| match value {
                    Value::Null => Ok(pb::MetadataEntry { key: key.clone(), value: None }),
                    Value::String(text) => {
                        Ok(pb::MetadataEntry { key: key.clone(), value: Some(text.clone()) })
                    }
                    _ => Err(BodyError("plan.metadata values must be strings or null".to_owned())),
                })
                .collect::<Result<_, _>>()?,
        }))),
        Some(_) => Err(BodyError("plan.metadata must be an object".to_owned())),
    }
}

fn threshold_from_json(value: &Value) -> Result<pb::UsageThresholdInput, BodyError> {
    let Value::Object(threshold) = value else {
        return Err(BodyError("plan.usage_thresholds must contain objects".to_owned()));
    };
    Ok(pb::UsageThresholdInput {
        amount_cents: integer(threshold, "amount_cents", "usage_threshold")?,
        threshold_display_name: nullable_string(threshold, "threshold_display_name", "usage_threshold")?
            .flatten(),
        recurring: boolean(threshold, "recurring"),
    })
}

fn interval_from_name(name: &str) -> Option<pb::PlanInterval> {
    match name {
        "weekly" => Some(pb::PlanInterval::Weekly),
        "monthly" => Some(pb::PlanInterval::Monthly),
        "yearly" => Some(pb::PlanInterval::Yearly),
        "quarterly" => Some(pb::PlanInterval::Quarterly),
        "semiannual" => Some(pb::PlanInterval::Semiannual),
        _ => None,
    }
}

fn interval_name(interval: pb::PlanInterval) -> &'static str {
    match interval {
        pb::PlanInterval::Weekly => "weekly",
        pb::PlanInterval::Monthly | pb::PlanInterval::Unspecified => "monthly",
        pb::PlanInterval::Yearly => "yearly",
        pb::PlanInterval::Quarterly => "quarterly",
        pb::PlanInterval::Semiannual => "semiannual",
    }
}

/// Which of Lago's plan renderings: show/create/update/delete include `fixed_charges`; the list
/// does not; the plan embedded in a subscription has neither `fixed_charges` nor `entitlements`.
/// A plan's own webhook has no `fixed_charges` and no `applicable_usage_thresholds`, and its
/// entitlements except in `plan.deleted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlanView {
    Single,
    ListItem,
    InSubscription,
    Webhook { entitlements: bool },
}

/// Lago's plan object, keys in Lago's order.
pub(crate) fn plan_to_json(plan: &pb::Plan, view: PlanView) -> Value {
    let mut object = Map::new();
    let mut put = |key: &str, value: Value| {
        object.insert(key.to_owned(), value);
    };
    put("lago_id", json!(plan.id));
    put("name", json!(plan.name));
    put("invoice_display_name", json!(plan.invoice_display_name));
    put("created_at", timestamp(plan.created_at.as_ref()));
    put("code", json!(plan.code));
    put("interval", json!(interval_name(plan.interval())));
    put("description", json!(plan.description));
    put("amount_cents", json!(plan.amount_cents));
    put("amount_currency", json!(plan.amount_currency));
    put("trial_period", json!(plan.trial_period));
    put("pay_in_advance", json!(plan.pay_in_advance));
    put("bill_charges_monthly", json!(plan.bill_charges_monthly));
    put("bill_fixed_charges_monthly", json!(plan.bill_fixed_charges_monthly));
    // Lago has answered 0 for every counter since 2024 (#2891).
    put("customers_count", json!(0));
    put("active_subscriptions_count", json!(0));
    put("draft_invoices_count", json!(0));
    put("parent_id", Value::Null);
    put("pending_deletion", json!(plan.pending_deletion));
    put("charges", Value::Array(plan.charges.iter().map(charge_to_json).collect()));
    if view == PlanView::Single {
        put("fixed_charges", json!([]));
    }
    if !matches!(view, PlanView::InSubscription | PlanView::Webhook { entitlements: false }) {
        put("entitlements", Value::Array(plan.entitlements.iter().map(plan_entitlement_to_json).collect()));
    }
    let thresholds: Vec<Value> = plan
        .usage_thresholds
        .iter()
        .map(|threshold| {
            json!({
                "lago_id": threshold.id,
                "threshold_display_name": threshold.threshold_display_name,
                "amount_cents": threshold.amount_cents,
                "recurring": threshold.recurring,
                "created_at": timestamp(threshold.created_at.as_ref()),
                "updated_at": timestamp(threshold.updated_at.as_ref()),
            })
        })
        .collect();
    put("usage_thresholds", Value::Array(thresholds));
    if !matches!(view, PlanView::Webhook { .. }) {
        put("applicable_usage_thresholds", applicable_usage_thresholds_to_json(plan));
    }
    put("taxes", Value::Array(plan.taxes.iter().map(embedded_tax_to_json).collect()));
    if let Some(commitment) = &plan.minimum_commitment {
        put(
            "minimum_commitment",
            json!({
                "lago_id": commitment.id,
                "plan_code": plan.code,
                "invoice_display_name": commitment.invoice_display_name,
                "amount_cents": commitment.amount_cents,
                "interval": interval_name(plan.interval()),
                "created_at": timestamp(commitment.created_at.as_ref()),
                "updated_at": timestamp(commitment.updated_at.as_ref()),
                "taxes": commitment.taxes.iter().map(embedded_tax_to_json).collect::<Vec<_>>(),
            }),
        );
    }
    if let Some(metadata) = &plan.metadata {
        let entries: Map<String, Value> =
            metadata.entries.iter().map(|entry| (entry.key.clone(), json!(entry.value))).collect();
        put("metadata", Value::Object(entries));
    }
    Value::Object(object)
}

/// Lago's `applicable_usage_thresholds` of a plan (and of a subscription on it, which has none
/// of its own here).
pub(crate) fn applicable_usage_thresholds_to_json(plan: &pb::Plan) -> Value {
    plan.usage_thresholds
        .iter()
        .map(|threshold| {
            json!({
                "threshold_display_name": threshold.threshold_display_name,
                "amount_cents": threshold.amount_cents,
                "recurring": threshold.recurring,
            })
        })
        .collect()
}
