//! The query strings of the subscription routes as Rails parses Lago's permitted parameters:
//! lists only in their `name[]=` form (a bare `status=active` is dropped, so the list's default
//! applies), scalars in their plain form (the last one wins). Lago's quirks are read here: one
//! status word that is no status turns the status filter off, and `overridden` is a Rails
//! boolean.

use entitlements::v1 as pb;

use crate::subscription_status::{is_lago_status, status_number};

/// Rails' false values (`ActiveModel::Type::Boolean::FALSE_VALUES`, as strings).
const FALSE_VALUES: [&str; 7] = ["0", "f", "F", "false", "FALSE", "off", "OFF"];

/// Every status, for a filter Lago turns off.
const EVERY_STATUS: [pb::SubscriptionStatus; 4] = [
    pb::SubscriptionStatus::Pending,
    pb::SubscriptionStatus::Active,
    pb::SubscriptionStatus::Terminated,
    pb::SubscriptionStatus::Canceled,
];

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
        statuses: statuses(&list(params, "status")),
        external_id: scalar(params, "external_id"),
        currency: scalar(params, "currency"),
        // `overriden` is Lago's legacy spelling; the right one wins when both are given.
        overridden: rails_boolean(scalar(params, "overridden").or_else(|| scalar(params, "overriden"))),
        billing_entity_codes: list(params, "billing_entity_codes"),
    }
}

/// Lago's status filter: none asked is the service's default (active); one word that is no
/// status of Lago's turns the filter off; `incomplete` matches nothing.
fn statuses(words: &[String]) -> Vec<i32> {
    if words.iter().all(|word| is_lago_status(word)) {
        words.iter().map(|word| status_number(word)).collect()
    } else {
        EVERY_STATUS.into_iter().map(i32::from).collect()
    }
}

/// A boolean as Rails casts one: blank is none, its false values are false, anything else true.
fn rails_boolean(text: Option<String>) -> Option<bool> {
    let text = text.filter(|text| !text.is_empty())?;
    Some(!FALSE_VALUES.contains(&text.as_str()))
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
        assert_eq!(request.statuses, [2, 1]);
        assert_eq!(request.overridden, Some(true));
        assert_eq!(request.plan_code.as_deref(), Some("b"));
        let legacy = list_request_from_query(&params(&[("overriden", "1"), ("status", "terminated")]));
        assert_eq!(legacy.overridden, Some(true));
        assert!(legacy.statuses.is_empty());
    }

    #[test]
    fn an_unknown_status_turns_the_filter_off_and_incomplete_matches_nothing() {
        let statuses = |words: &[&str]| {
            let pairs: Vec<(&str, &str)> = words.iter().map(|word| ("status[]", *word)).collect();
            list_request_from_query(&params(&pairs)).statuses
        };
        assert_eq!(statuses(&["active", "nope"]), [1, 2, 3, 4]);
        assert_eq!(statuses(&[""]), [1, 2, 3, 4]);
        assert_eq!(statuses(&["incomplete"]), [-1]);
        let overridden = |value: &str| list_request_from_query(&params(&[("overridden", value)])).overridden;
        assert_eq!(
            (overridden(""), overridden("0"), overridden("OFF"), overridden("yes")),
            (None, Some(false), Some(false), Some(true))
        );
    }
}
