//! The query string of `GET /customers` as Rails parses it for Lago's permitted parameters:
//! lists only in their `name[]=` form (a bare `name=` is dropped), scalars in their plain form
//! (the last one wins), metadata as `metadata[key]=value`, where a nested or list value is not a
//! string (`metadata[key][]=...`). Then Lago's `CustomersQueryFiltersContract`, whose messages
//! (Dry-validation's English, such as "must be one of: true, false") are the codes of its 422:
//! an invalid element of a list is reported under `field[index]`, a metadata value under
//! `metadata[key]`, which the 422 nests as `{"field": {"index": [...]}}`.

use std::sync::LazyLock;

use entitlements::v1 as pb;
use entitlements_domain::{COUNTRY_CODES, CURRENCIES};

static COUNTRY_MESSAGE: LazyLock<String> = LazyLock::new(|| one_of(COUNTRY_CODES));
static CURRENCY_MESSAGE: LazyLock<String> = LazyLock::new(|| one_of(CURRENCIES));
const ACCOUNT_TYPE_MESSAGE: &str = "must be one of: customer, partner";
const BOOLEAN_MESSAGE: &str = "must be one of: true, false";
const CUSTOMER_TYPE_MESSAGE: &str = "must be one of: company, individual";
const NOT_A_STRING_MESSAGE: &str = "must be a string";
const CUSTOMER_TYPE_WITHOUT_TYPE_MESSAGE: &str = "must be nil when has_customer_type is false";

/// The list request, or Lago's validation errors (`(field, message)`, in Lago's order) for the
/// values it refuses.
pub(super) fn list_request_from_query(
    params: &[(String, String)],
) -> Result<pb::ListCustomersRequest, Vec<(String, String)>> {
    let scalar =
        |name: &str| params.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let list = |name: &str| -> Vec<String> {
        let key_name = format!("{name}[]");
        params.iter().filter(|(key, _)| *key == key_name).map(|(_, value)| value.clone()).collect()
    };
    let mut errors: Vec<(String, String)> = Vec::new();
    let account_types = list("account_type")
        .iter()
        .enumerate()
        .filter_map(|(index, name)| {
            let account_type = match name.as_str() {
                "customer" => Some(pb::AccountType::Customer),
                "partner" => Some(pb::AccountType::Partner),
                _ => None,
            };
            if account_type.is_none() {
                errors.push((format!("account_type[{index}]"), ACCOUNT_TYPE_MESSAGE.to_owned()));
            }
            account_type.map(i32::from)
        })
        .collect();
    let countries = list("countries");
    check_members(&mut errors, "countries", &countries, COUNTRY_CODES, &COUNTRY_MESSAGE);
    let currencies = list("currencies");
    check_members(&mut errors, "currencies", &currencies, CURRENCIES, &CURRENCY_MESSAGE);
    let has_tax_identification_number =
        boolean(&mut errors, "has_tax_identification_number", scalar("has_tax_identification_number"));
    let has_customer_type = boolean(&mut errors, "has_customer_type", scalar("has_customer_type"));
    let customer_type = scalar("customer_type").map(|name| {
        let customer_type = match name.as_str() {
            "company" => Some(pb::CustomerType::Company),
            "individual" => Some(pb::CustomerType::Individual),
            _ => None,
        };
        if customer_type.is_none() {
            errors.push(("customer_type".to_owned(), CUSTOMER_TYPE_MESSAGE.to_owned()));
        }
        customer_type
    });
    let metadata = metadata_filters(params)
        .into_iter()
        .filter_map(|(key, value)| {
            if value.is_none() {
                errors.push((format!("metadata[{key}]"), NOT_A_STRING_MESSAGE.to_owned()));
            }
            Some(pb::CustomerMetadataFilter { key, value: value? })
        })
        .collect();
    if has_customer_type == Some(false) && customer_type.is_some_and(|parsed| parsed.is_some()) {
        errors.push(("customer_type".to_owned(), CUSTOMER_TYPE_WITHOUT_TYPE_MESSAGE.to_owned()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(pb::ListCustomersRequest {
        // Set per gRPC page by `pagination_params::fetch_rest_page`.
        page: 0,
        per_page: 0,
        external_id: scalar("external_id"),
        account_types,
        billing_entity_codes: list("billing_entity_codes"),
        countries,
        states: list("states"),
        zipcodes: list("zipcodes"),
        currencies,
        has_tax_identification_number,
        has_customer_type,
        customer_type: customer_type.flatten().map_or(pb::CustomerType::Unspecified, |known| known).into(),
        metadata,
        search_term: scalar("search_term"),
    })
}

/// The request Lago's checks before the filter contract need (authentication, pagination, the
/// billing entities), to answer them before the contract's 422.
pub(super) fn checks_before_filters(params: &[(String, String)]) -> pb::ListCustomersRequest {
    pb::ListCustomersRequest {
        // One item: these checks only need the request to be read.
        page: 0,
        per_page: 1,
        billing_entity_codes: params
            .iter()
            .filter(|(key, _)| key == "billing_entity_codes[]")
            .map(|(_, value)| value.clone())
            .collect(),
        ..pb::ListCustomersRequest::default()
    }
}

fn one_of(values: &[&str]) -> String {
    format!("must be one of: {}", values.join(", "))
}

fn check_members(
    errors: &mut Vec<(String, String)>,
    field: &str,
    values: &[String],
    accepted: &[&str],
    message: &str,
) {
    for (index, value) in values.iter().enumerate() {
        if !accepted.contains(&value.as_str()) {
            errors.push((format!("{field}[{index}]"), message.to_owned()));
        }
    }
}

/// `true` or `false`, exactly, as Lago's contract takes them.
fn boolean(errors: &mut Vec<(String, String)>, field: &str, value: Option<String>) -> Option<bool> {
    match value.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errors.push((field.to_owned(), BOOLEAN_MESSAGE.to_owned()));
            None
        }
    }
}

/// `metadata[key]=value` pairs; a value is `None` when it is not a string.
fn metadata_filters(params: &[(String, String)]) -> Vec<(String, Option<String>)> {
    let mut filters: Vec<(String, Option<String>)> = Vec::new();
    for (name, value) in params {
        let Some((key, rest)) = name.strip_prefix("metadata[").and_then(|rest| rest.split_once(']')) else {
            continue;
        };
        let value = rest.is_empty().then(|| value.clone());
        match filters.iter_mut().find(|(known, _)| known == key) {
            Some((_, filter)) => *filter = if filter.is_some() { value } else { None },
            None => filters.push((key.to_owned(), value)),
        }
    }
    filters
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
    }

    fn fields(errors: Vec<(String, String)>) -> Vec<String> {
        errors.into_iter().map(|(field, _)| field).collect()
    }

    #[test]
    fn lists_need_brackets_and_scalars_take_the_last_value() {
        let request = list_request_from_query(&params(&[
            ("countries[]", "US"),
            ("countries[]", "FR"),
            ("billing_entity_codes", "ignored"),
            ("customer_type", "individual"),
            ("customer_type", "company"),
            ("has_customer_type", "true"),
            ("account_type[]", "partner"),
        ]))
        .expect("valid");
        assert_eq!(request.countries, ["US", "FR"]);
        assert!(request.billing_entity_codes.is_empty());
        assert_eq!(request.customer_type(), pb::CustomerType::Company);
        assert_eq!((request.has_customer_type, request.account_types), (Some(true), vec![2]));
    }

    #[test]
    fn metadata_values_are_strings_unless_nested() {
        let request = list_request_from_query(&params(&[
            ("metadata[is_synced]", "true"),
            ("metadata[first_synced_at]", ""),
        ]))
        .expect("valid");
        let filters: Vec<(&str, &str)> =
            request.metadata.iter().map(|filter| (filter.key.as_str(), filter.value.as_str())).collect();
        assert_eq!(filters, [("is_synced", "true"), ("first_synced_at", "")]);
        let nested = list_request_from_query(&params(&[
            ("metadata[nested][deeply]", "true"),
            ("metadata[list][]", "a"),
        ]));
        assert_eq!(fields(nested.expect_err("not strings")), ["metadata[nested]", "metadata[list]"]);
    }

    #[test]
    fn junk_gets_lagos_messages_in_lagos_order() {
        let errors = list_request_from_query(&params(&[
            ("metadata[nested][x]", "1"),
            ("customer_type", "vendor"),
            ("has_tax_identification_number", "yes"),
            ("currencies[]", "usd"),
            ("countries[]", "US"),
            ("countries[]", "INVALID"),
            ("account_type[]", "partner"),
            ("account_type[]", "vendor"),
        ]))
        .expect_err("invalid");
        assert_eq!(
            fields(errors.clone()),
            [
                "account_type[1]",
                "countries[1]",
                "currencies[0]",
                "has_tax_identification_number",
                "customer_type",
                "metadata[nested]"
            ]
        );
        assert!(errors[1].1.starts_with("must be one of: AD, ") && errors[1].1.ends_with("ZW, XK"));
        assert!(errors[2].1.starts_with("must be one of: AED, AFN") && errors[2].1.ends_with("ZMW"));
        let contradiction =
            list_request_from_query(&params(&[("has_customer_type", "false"), ("customer_type", "company")]));
        assert_eq!(
            contradiction.expect_err("contradiction"),
            [("customer_type".to_owned(), CUSTOMER_TYPE_WITHOUT_TYPE_MESSAGE.to_owned())]
        );
    }
}
