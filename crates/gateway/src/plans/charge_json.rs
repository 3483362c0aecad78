//! Lago's charge JSON <-> charge messages. Properties are "sliced" here to the charge model's
//! keys, as Lago's strong parameters and `FilterPropertiesService` do. A value of the wrong JSON
//! type (a number where Lago wants a decimal string, `"10"` for `package_size`) is sent as a
//! typed value that fails the same validator, so the service reports Lago's code in Lago's order.

use entitlements::v1 as pb;
use entitlements::v1::charge_properties::Model;
use serde_json::{Map, Value, json};

use crate::lago_error::BodyError;
use crate::lago_json::timestamp;
use crate::protobuf_json::{json_to_struct, struct_to_json};
use crate::request_body::{nullable_string, tax_code_list};
use crate::tax_json::embedded_tax_to_json;
use crate::update_mask::MaskPaths;

/// A decimal string that no validator accepts, sent for an amount of the wrong JSON type.
const INVALID_AMOUNT: &str = "";
/// Sent for a charge model Lago does not know (the service answers `value_is_invalid`).
const UNKNOWN_CHARGE_MODEL: i32 = -1;

/// A charge with the update mask of Lago's charge update: the display name, `min_amount_cents` and
/// the properties are always written (Lago resets them when absent); the other keys only when
/// given, and not null (except `regroup_paid_fees`, whose null clears it).
pub(super) fn charge_input_from_json(value: &Value) -> Result<pb::ChargeInput, BodyError> {
    let Value::Object(charge) = value else {
        return Err(BodyError("plan.charges must contain objects".to_owned()));
    };
    let string = |key: &str| nullable_string(charge, key, "charge").map(Option::flatten);
    let given = |value: Option<String>| value.map(Some);
    let charge_model_name = charge.get("charge_model").and_then(Value::as_str);
    let charge_model = match charge.get("charge_model") {
        None | Some(Value::Null) => None,
        Some(_) => Some(Some(
            charge_model_name.and_then(charge_model_from_name).map_or(UNKNOWN_CHARGE_MODEL, i32::from),
        )),
    };
    let model = charge_model_name.and_then(charge_model_from_name);
    let mut mask = MaskPaths::default();
    Ok(pb::ChargeInput {
        id: string("id")?,
        code: mask.field("code", given(string("code")?)),
        invoice_display_name: mask.field("invoice_display_name", Some(string("invoice_display_name")?)),
        billable_metric_id: mask.field("billable_metric_id", given(string("billable_metric_id")?)),
        billable_metric_code: mask.field("billable_metric_code", given(string("billable_metric_code")?)),
        charge_model: mask.field("charge_model", charge_model),
        pay_in_advance: mask.field("pay_in_advance", boolean(charge, "pay_in_advance").map(Some)),
        prorated: mask.field("prorated", boolean(charge, "prorated").map(Some)),
        invoiceable: mask.field("invoiceable", boolean(charge, "invoiceable").map(Some)),
        // Rails' enum reads a blank string as nil; the service does too.
        regroup_paid_fees: mask.field(
            "regroup_paid_fees",
            charge.get("regroup_paid_fees").map(|value| match value {
                Value::Null => None,
                Value::String(text) => Some(text.clone()),
                other => Some(other.to_string()),
            }),
        ),
        min_amount_cents: mask.field(
            "min_amount_cents",
            Some(match charge.get("min_amount_cents") {
                None | Some(Value::Null) => None,
                Some(value) => Some(
                    value
                        .as_i64()
                        .ok_or_else(|| BodyError("charge.min_amount_cents must be an integer".to_owned()))?,
                ),
            }),
        ),
        properties: mask.field("properties", Some(properties_from_json(charge.get("properties"), model))),
        filters: mask.list(
            "filters",
            match charge.get("filters") {
                None | Some(Value::Null) => None,
                Some(Value::Array(filters)) => Some(
                    filters.iter().map(|filter| filter_from_json(filter, model)).collect::<Result<_, _>>()?,
                ),
                Some(_) => return Err(BodyError("charge.filters must be an array".to_owned())),
            },
        ),
        tax_codes: mask.list("tax_codes", tax_code_list(charge.get("tax_codes"), "charge")?),
        update_mask: Some(mask.into_field_mask()),
    })
}

/// `true`/`false`, or Rails' boolean strings; anything else counts as not given.
fn boolean(object: &Map<String, Value>, key: &str) -> Option<bool> {
    match object.get(key)? {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) if text == "true" => Some(true),
        Value::String(text) if text == "false" => Some(false),
        _ => None,
    }
}

fn filter_from_json(
    value: &Value,
    model: Option<pb::ChargeModel>,
) -> Result<pb::ChargeFilterInput, BodyError> {
    let Value::Object(filter) = value else {
        return Err(BodyError("charge.filters must contain objects".to_owned()));
    };
    let values = match filter.get("values") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(values)) => values
            .iter()
            .map(|(key, values)| pb::ChargeFilterValues {
                key: key.clone(),
                values: match values {
                    Value::Array(values) => values
                        .iter()
                        .map(|value| value.as_str().map_or_else(|| value.to_string(), str::to_owned))
                        .collect(),
                    Value::String(value) => vec![value.clone()],
                    _ => Vec::new(),
                },
            })
            .collect(),
        Some(_) => return Err(BodyError("charge filter values must be an object".to_owned())),
    };
    Ok(pb::ChargeFilterInput {
        invoice_display_name: nullable_string(filter, "invoice_display_name", "filter")?.flatten(),
        properties: properties_from_json(filter.get("properties"), model),
        values,
    })
}

fn charge_model_from_name(name: &str) -> Option<pb::ChargeModel> {
    match name {
        "standard" => Some(pb::ChargeModel::Standard),
        "graduated" => Some(pb::ChargeModel::Graduated),
        "package" => Some(pb::ChargeModel::Package),
        "percentage" => Some(pb::ChargeModel::Percentage),
        "volume" => Some(pb::ChargeModel::Volume),
        "graduated_percentage" => Some(pb::ChargeModel::GraduatedPercentage),
        "custom" => Some(pb::ChargeModel::Custom),
        "dynamic" => Some(pb::ChargeModel::Dynamic),
        _ => None,
    }
}

fn charge_model_name(model: pb::ChargeModel) -> &'static str {
    match model {
        pb::ChargeModel::Standard | pb::ChargeModel::Unspecified => "standard",
        pb::ChargeModel::Graduated => "graduated",
        pb::ChargeModel::Package => "package",
        pb::ChargeModel::Percentage => "percentage",
        pb::ChargeModel::Volume => "volume",
        pb::ChargeModel::GraduatedPercentage => "graduated_percentage",
        pb::ChargeModel::Custom => "custom",
        pb::ChargeModel::Dynamic => "dynamic",
    }
}

/// Properties sliced to `model`; `None` for absent, non-object or empty properties (defaults).
fn properties_from_json(
    value: Option<&Value>,
    model: Option<pb::ChargeModel>,
) -> Option<pb::ChargeProperties> {
    let Some(Value::Object(properties)) = value else { return None };
    if properties.is_empty() {
        return None;
    }
    let amount = |key: &str| match properties.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => Some(INVALID_AMOUNT.to_owned()),
    };
    // A non-integer where Lago wants a JSON integer: the nearest value its validator rejects.
    let integer = |key: &str, invalid: i64| match properties.get(key) {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_i64().filter(|_| value.is_i64() || value.is_u64()).unwrap_or(invalid)),
    };
    let model = model.map(|model| match model {
        pb::ChargeModel::Standard | pb::ChargeModel::Unspecified => {
            Model::Standard(pb::StandardProperties { amount: amount("amount") })
        }
        pb::ChargeModel::Graduated => Model::Graduated(pb::GraduatedProperties {
            graduated_ranges: price_ranges(properties.get("graduated_ranges")),
        }),
        pb::ChargeModel::Volume => Model::Volume(pb::VolumeProperties {
            volume_ranges: price_ranges(properties.get("volume_ranges")),
        }),
        pb::ChargeModel::Package => Model::Package(pb::PackageProperties {
            amount: amount("amount"),
            free_units: integer("free_units", -1),
            package_size: integer("package_size", 0),
        }),
        pb::ChargeModel::Percentage => Model::Percentage(pb::PercentageProperties {
            rate: amount("rate"),
            fixed_amount: amount("fixed_amount"),
            free_units_per_events: integer("free_units_per_events", 0),
            free_units_per_total_aggregation: amount("free_units_per_total_aggregation"),
            per_transaction_max_amount: amount("per_transaction_max_amount"),
            per_transaction_min_amount: amount("per_transaction_min_amount"),
        }),
        pb::ChargeModel::GraduatedPercentage => {
            Model::GraduatedPercentage(pb::GraduatedPercentageProperties {
                graduated_percentage_ranges: objects(properties.get("graduated_percentage_ranges"))
                    .map(|range| pb::PercentageRange {
                        from_value: bound(range.get("from_value")),
                        to_value: bound(range.get("to_value")),
                        rate: range_amount(range, "rate"),
                        fixed_amount: range_amount(range, "fixed_amount"),
                        flat_amount: range_amount(range, "flat_amount"),
                    })
                    .collect(),
            })
        }
        pb::ChargeModel::Custom => Model::Custom(pb::CustomProperties {
            custom_properties: match properties.get("custom_properties") {
                Some(Value::Object(object)) => Some(json_to_struct(object)),
                // Lago parses a JSON string into an object.
                Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(object)) => Some(json_to_struct(&object)),
                    _ => None,
                },
                _ => None,
            },
        }),
        pb::ChargeModel::Dynamic => Model::Dynamic(pb::DynamicProperties {}),
    });
    let pricing_group_keys = properties.get("pricing_group_keys").or_else(|| properties.get("grouped_by"));
    let presentation_group_keys = properties.get("presentation_group_keys");
    Some(pb::ChargeProperties {
        model,
        has_pricing_group_keys: pricing_group_keys.is_some_and(|keys| !keys.is_null()),
        pricing_group_keys: match pricing_group_keys {
            Some(Value::Array(keys)) => {
                keys.iter().map(|key| key.as_str().unwrap_or_default().to_owned()).collect()
            }
            // Not a list: a key no validator accepts.
            Some(Value::Null) | None => Vec::new(),
            Some(_) => vec![String::new()],
        },
        has_presentation_group_keys: presentation_group_keys.is_some_and(|keys| !keys.is_null()),
        presentation_group_keys: match presentation_group_keys {
            Some(Value::Array(keys)) => keys.iter().map(presentation_key).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(_) => vec![pb::PresentationGroupKey { value: String::new(), display_in_invoice: None }],
        },
    })
}

/// A presentation key of exactly `{"value": "...", "options": {"display_in_invoice": bool}}`;
/// any other shape becomes an empty value, which is `invalid_type`.
fn presentation_key(value: &Value) -> pb::PresentationGroupKey {
    let invalid = pb::PresentationGroupKey { value: String::new(), display_in_invoice: None };
    let Value::Object(key) = value else { return invalid };
    let Some(Value::String(text)) = key.get("value") else { return invalid };
    let display_in_invoice = match key.get("options") {
        None => None,
        Some(Value::Object(options)) if options.len() == 1 => match options.get("display_in_invoice") {
            Some(Value::Bool(display)) => Some(*display),
            _ => return invalid,
        },
        Some(_) => return invalid,
    };
    if key.keys().any(|name| name != "value" && name != "options") {
        return invalid;
    }
    pb::PresentationGroupKey { value: text.clone(), display_in_invoice }
}

fn objects(value: Option<&Value>) -> impl Iterator<Item = &Map<String, Value>> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
}

fn price_ranges(value: Option<&Value>) -> Vec<pb::PriceRange> {
    objects(value)
        .map(|range| pb::PriceRange {
            from_value: bound(range.get("from_value")),
            to_value: bound(range.get("to_value")),
            per_unit_amount: range_amount(range, "per_unit_amount"),
            flat_amount: range_amount(range, "flat_amount"),
        })
        .collect()
}

fn range_amount(range: &Map<String, Value>, key: &str) -> Option<String> {
    match range.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => Some(INVALID_AMOUNT.to_owned()),
    }
}

/// A bound's decimal text: JSON numbers as written, strings as sent (Lago reads both).
fn bound(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => Some(text.clone()),
        _ => None,
    }
}

/// Lago's charge object.
pub(super) fn charge_to_json(charge: &pb::Charge) -> Value {
    json!({
        "lago_id": charge.id,
        "lago_billable_metric_id": charge.billable_metric_id,
        "code": charge.code,
        "invoice_display_name": charge.invoice_display_name,
        "billable_metric_code": charge.billable_metric_code,
        "created_at": timestamp(charge.created_at.as_ref()),
        "charge_model": charge_model_name(charge.charge_model()),
        "invoiceable": charge.invoiceable,
        "regroup_paid_fees": charge.regroup_paid_fees,
        "pay_in_advance": charge.pay_in_advance,
        "prorated": charge.prorated,
        "min_amount_cents": charge.min_amount_cents,
        "accepts_target_wallet": charge.accepts_target_wallet,
        "properties": properties_to_json(charge.properties.as_ref()),
        "applied_pricing_unit": null,
        "lago_parent_id": null,
        "filters": charge.filters.iter().map(|filter| json!({
            "lago_id": filter.id,
            "charge_code": charge.code,
            "invoice_display_name": filter.invoice_display_name,
            "properties": properties_to_json(filter.properties.as_ref()),
            "values": filter.values.iter().map(|values| (values.key.clone(), json!(values.values))).collect::<Map<String, Value>>(),
        })).collect::<Vec<_>>(),
        "taxes": charge.taxes.iter().map(embedded_tax_to_json).collect::<Vec<_>>(),
    })
}

/// Properties as Lago stores and shows them: the model's keys, then the grouping keys.
fn properties_to_json(properties: Option<&pb::ChargeProperties>) -> Value {
    let mut object = Map::new();
    let Some(properties) = properties else { return Value::Object(object) };
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            object.insert(key.to_owned(), value);
        }
    };
    let text = |value: &Option<String>| value.clone().map(Value::String);
    match &properties.model {
        Some(Model::Standard(standard)) => put("amount", text(&standard.amount)),
        Some(Model::Graduated(graduated)) => {
            put("graduated_ranges", Some(price_ranges_to_json(&graduated.graduated_ranges)))
        }
        Some(Model::Volume(volume)) => {
            put("volume_ranges", Some(price_ranges_to_json(&volume.volume_ranges)))
        }
        Some(Model::Package(package)) => {
            put("amount", text(&package.amount));
            put("free_units", package.free_units.map(Value::from));
            put("package_size", package.package_size.map(Value::from));
        }
        Some(Model::Percentage(percentage)) => {
            put("rate", text(&percentage.rate));
            put("fixed_amount", text(&percentage.fixed_amount));
            put("free_units_per_events", percentage.free_units_per_events.map(Value::from));
            put("free_units_per_total_aggregation", text(&percentage.free_units_per_total_aggregation));
            put("per_transaction_max_amount", text(&percentage.per_transaction_max_amount));
            put("per_transaction_min_amount", text(&percentage.per_transaction_min_amount));
        }
        Some(Model::GraduatedPercentage(graduated)) => put(
            "graduated_percentage_ranges",
            Some(Value::Array(
                graduated
                    .graduated_percentage_ranges
                    .iter()
                    .map(|range| {
                        json!({
                            "from_value": bound_to_json(range.from_value.as_deref()),
                            "to_value": bound_to_json(range.to_value.as_deref()),
                            "rate": range.rate,
                            "fixed_amount": range.fixed_amount,
                            "flat_amount": range.flat_amount,
                        })
                    })
                    .collect(),
            )),
        ),
        Some(Model::Custom(custom)) => {
            put("custom_properties", custom.custom_properties.as_ref().map(struct_to_json))
        }
        Some(Model::Dynamic(_)) | None => {}
    }
    if properties.has_pricing_group_keys {
        put("pricing_group_keys", Some(json!(properties.pricing_group_keys)));
    }
    if properties.has_presentation_group_keys {
        put(
            "presentation_group_keys",
            Some(Value::Array(
                properties
                    .presentation_group_keys
                    .iter()
                    .map(|key| match key.display_in_invoice {
                        Some(display) => {
                            json!({ "value": key.value, "options": { "display_in_invoice": display } })
                        }
                        None => json!({ "value": key.value }),
                    })
                    .collect(),
            )),
        );
    }
    Value::Object(object)
}

fn price_ranges_to_json(ranges: &[pb::PriceRange]) -> Value {
    Value::Array(
        ranges
            .iter()
            .map(|range| {
                json!({
                    "from_value": bound_to_json(range.from_value.as_deref()),
                    "to_value": bound_to_json(range.to_value.as_deref()),
                    "flat_amount": range.flat_amount,
                    "per_unit_amount": range.per_unit_amount,
                })
            })
            .collect(),
    )
}

fn bound_to_json(bound: Option<&str>) -> Value {
    match bound {
        None => Value::Null,
        Some(text) => serde_json::from_str::<serde_json::Number>(text)
            .map_or_else(|_| Value::String(text.to_owned()), Value::Number),
    }
}
