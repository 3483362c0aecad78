//! Charge properties and filters as stored: Lago's JSON shapes, so that a stored charge reads
//! back exactly as it was sent. Bounds are JSON numbers (their decimal text), amounts strings.

use entitlements_domain::{
    ChargeFilter, ChargeModel, ChargeProperties, Error, ModelProperties, PercentageRange,
    PresentationGroupKey, PriceRange,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::db::error::StoreError;

/// Properties -> stored JSON, keys in Lago's order, absent fields left out.
pub(crate) fn properties_to_json(properties: &ChargeProperties) -> Value {
    let mut object = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            object.insert(key.to_owned(), value);
        }
    };
    let text = |value: &Option<String>| value.clone().map(Value::String);
    let integer = |value: &Option<i64>| value.map(Value::from);
    match &properties.model {
        ModelProperties::Standard { amount } => put("amount", text(amount)),
        ModelProperties::Graduated { graduated_ranges } => {
            put("graduated_ranges", graduated_ranges.as_ref().map(|ranges| price_ranges_to_json(ranges)));
        }
        ModelProperties::Volume { volume_ranges } => {
            put("volume_ranges", volume_ranges.as_ref().map(|ranges| price_ranges_to_json(ranges)));
        }
        ModelProperties::Package { amount, free_units, package_size } => {
            put("amount", text(amount));
            put("free_units", integer(free_units));
            put("package_size", integer(package_size));
        }
        ModelProperties::Percentage {
            rate,
            fixed_amount,
            free_units_per_events,
            free_units_per_total_aggregation,
            per_transaction_max_amount,
            per_transaction_min_amount,
        } => {
            put("rate", text(rate));
            put("fixed_amount", text(fixed_amount));
            put("free_units_per_events", integer(free_units_per_events));
            put("free_units_per_total_aggregation", text(free_units_per_total_aggregation));
            put("per_transaction_max_amount", text(per_transaction_max_amount));
            put("per_transaction_min_amount", text(per_transaction_min_amount));
        }
        ModelProperties::GraduatedPercentage { graduated_percentage_ranges } => put(
            "graduated_percentage_ranges",
            graduated_percentage_ranges.as_ref().map(|ranges| {
                Value::Array(
                    ranges
                        .iter()
                        .map(|range| {
                            json!({
                                "from_value": bound_to_json(&range.from_value),
                                "to_value": bound_to_json(&range.to_value),
                                "rate": range.rate,
                                "fixed_amount": range.fixed_amount,
                                "flat_amount": range.flat_amount,
                            })
                        })
                        .collect(),
                )
            }),
        ),
        ModelProperties::Custom { custom_properties } => put(
            "custom_properties",
            custom_properties.as_deref().and_then(|text| serde_json::from_str(text).ok()),
        ),
        ModelProperties::Dynamic => {}
    }
    put("pricing_group_keys", properties.pricing_group_keys.as_ref().map(|keys| json!(keys)));
    put(
        "presentation_group_keys",
        properties.presentation_group_keys.as_ref().map(|keys| {
            Value::Array(
                keys.iter()
                    .map(|key| match key.display_in_invoice {
                        Some(display) => {
                            json!({ "value": key.value, "options": { "display_in_invoice": display } })
                        }
                        None => json!({ "value": key.value }),
                    })
                    .collect(),
            )
        }),
    );
    Value::Object(object)
}

fn price_ranges_to_json(ranges: &[PriceRange]) -> Value {
    Value::Array(
        ranges
            .iter()
            .map(|range| {
                json!({
                    "from_value": bound_to_json(&range.from_value),
                    "to_value": bound_to_json(&range.to_value),
                    "flat_amount": range.flat_amount,
                    "per_unit_amount": range.per_unit_amount,
                })
            })
            .collect(),
    )
}

/// A bound's decimal text as the JSON number it was sent as.
fn bound_to_json(bound: &Option<String>) -> Value {
    match bound {
        None => Value::Null,
        Some(text) => serde_json::from_str::<serde_json::Number>(text)
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(text.clone())),
    }
}

fn bound_from_json(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => Some(text.clone()),
        _ => None,
    }
}

fn text_from_json(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Stored JSON -> properties of `charge_model`.
pub(crate) fn properties_from_json(
    charge_model: ChargeModel,
    value: &Value,
) -> Result<ChargeProperties, StoreError> {
    let object =
        value.as_object().ok_or_else(|| Error::Internal("charge properties are not an object".to_owned()))?;
    let integer = |key: &str| object.get(key).and_then(Value::as_i64);
    let text = |key: &str| text_from_json(object, key);
    let model = match charge_model {
        ChargeModel::Standard => ModelProperties::Standard { amount: text("amount") },
        ChargeModel::Graduated => ModelProperties::Graduated {
            graduated_ranges: price_ranges_from_json(object.get("graduated_ranges")),
        },
        ChargeModel::Volume => {
            ModelProperties::Volume { volume_ranges: price_ranges_from_json(object.get("volume_ranges")) }
        }
        ChargeModel::Package => ModelProperties::Package {
            amount: text("amount"),
            free_units: integer("free_units"),
            package_size: integer("package_size"),
        },
        ChargeModel::Percentage => ModelProperties::Percentage {
            rate: text("rate"),
            fixed_amount: text("fixed_amount"),
            free_units_per_events: integer("free_units_per_events"),
            free_units_per_total_aggregation: text("free_units_per_total_aggregation"),
            per_transaction_max_amount: text("per_transaction_max_amount"),
            per_transaction_min_amount: text("per_transaction_min_amount"),
        },
        ChargeModel::GraduatedPercentage => ModelProperties::GraduatedPercentage {
            graduated_percentage_ranges: object
                .get("graduated_percentage_ranges")
                .and_then(Value::as_array)
                .map(|ranges| {
                    ranges
                        .iter()
                        .filter_map(Value::as_object)
                        .map(|range| PercentageRange {
                            from_value: bound_from_json(range.get("from_value")),
                            to_value: bound_from_json(range.get("to_value")),
                            rate: text_from_json(range, "rate"),
                            fixed_amount: text_from_json(range, "fixed_amount"),
                            flat_amount: text_from_json(range, "flat_amount"),
                        })
                        .collect()
                }),
        },
        ChargeModel::Custom => ModelProperties::Custom {
            custom_properties: object.get("custom_properties").map(Value::to_string),
        },
        ChargeModel::Dynamic => ModelProperties::Dynamic,
    };
    let pricing_group_keys = object
        .get("pricing_group_keys")
        .and_then(Value::as_array)
        .map(|keys| keys.iter().filter_map(Value::as_str).map(str::to_owned).collect());
    let presentation_group_keys =
        object.get("presentation_group_keys").and_then(Value::as_array).map(|keys| {
            keys.iter()
                .filter_map(Value::as_object)
                .map(|key| PresentationGroupKey {
                    value: text_from_json(key, "value").unwrap_or_default(),
                    display_in_invoice: key
                        .get("options")
                        .and_then(|options| options.get("display_in_invoice"))
                        .and_then(Value::as_bool),
                })
                .collect()
        });
    Ok(ChargeProperties { model, pricing_group_keys, presentation_group_keys })
}

fn price_ranges_from_json(value: Option<&Value>) -> Option<Vec<PriceRange>> {
    value.and_then(Value::as_array).map(|ranges| {
        ranges
            .iter()
            .filter_map(Value::as_object)
            .map(|range| PriceRange {
                from_value: bound_from_json(range.get("from_value")),
                to_value: bound_from_json(range.get("to_value")),
                per_unit_amount: text_from_json(range, "per_unit_amount"),
                flat_amount: text_from_json(range, "flat_amount"),
            })
            .collect()
    })
}

/// Filters -> stored JSON array, each with its id. Values are `[key, [values]]` pairs rather than
/// an object, because PostgreSQL's `jsonb` would reorder the keys the client gave.
pub(crate) fn filters_to_json(filters: &[ChargeFilter], ids: &[Uuid]) -> Value {
    Value::Array(
        filters
            .iter()
            .zip(ids)
            .map(|(filter, id)| {
                let values: Vec<Value> =
                    filter.values.iter().map(|(key, values)| json!([key, values])).collect();
                json!({
                    "id": id,
                    "invoice_display_name": filter.invoice_display_name,
                    "properties": properties_to_json(&filter.properties),
                    "values": values,
                })
            })
            .collect(),
    )
}

/// Stored JSON array -> filters and their ids.
pub(crate) fn filters_from_json(
    charge_model: ChargeModel,
    value: &Value,
) -> Result<(Vec<ChargeFilter>, Vec<Uuid>), StoreError> {
    let corrupt = || Error::Internal("charge filters are not stored as expected".to_owned());
    let mut filters = Vec::new();
    let mut ids = Vec::new();
    for filter in value.as_array().ok_or_else(corrupt)? {
        let id = filter
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(corrupt)?;
        let values = filter
            .get("values")
            .and_then(Value::as_array)
            .ok_or_else(corrupt)?
            .iter()
            .map(|pair| {
                let key = pair.get(0).and_then(Value::as_str).ok_or_else(corrupt)?;
                let values = pair.get(1).and_then(Value::as_array).ok_or_else(corrupt)?;
                Ok((key.to_owned(), values.iter().filter_map(Value::as_str).map(str::to_owned).collect()))
            })
            .collect::<Result<_, StoreError>>()?;
        filters.push(ChargeFilter {
            invoice_display_name: filter
                .get("invoice_display_name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            properties: properties_from_json(charge_model, filter.get("properties").ok_or_else(corrupt)?)?,
            values,
        });
        ids.push(id);
    }
    Ok((filters, ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_round_trip_for_every_model() {
        for model in ChargeModel::ALL {
            let mut properties = ChargeProperties::defaults(model);
            properties.pricing_group_keys = Some(vec!["region".to_owned()]);
            let stored = properties_to_json(&properties);
            assert_eq!(properties_from_json(model, &stored).expect("readable"), properties, "{model:?}");
        }
    }

    #[test]
    fn filter_values_keep_the_clients_key_order() {
        let filter = ChargeFilter {
            invoice_display_name: None,
            properties: ChargeProperties::defaults(ChargeModel::Standard),
            values: vec![("region".into(), vec!["eu".into()]), ("method".into(), vec!["get".into()])],
        };
        let id = Uuid::now_v7();
        let stored = filters_to_json(std::slice::from_ref(&filter), &[id]);
        assert_eq!(stored[0]["values"], json!([["region", ["eu"]], ["method", ["get"]]]));
        assert_eq!(
            filters_from_json(ChargeModel::Standard, &stored).expect("readable"),
            (vec![filter], vec![id])
        );
    }

    #[test]
    fn bounds_are_json_numbers() {
        let stored = properties_to_json(&ChargeProperties::defaults(ChargeModel::Graduated));
        assert_eq!(
            stored,
            json!({"graduated_ranges": [{"from_value": 0, "to_value": null, "flat_amount": "0", "per_unit_amount": "0"}]})
        );
    }
}
