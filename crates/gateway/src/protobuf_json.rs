//! JSON <-> `google.protobuf.Struct` and `Value`, for the free-form parts of Lago's JSON (charge
//! custom properties, privilege values of no privilege type).

use prost_types::value::Kind;
use serde_json::{Map, Value};

pub(crate) fn json_to_value(json: &Value) -> prost_types::Value {
    let kind = match json {
        Value::Null => Kind::NullValue(0),
        Value::Bool(flag) => Kind::BoolValue(*flag),
        Value::Number(number) => Kind::NumberValue(number.as_f64().unwrap_or_default()),
        Value::String(text) => Kind::StringValue(text.clone()),
        Value::Array(values) => {
            Kind::ListValue(prost_types::ListValue { values: values.iter().map(json_to_value).collect() })
        }
        Value::Object(object) => Kind::StructValue(json_to_struct(object)),
    };
    prost_types::Value { kind: Some(kind) }
}

pub(crate) fn json_to_struct(object: &Map<String, Value>) -> prost_types::Struct {
    prost_types::Struct {
        fields: object.iter().map(|(key, json)| (key.clone(), json_to_value(json))).collect(),
    }
}

pub(crate) fn struct_to_json(object: &prost_types::Struct) -> Value {
    Value::Object(object.fields.iter().map(|(key, field)| (key.clone(), value_to_json(field))).collect())
}

fn value_to_json(field: &prost_types::Value) -> Value {
    match &field.kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::BoolValue(flag)) => Value::Bool(*flag),
        Some(Kind::NumberValue(number)) => {
            serde_json::Number::from_f64(*number).map_or(Value::Null, Value::Number)
        }
        Some(Kind::StringValue(text)) => Value::String(text.clone()),
        Some(Kind::ListValue(list)) => Value::Array(list.values.iter().map(value_to_json).collect()),
        Some(Kind::StructValue(object)) => struct_to_json(object),
    }
}
