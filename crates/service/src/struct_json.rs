//! `google.protobuf.Struct` <-> JSON text, for the free-form custom properties of charges.

use prost_types::value::Kind;
use prost_types::{ListValue, Struct, Value};
use serde_json::{Map, Number, Value as Json};

/// A Struct as JSON object text.
pub(crate) fn struct_to_json_text(value: &Struct) -> String {
    Json::Object(struct_to_json(value)).to_string()
}

/// JSON object text as a Struct; `None` when the text is not a JSON object.
pub(crate) fn json_text_to_struct(text: &str) -> Option<Struct> {
    match serde_json::from_str::<Json>(text).ok()? {
        Json::Object(object) => Some(json_to_struct(&object)),
        _ => None,
    }
}

fn struct_to_json(value: &Struct) -> Map<String, Json> {
    value.fields.iter().map(|(key, value)| (key.clone(), value_to_json(value))).collect()
}

fn value_to_json(value: &Value) -> Json {
    match &value.kind {
        None | Some(Kind::NullValue(_)) => Json::Null,
        Some(Kind::NumberValue(number)) => Number::from_f64(*number).map_or(Json::Null, Json::Number),
        Some(Kind::StringValue(text)) => Json::String(text.clone()),
        Some(Kind::BoolValue(flag)) => Json::Bool(*flag),
        Some(Kind::StructValue(object)) => Json::Object(struct_to_json(object)),
        Some(Kind::ListValue(list)) => Json::Array(list.values.iter().map(value_to_json).collect()),
    }
}

fn json_to_struct(object: &Map<String, Json>) -> Struct {
    Struct { fields: object.iter().map(|(key, value)| (key.clone(), json_to_value(value))).collect() }
}

fn json_to_value(value: &Json) -> Value {
    let kind = match value {
        Json::Null => Kind::NullValue(0),
        Json::Bool(flag) => Kind::BoolValue(*flag),
        Json::Number(number) => Kind::NumberValue(number.as_f64().unwrap_or_default()),
        Json::String(text) => Kind::StringValue(text.clone()),
        Json::Array(values) => {
            Kind::ListValue(ListValue { values: values.iter().map(json_to_value).collect() })
        }
        Json::Object(object) => Kind::StructValue(json_to_struct(object)),
    };
    Value { kind: Some(kind) }
}
