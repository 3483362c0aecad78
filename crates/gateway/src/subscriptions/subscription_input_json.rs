//! Lago's subscription request JSON -> SubscriptionService messages. Strong parameters keep the
//! fields below; the others (payment methods, activation rules, invoice custom sections, usage
//! thresholds, billing entity ids) are ignored, as out of scope. Ids and names may be numbers or
//! booleans (Rails stores `123` as "123"); objects and arrays where text belongs are dropped, as
//! strong parameters drop them.

use entitlements::v1 as pb;
use serde_json::{Map, Value};

use crate::lago_error::BodyError;
use crate::request_body::root_object;

/// Sent for an enumerated value Lago does not know (the service answers its validation error).
const UNKNOWN_ENUM_VALUE: i32 = -1;

/// `{"subscription": {...}}` of POST /subscriptions; `None` when the root is missing or empty.
pub(super) fn create_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<pb::CreateSubscriptionInput>, BodyError> {
    let Some(subscription) = root_object(body, "subscription")? else { return Ok(None) };
    Ok(Some(pb::CreateSubscriptionInput {
        external_customer_id: text(subscription.get("external_customer_id")),
        plan_code: text(subscription.get("plan_code")),
        external_id: text(subscription.get("external_id")),
        name: text(subscription.get("name")),
        subscription_at: match subscription.get("subscription_at") {
            None | Some(Value::Null) => None,
            Some(value) => Some(date_text(value)),
        },
        ending_at: subscription
            .get("ending_at")
            .map(|value| pb::NullableString { value: (!value.is_null()).then(|| date_text(value)) }),
        billing_time: subscription.get("billing_time").filter(|value| !value.is_null()).map(billing_time),
        billing_entity_code: text(subscription.get("billing_entity_code")),
        plan_overrides: has_plan_overrides(&subscription),
        progressive_billing_disabled: boolean(subscription.get("progressive_billing_disabled")),
        consolidate_invoice: boolean(subscription.get("consolidate_invoice")),
        purchase_order_number: text(subscription.get("purchase_order_number")),
    }))
}

/// `{"subscription": {...}}` of PUT /subscriptions/{external_id}; `None` when the root is
/// missing or empty.
pub(super) fn update_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<pb::UpdateSubscriptionInput>, BodyError> {
    let Some(subscription) = root_object(body, "subscription")? else { return Ok(None) };
    let nullable =
        |key: &str| subscription.get(key).map(|value| pb::NullableString { value: text(Some(value)) });
    Ok(Some(pb::UpdateSubscriptionInput {
        name: nullable("name"),
        // Null is no date: Lago answers `invalid_date`, as for an empty string.
        subscription_at: subscription
            .get("subscription_at")
            .map(|value| if value.is_null() { String::new() } else { date_text(value) }),
        ending_at: subscription
            .get("ending_at")
            .map(|value| pb::NullableString { value: (!value.is_null()).then(|| date_text(value)) }),
        on_termination_credit_note: subscription
            .get("on_termination_credit_note")
            .map(|value| credit_note(value.as_str().or(value.is_null().then_some("")))),
        on_termination_invoice: subscription
            .get("on_termination_invoice")
            .map(|value| invoice(value.as_str().or(value.is_null().then_some("")))),
        progressive_billing_disabled: boolean(subscription.get("progressive_billing_disabled")),
        consolidate_invoice: boolean(subscription.get("consolidate_invoice")),
        purchase_order_number: nullable("purchase_order_number"),
        billing_entity_code: text(subscription.get("billing_entity_code")),
        plan_overrides: has_plan_overrides(&subscription),
    }))
}

/// A credit note choice as written (`None`: not text); blank is UNSPECIFIED (the default).
pub(super) fn credit_note(text: Option<&str>) -> i32 {
    match text.map(str::trim) {
        Some("") => pb::OnTerminationCreditNote::Unspecified.into(),
        Some("credit") => pb::OnTerminationCreditNote::Credit.into(),
        Some("skip") => pb::OnTerminationCreditNote::Skip.into(),
        Some("refund") => pb::OnTerminationCreditNote::Refund.into(),
        Some("offset") => pb::OnTerminationCreditNote::Offset.into(),
        _ => UNKNOWN_ENUM_VALUE,
    }
}

/// An invoice choice as written; blank is UNSPECIFIED (the default).
pub(super) fn invoice(text: Option<&str>) -> i32 {
    match text.map(str::trim) {
        Some("") => pb::OnTerminationInvoice::Unspecified.into(),
        Some("generate") => pb::OnTerminationInvoice::Generate.into(),
        Some("skip") => pb::OnTerminationInvoice::Skip.into(),
        _ => UNKNOWN_ENUM_VALUE,
    }
}

/// Text as Rails permits a scalar: strings, numbers and booleans as written; null, objects and
/// arrays as nothing.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// A date as written; anything but a string becomes text no date matches (`invalid_date`).
fn date_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Blank is UNSPECIFIED (`value_is_mandatory`); anything unknown is `value_is_invalid`.
fn billing_time(value: &Value) -> i32 {
    match value.as_str().map(str::trim) {
        Some("") => pb::BillingTime::Unspecified.into(),
        Some("calendar") => pb::BillingTime::Calendar.into(),
        Some("anniversary") => pb::BillingTime::Anniversary.into(),
        _ => UNKNOWN_ENUM_VALUE,
    }
}

/// A boolean as Rails casts one: JSON booleans, and the strings and numbers it knows.
fn boolean(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.as_str() {
            "" => None,
            "0" | "f" | "F" | "false" | "FALSE" | "off" | "OFF" => Some(false),
            _ => Some(true),
        },
        Value::Number(number) => Some(number.as_f64() != Some(0.0)),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn has_plan_overrides(subscription: &Map<String, Value>) -> bool {
    subscription.get("plan_overrides").is_some_and(|value| !value.is_null())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(object) => object,
            _ => Map::new(),
        }
    }

    #[test]
    fn ids_and_names_are_stringified_and_dates_kept_as_written() {
        let input = create_input_from_json(body(json!({"subscription": {
            "external_customer_id": 123, "plan_code": "p", "external_id": 789, "name": 456,
            "subscription_at": 20220905, "ending_at": null, "billing_time": "", "plan_overrides": {}
        }})))
        .expect("readable")
        .expect("a subscription");
        assert_eq!(input.external_customer_id.as_deref(), Some("123"));
        assert_eq!((input.external_id.as_deref(), input.name.as_deref()), (Some("789"), Some("456")));
        assert_eq!(input.subscription_at.as_deref(), Some("20220905"));
        assert_eq!(input.ending_at, Some(pb::NullableString { value: None }));
        assert_eq!(input.billing_time, Some(0));
        assert!(input.plan_overrides);
        assert_eq!(create_input_from_json(body(json!({"subscription": {}}))).expect("readable"), None);
        assert!(create_input_from_json(body(json!({"subscription": "x"}))).is_err());
    }

    #[test]
    fn update_fields_keep_their_presence() {
        let input = update_input_from_json(body(json!({"subscription": {
            "name": null, "subscription_at": null, "on_termination_invoice": "nope",
            "on_termination_credit_note": null, "consolidate_invoice": "false"
        }})))
        .expect("readable")
        .expect("a subscription");
        assert_eq!(input.name, Some(pb::NullableString { value: None }));
        assert_eq!(input.subscription_at.as_deref(), Some(""));
        assert_eq!((input.on_termination_invoice, input.on_termination_credit_note), (Some(-1), Some(0)));
        assert_eq!((input.consolidate_invoice, input.ending_at), (Some(false), None));
    }
}
