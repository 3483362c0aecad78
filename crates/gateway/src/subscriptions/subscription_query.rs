//! The query strings of the subscription routes as Rails parses Lago's permitted parameters:
//! lists only in their `name[]=` form (a bare `status=active` is dropped, so the list's default
//! applies), scalars in their plain form (the last one wins).

use entitlements::v1 as pb;

/// The last value of a scalar parameter.
pub(super) fn scalar(params: &[(String, String)], name: &str) -> Option<String> {
    params.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.clone())
}

fn list(params: &[(String, String)], name: &str) -> Vec<String> {
    let key_name = format!("{name}[]");
    params.iter().filter(|(key, _)| *key == key_name).map(|(_, value)| value.clone()).collect()
}

/// `GET /subscriptions` (and a customer's list, which sets `external_customer_id` from its
/// path).
pub(super) fn list_request_from_query(params: &[(String, String)]) -> pb::ListSubscriptionsRequest {
    pb::ListSubscriptionsRequest {
        // Set per gRPC page by `pagination_params::fetch_rest_page`.
        page: 0,
        per_page: 0,
        external_customer_id: scalar(params, "external_customer_id"),
        plan_code: scalar(params, "plan_code"),
        statuses: list(params, "status"),
        external_id: scalar(params, "external_id"),
        currency: scalar(params, "currency"),
        // `overriden` is Lago's legacy spelling; the right one wins when both are given.
        overridden: scalar(params, "overridden").or_else(|| scalar(params, "overriden")),
        billing_entity_codes: list(params, "billing_entity_codes"),
        customer_must_exist: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
    }

    #[test]
    fn statuses_need_brackets_and_overridden_wins() {
        let request = list_request_from_query(&params(&[
            ("status", "terminated"),
            ("status[]", "active"),
            ("status[]", "pending"),
            ("overriden", "false"),
            ("overridden", "true"),
            ("plan_code", "a"),
            ("plan_code", "b"),
        ]));
        assert_eq!(request.statuses, ["active", "pending"]);
        assert_eq!(request.overridden.as_deref(), Some("true"));
        assert_eq!(request.plan_code.as_deref(), Some("b"));
        let legacy = list_request_from_query(&params(&[("overriden", "1"), ("status", "terminated")]));
        assert_eq!(legacy.overridden.as_deref(), Some("1"));
        assert!(legacy.statuses.is_empty());
    }
}
