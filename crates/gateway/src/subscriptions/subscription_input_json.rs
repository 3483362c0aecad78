//! Lago's subscription request JSON -> SubscriptionService messages. Strong parameters keep the
//! fields below; the others (payment methods, activation rules, invoice custom sections, usage
//! thresholds, billing entity ids) are ignored, as out of scope. Ids and names may be numbers or
//! booleans (Rails stores `123` as "123"); objects and arrays where text belongs are dropped, as
//! strong parameters drop them. Dates are read as Lago reads them (see `datetime_text`); an
//! update's mask lists every key present.

use entitlements::v1 as pb;
use prost_types::{FieldMask, Timestamp};
use serde_json::{Map, Value};

use super::datetime_text::parse_iso8601;
use crate::lago_error::{BodyError, LagoError};
use crate::request_body::root_object;

/// Sent for an enumerated value Lago does not know (the service answers its validation error).
const UNKNOWN_ENUM_VALUE: i32 = -1;

const INVALID_DATE: &str = "invalid_date";
const INVALID_VALUE: &str = "invalid_value";

/// What Lago refuses that the gRPC contract cannot carry, answered by the gateway once the service
/// has made the checks Lago makes before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Lago's 422 on dates it cannot read (with, on an update, the on-termination choices it does
    /// not know, which it reports together): `(field, code)` in Lago's order.
    InvalidDates(Vec<(String, String)>),
    /// Plan overrides: Lago's 403 without a premium licence.
    PlanOverrides,
}

impl Refusal {
    pub(super) fn error(&self) -> LagoError {
        match self {
            Self::InvalidDates(violations) => LagoError::validation(violations),
            Self::PlanOverrides => LagoError::forbidden("feature_unavailable"),
        }
    }
}

/// A request the body asks for, with what the gateway refuses itself.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Parsed<T> {
    pub(super) input: T,
    pub(super) update_mask: FieldMask,
    pub(super) refusal: Option<Refusal>,
}

/// The dates of a body: Timestamps for what Lago reads, the fields it cannot read.
#[derive(Debug, Default)]
struct Dates {
    subscription_at: Option<Timestamp>,
    ending_at: Option<Timestamp>,
    invalid: Vec<&'static str>,
    paths: Vec<String>,
}

impl Dates {
    /// `subscription_at` (`null_is_invalid` on updates, where Lago reads null as no date) and
    /// `ending_at` (null or blank: no end). Lago checks `ending_at` against `subscription_at`, so
    /// an unreadable start makes any end invalid.
    fn read(object: &Map<String, Value>, null_is_invalid: bool) -> Self {
        let mut dates = Self::default();
        let mut start_unreadable = false;
        match object.get("subscription_at") {
            None => {}
            Some(Value::Null) if !null_is_invalid => {}
            Some(value) => {
                dates.paths.push("subscription_at".to_owned());
                match instant(value) {
                    Some(timestamp) => dates.subscription_at = Some(timestamp),
                    None => {
                        dates.invalid.push("subscription_at");
                        start_unreadable = true;
                    }
                }
            }
        }
        let Some(value) = object.get("ending_at") else { return dates };
        let text = (!value.is_null()).then(|| date_text(value)).filter(|text| !text.trim().is_empty());
        match text {
            None => dates.paths.push("ending_at".to_owned()),
            Some(_) if start_unreadable => dates.invalid.push("ending_at"),
            Some(_) => match instant(value) {
                Some(timestamp) => {
                    dates.paths.push("ending_at".to_owned());
                    dates.ending_at = Some(timestamp);
                }
                None => dates.invalid.push("ending_at"),
            },
        }
        dates
    }
}

/// `{"subscription": {...}}` of POST /subscriptions; `None` when the root is missing or empty.
pub(super) fn create_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<Parsed<pb::CreateSubscriptionInput>>, BodyError> {
    let Some(subscription) = root_object(body, "subscription")? else { return Ok(None) };
    let Dates { subscription_at, ending_at, invalid, mut paths } = Dates::read(&subscription, false);
    paths.retain(|path| path == "ending_at");
    let consolidate_invoice = boolean(subscription.get("consolidate_invoice"));
    if consolidate_invoice.is_some() {
        paths.push("consolidate_invoice".to_owned());
    }
    let input = pb::CreateSubscriptionInput {
        external_customer_id: text(subscription.get("external_customer_id")),
        plan_code: text(subscription.get("plan_code")),
        external_id: text(subscription.get("external_id")),
        name: text(subscription.get("name")),
        subscription_at,
        ending_at,
        billing_time: subscription.get("billing_time").filter(|value| !value.is_null()).map(billing_time),
        billing_entity_code: text(subscription.get("billing_entity_code")).unwrap_or_default(),
        progressive_billing_disabled: boolean(subscription.get("progressive_billing_disabled")),
        consolidate_invoice,
        purchase_order_number: text(subscription.get("purchase_order_number")),
    };
    let refusal = refusal(invalid.iter().map(|field| (*field, INVALID_DATE)).collect(), &subscription);
    Ok(Some(Parsed { input, update_mask: FieldMask { paths }, refusal }))
}

/// `{"subscription": {...}}` of PUT /subscriptions/{external_id}, every key present in the mask;
/// `None` when the root is missing or empty.
pub(super) fn update_input_from_json(
    body: Map<String, Value>,
) -> Result<Option<Parsed<pb::UpdateSubscriptionInput>>, BodyError> {
    let Some(subscription) = root_object(body, "subscription")? else { return Ok(None) };
    let Dates { subscription_at, ending_at, invalid, mut paths } = Dates::read(&subscription, true);
    let mut input = pb::UpdateSubscriptionInput {
        subscription_at,
        ending_at,
        billing_entity_code: text(subscription.get("billing_entity_code")).unwrap_or_default(),
        ..pb::UpdateSubscriptionInput::default()
    };
    for (key, slot) in
        [("name", &mut input.name), ("purchase_order_number", &mut input.purchase_order_number)]
    {
        if let Some(value) = subscription.get(key) {
            paths.push(key.to_owned());
            *slot = text(Some(value));
        }
    }
    let mut invalid: Vec<(&str, &str)> = invalid.iter().map(|field| (*field, INVALID_DATE)).collect();
    let choices: [(&str, &mut Option<i32>, ChoiceReader); 2] = [
        ("on_termination_credit_note", &mut input.on_termination_credit_note, credit_note),
        ("on_termination_invoice", &mut input.on_termination_invoice, invoice),
    ];
    for (key, slot, read) in choices {
        let Some(value) = subscription.get(key) else { continue };
        paths.push(key.to_owned());
        let number = read(value.as_str().or(value.is_null().then_some("")));
        if number == UNKNOWN_ENUM_VALUE {
            invalid.push((key, INVALID_VALUE));
        }
        // Blank or null is UNSPECIFIED, which is the same as unset.
        *slot = Some(number).filter(|number| *number != 0);
    }
    for (key, slot) in [
        ("progressive_billing_disabled", &mut input.progressive_billing_disabled),
        ("consolidate_invoice", &mut input.consolidate_invoice),
    ] {
        *slot = boolean(subscription.get(key));
        if slot.is_some() {
            paths.push(key.to_owned());
        }
    }
    // Unknown choices alone are the service's to refuse; with unreadable dates, Lago reports
    // them together.
    let has_invalid_dates = invalid.iter().any(|(_, code)| *code == INVALID_DATE);
    let refusal = refusal(if has_invalid_dates { invalid } else { Vec::new() }, &subscription);
    Ok(Some(Parsed { input, update_mask: FieldMask { paths }, refusal }))
}

/// Reads an on-termination choice as written (`None`: not text) into its enum number.
type ChoiceReader = fn(Option<&str>) -> i32;

/// Unreadable dates first, then plan overrides, as Lago checks them.
fn refusal(invalid: Vec<(&str, &str)>, subscription: &Map<String, Value>) -> Option<Refusal> {
    if !invalid.is_empty() {
        return Some(Refusal::InvalidDates(
            invalid.into_iter().map(|(field, code)| (field.to_owned(), code.to_owned())).collect(),
        ));
    }
    has_plan_overrides(subscription).then_some(Refusal::PlanOverrides)
}

/// Lago's reading of a date value as an instant.
fn instant(value: &Value) -> Option<Timestamp> {
    let instant = parse_iso8601(&date_text(value))?;
    Some(Timestamp {
        seconds: instant.timestamp(),
        nanos: i32::try_from(instant.timestamp_subsec_nanos()).ok()?,
    })
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
    fn ids_and_names_are_stringified_and_dates_read_as_lago_does() {
        let parsed = create_input_from_json(body(json!({"subscription": {
            "external_customer_id": 123, "plan_code": "p", "external_id": 789, "name": 456,
            "subscription_at": "2022-09-05T12:00:00+02:00", "ending_at": null, "billing_time": ""
        }})))
        .expect("readable")
        .expect("a subscription");
        let input = parsed.input;
        assert_eq!(input.external_customer_id.as_deref(), Some("123"));
        assert_eq!((input.external_id.as_deref(), input.name.as_deref()), (Some("789"), Some("456")));
        assert_eq!(input.subscription_at, Some(Timestamp { seconds: 1_662_372_000, nanos: 0 }));
        assert_eq!((input.ending_at, input.billing_time), (None, Some(0)));
        assert_eq!((parsed.update_mask.paths, parsed.refusal), (vec!["ending_at".to_owned()], None));
        assert_eq!(create_input_from_json(body(json!({"subscription": {}}))).expect("readable"), None);
        assert!(create_input_from_json(body(json!({"subscription": "x"}))).is_err());
    }

    #[test]
    fn unreadable_dates_come_before_plan_overrides() {
        let refusal = |subscription: Value| {
            create_input_from_json(body(json!({ "subscription": subscription })))
                .expect("readable")
                .expect("a subscription")
                .refusal
        };
        let dates = |fields: &[&str]| {
            Some(Refusal::InvalidDates(
                fields.iter().map(|field| ((*field).to_owned(), INVALID_DATE.to_owned())).collect(),
            ))
        };
        assert_eq!(
            refusal(json!({"subscription_at": "hello", "ending_at": "2030-01-01", "plan_overrides": {}})),
            dates(&["subscription_at", "ending_at"])
        );
        assert_eq!(refusal(json!({"subscription_at": 20260620})), dates(&["subscription_at"]));
        assert_eq!(
            refusal(json!({"ending_at": "soon", "subscription_at": "2030-01-01"})),
            dates(&["ending_at"])
        );
        assert_eq!(
            refusal(json!({"ending_at": " ", "plan_overrides": {"a": 1}})),
            Some(Refusal::PlanOverrides)
        );
        assert_eq!(refusal(json!({"plan_overrides": null})), None);
    }

    #[test]
    fn update_fields_keep_their_presence() {
        let parsed = update_input_from_json(body(json!({"subscription": {
            "name": null, "on_termination_credit_note": null, "consolidate_invoice": "false", "ending_at": ""
        }})))
        .expect("readable")
        .expect("a subscription");
        assert_eq!(parsed.input.name, None);
        assert_eq!(
            (parsed.input.on_termination_credit_note, parsed.input.consolidate_invoice),
            (None, Some(false))
        );
        assert_eq!(
            parsed.update_mask.paths,
            ["ending_at", "name", "on_termination_credit_note", "consolidate_invoice"]
        );
        assert_eq!(parsed.refusal, None);
        let invalid = update_input_from_json(body(json!({"subscription": {
            "subscription_at": null, "on_termination_invoice": "nope", "plan_overrides": {}
        }})))
        .expect("readable")
        .expect("a subscription");
        assert_eq!(
            invalid.refusal,
            Some(Refusal::InvalidDates(vec![
                ("subscription_at".to_owned(), INVALID_DATE.to_owned()),
                ("on_termination_invoice".to_owned(), INVALID_VALUE.to_owned()),
            ]))
        );
        assert_eq!(invalid.input.on_termination_invoice, Some(UNKNOWN_ENUM_VALUE));
    }
}
