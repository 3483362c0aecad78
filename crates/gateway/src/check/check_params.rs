//! A check's parameters, from a query string (`GET /v1/check`) or from a JSON item
//! (`POST /v1/check/bulk`), with the same names in both: the CheckRequest's fields, and one key
//! per requirement kind (`integer_at_least=5`, `select_one_of=a&select_one_of=b`). Parameters the
//! gateway cannot read (an unknown name, a value of the wrong kind, two requirements) make the
//! request malformed: a misspelled requirement must never be ignored, or the check would answer
//! "allowed" without it.

use entitlements::v1 as pb;
use entitlements::v1::value_requirement::Kind;
use serde_json::Value;

use crate::subscription_status::lookup_status;

/// One parameter's value as sent.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Text(&'a str),
    Json(&'a Value),
}

/// A check request from query-string pairs.
///
/// # Errors
/// The message of the 400 for the first parameter the gateway cannot read.
pub(crate) fn check_request_from_query(pairs: &[(String, String)]) -> Result<pb::CheckRequest, String> {
    let mut builder = CheckRequestBuilder::new(String::new());
    for (key, value) in pairs {
        builder.set(key, Param::Text(value))?;
    }
    Ok(builder.finish())
}

/// A check request from a JSON item at `path` (`items[3]`); null values count as absent.
///
/// # Errors
/// The message of the 400 for the first key the gateway cannot read.
pub(crate) fn check_request_from_json(item: &Value, path: &str) -> Result<pb::CheckRequest, String> {
    let Value::Object(object) = item else {
        return Err(format!("{path} must be a JSON object"));
    };
    let mut builder = CheckRequestBuilder::new(format!("{path}."));
    for (key, value) in object.iter().filter(|(_, value)| !value.is_null()) {
        builder.set(key, Param::Json(value))?;
    }
    Ok(builder.finish())
}

/// A `min_revision`: a non-negative integer (JSON) or its decimal text.
///
/// # Errors
/// The 400's message when it is neither.
pub(crate) fn revision(param: Param<'_>, name: &str) -> Result<u64, String> {
    match param {
        Param::Text(text) => text.parse().ok(),
        Param::Json(value) => value.as_u64(),
    }
    .ok_or_else(|| format!("{name} must be a non-negative integer"))
}

struct CheckRequestBuilder {
    /// Where the parameters sit, for messages: empty, or `items[3].`.
    prefix: String,
    request: pb::CheckRequest,
    given: Vec<String>,
    /// The requirement's key and kind; select options accumulate over repeated keys.
    requirement: Option<(&'static str, Kind)>,
}

impl CheckRequestBuilder {
    fn new(prefix: String) -> Self {
        Self { prefix, request: pb::CheckRequest::default(), given: Vec::new(), requirement: None }
    }

    fn set(&mut self, key: &str, param: Param<'_>) -> Result<(), String> {
        let name = format!("{}{key}", self.prefix);
        // A query string repeats `select_one_of` once per option; anything else only once.
        let repeatable = key == "select_one_of" && matches!(param, Param::Text(_));
        if !repeatable && self.given.iter().any(|given| given == key) {
            return Err(format!("{name} is given more than once"));
        }
        self.given.push(key.to_owned());
        match key {
            "subscription_external_id" => self.request.subscription_external_id = text(param, &name)?,
            "feature_code" => self.request.feature_code = text(param, &name)?,
            "privilege_code" => self.request.privilege_code = Some(text(param, &name)?),
            "subscription_status" => {
                self.request.subscription_status = lookup_status(Some(&text(param, &name)?));
            }
            "min_revision" => self.request.min_revision = revision(param, &name)?,
            "integer_at_least" => {
                self.require("integer_at_least", Kind::IntegerAtLeast(integer(param, &name)?))?
            }
            "integer_at_most" => {
                self.require("integer_at_most", Kind::IntegerAtMost(integer(param, &name)?))?
            }
            "boolean_equals" => {
                self.require("boolean_equals", Kind::BooleanEquals(boolean(param, &name)?))?
            }
            "string_equals" => self.require("string_equals", Kind::StringEquals(text(param, &name)?))?,
            "select_one_of" => {
                let mut options = options(param, &name)?;
                if let Some(("select_one_of", Kind::SelectOneOf(select))) = &mut self.requirement {
                    select.values.append(&mut options);
                } else {
                    self.require("select_one_of", Kind::SelectOneOf(pb::SelectOneOf { values: options }))?;
                }
            }
            _ => return Err(format!("{name} is not a parameter of a check")),
        }
        Ok(())
    }

    fn require(&mut self, key: &'static str, kind: Kind) -> Result<(), String> {
        if let Some((other, _)) = &self.requirement {
            return Err(format!(
                "{}{key} and {}{other} are two requirements; a check takes one",
                self.prefix, self.prefix
            ));
        }
        self.requirement = Some((key, kind));
        Ok(())
    }

    fn finish(self) -> pb::CheckRequest {
        let mut request = self.request;
        request.requirement = self.requirement.map(|(_, kind)| pb::ValueRequirement { kind: Some(kind) });
        request
    }
}

fn text(param: Param<'_>, name: &str) -> Result<String, String> {
    match param {
        Param::Text(text) => Ok(text.to_owned()),
        Param::Json(Value::String(text)) => Ok(text.clone()),
        Param::Json(_) => Err(format!("{name} must be a string")),
    }
}

fn integer(param: Param<'_>, name: &str) -> Result<i64, String> {
    match param {
        Param::Text(text) => text.parse().ok(),
        Param::Json(value) => value.as_i64(),
    }
    .ok_or_else(|| format!("{name} must be a 64-bit integer"))
}

fn boolean(param: Param<'_>, name: &str) -> Result<bool, String> {
    match param {
        Param::Text("true") | Param::Json(Value::Bool(true)) => Ok(true),
        Param::Text("false") | Param::Json(Value::Bool(false)) => Ok(false),
        _ => Err(format!("{name} must be true or false")),
    }
}

fn options(param: Param<'_>, name: &str) -> Result<Vec<String>, String> {
    match param {
        Param::Text(text) => Ok(vec![text.to_owned()]),
        Param::Json(Value::Array(values)) => values
            .iter()
            .map(|value| value.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| format!("{name} must be an array of strings")),
        Param::Json(_) => Err(format!("{name} must be an array of strings")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
    }

    #[test]
    fn query_strings_and_json_items_read_alike() {
        let from_query = check_request_from_query(&pairs(&[
            ("subscription_external_id", "sub_1"),
            ("feature_code", "sso"),
            ("privilege_code", "provider"),
            ("subscription_status", "terminated"),
            ("min_revision", "7"),
            ("select_one_of", "okta"),
            ("select_one_of", "google"),
        ]));
        let from_json = check_request_from_json(
            &json!({
                "subscription_external_id": "sub_1", "feature_code": "sso", "privilege_code": "provider",
                "subscription_status": "terminated", "min_revision": 7, "select_one_of": ["okta", "google"],
                "string_equals": null
            }),
            "items[0]",
        );
        let expected = pb::CheckRequest {
            subscription_external_id: "sub_1".to_owned(),
            feature_code: "sso".to_owned(),
            privilege_code: Some("provider".to_owned()),
            subscription_status: pb::SubscriptionStatus::Terminated.into(),
            min_revision: 7,
            requirement: Some(pb::ValueRequirement {
                kind: Some(Kind::SelectOneOf(pb::SelectOneOf {
                    values: vec!["okta".to_owned(), "google".to_owned()],
                })),
            }),
        };
        assert_eq!(from_query.as_ref(), Ok(&expected));
        assert_eq!(from_json, Ok(expected));
        let boolean = check_request_from_query(&pairs(&[("boolean_equals", "false")])).expect("valid");
        assert_eq!(
            boolean.requirement.and_then(|requirement| requirement.kind),
            Some(Kind::BooleanEquals(false))
        );
    }

    #[test]
    fn unreadable_parameters_are_named() {
        let query_error =
            |query: &[(&str, &str)]| check_request_from_query(&pairs(query)).expect_err("malformed");
        assert_eq!(query_error(&[("integer_at_least", "ten")]), "integer_at_least must be a 64-bit integer");
        assert_eq!(query_error(&[("boolean_equals", "yes")]), "boolean_equals must be true or false");
        assert_eq!(query_error(&[("min_revision", "-1")]), "min_revision must be a non-negative integer");
        assert_eq!(query_error(&[("feature_cod", "x")]), "feature_cod is not a parameter of a check");
        assert_eq!(
            query_error(&[("feature_code", "a"), ("feature_code", "b")]),
            "feature_code is given more than once"
        );
        assert_eq!(
            query_error(&[("integer_at_least", "1"), ("integer_at_most", "2")]),
            "integer_at_most and integer_at_least are two requirements; a check takes one"
        );
        let json_error = |item: Value| check_request_from_json(&item, "items[2]").expect_err("malformed");
        assert_eq!(json_error(json!([])), "items[2] must be a JSON object");
        assert_eq!(json_error(json!({"feature_code": 5})), "items[2].feature_code must be a string");
        assert_eq!(
            json_error(json!({"integer_at_most": 1.5})),
            "items[2].integer_at_most must be a 64-bit integer"
        );
        assert_eq!(
            json_error(json!({"select_one_of": "a"})),
            "items[2].select_one_of must be an array of strings"
        );
    }
}
