//! The query string of `GET /customers` as Rails parses it for Lago's permitted parameters:
//! lists only in their `name[]=` form (a bare `name=` is dropped), scalars in their plain form
//! (the last one wins), metadata as `metadata[key]=value`, where a nested or list value is not a
//! string (`metadata[key][]=...`).

use entitlements::v1 as pb;

pub(super) fn list_request_from_query(params: &[(String, String)]) -> pb::ListCustomersRequest {
    let scalar =
        |name: &str| params.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let list = |name: &str| {
        let key_name = format!("{name}[]");
        params.iter().filter(|(key, _)| *key == key_name).map(|(_, value)| value.clone()).collect()
    };
    pb::ListCustomersRequest {
        // Set per gRPC page by `pagination_params::fetch_rest_page`.
        page: 0,
        per_page: 0,
        external_id: scalar("external_id"),
        account_types: list("account_type"),
        billing_entity_codes: list("billing_entity_codes"),
        countries: list("countries"),
        states: list("states"),
        zipcodes: list("zipcodes"),
        currencies: list("currencies"),
        has_tax_identification_number: scalar("has_tax_identification_number"),
        has_customer_type: scalar("has_customer_type"),
        customer_type: scalar("customer_type"),
        metadata: metadata_filters(params),
        search_term: scalar("search_term"),
    }
}

fn metadata_filters(params: &[(String, String)]) -> Vec<pb::CustomerMetadataFilter> {
    let mut filters: Vec<pb::CustomerMetadataFilter> = Vec::new();
    for (name, value) in params {
        let Some((key, rest)) = name.strip_prefix("metadata[").and_then(|rest| rest.split_once(']')) else {
            continue;
        };
        let value = rest.is_empty().then(|| value.clone());
        match filters.iter_mut().find(|filter| filter.key == key) {
            Some(filter) => filter.value = if filter.value.is_some() { value } else { None },
            None => filters.push(pb::CustomerMetadataFilter { key: key.to_owned(), value }),
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

    #[test]
    fn lists_need_brackets_and_scalars_take_the_last_value() {
        let request = list_request_from_query(&params(&[
            ("countries[]", "US"),
            ("countries[]", "FR"),
            ("billing_entity_codes", "ignored"),
            ("customer_type", "individual"),
            ("customer_type", "company"),
        ]));
        assert_eq!(request.countries, ["US", "FR"]);
        assert!(request.billing_entity_codes.is_empty());
        assert_eq!(request.customer_type.as_deref(), Some("company"));
    }

    #[test]
    fn metadata_values_are_strings_unless_nested() {
        let request = list_request_from_query(&params(&[
            ("metadata[is_synced]", "true"),
            ("metadata[first_synced_at]", ""),
            ("metadata[nested][deeply]", "true"),
            ("metadata[list][]", "a"),
        ]));
        let filters: Vec<(&str, Option<&str>)> =
            request.metadata.iter().map(|filter| (filter.key.as_str(), filter.value.as_deref())).collect();
        assert_eq!(
            filters,
            [("is_synced", Some("true")), ("first_synced_at", Some("")), ("nested", None), ("list", None)]
        );
    }
}
