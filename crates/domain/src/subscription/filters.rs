//! The filters of a subscription list (Lago's `GET /subscriptions` and
//! `GET /customers/{external_customer_id}/subscriptions`, `SubscriptionsQuery`), as raw query
//! values, and their reading, quirks included: no status means `active`, and one status Lago does
//! not know turns the status filter off altogether.

use crate::customer::DEFAULT_BILLING_ENTITY_CODE;
use crate::error::{Error, Resource};
use crate::subscription::SubscriptionStatus;

/// Lago's statuses, `incomplete` included (it matches nothing here).
const INCOMPLETE: &str = "incomplete";

/// Rails' false values (`ActiveModel::Type::Boolean::FALSE_VALUES`, as strings).
const FALSE_VALUES: [&str; 7] = ["0", "f", "F", "false", "FALSE", "off", "OFF"];

/// The filters as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionListFilters {
    /// Subscriptions of customers with this external id (deleted customers' included).
    pub external_customer_id: Option<String>,
    /// Subscriptions on plans with this code (deleted plans' included).
    pub plan_code: Option<String>,
    pub statuses: Vec<String>,
    pub external_id: Option<String>,
    /// The plan's currency.
    pub currency: Option<String>,
    /// Lago's `overridden` (or its legacy spelling `overriden`), as Rails casts it to a boolean.
    pub overridden: Option<String>,
    pub billing_entity_codes: Vec<String>,
}

/// Validated filters; `None` filters nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionFilters {
    pub external_customer_id: Option<String>,
    pub plan_code: Option<String>,
    /// `None`: every status. `Some` may be empty (only `incomplete` asked): nothing matches.
    pub statuses: Option<Vec<SubscriptionStatus>>,
    pub external_id: Option<String>,
    pub currency: Option<String>,
    /// Only subscriptions on override plans, of which there are none here (plan overrides are
    /// refused): the list is empty.
    pub overridden_only: bool,
}

impl SubscriptionListFilters {
    /// # Errors
    /// `NotFound(BillingEntity)` when a billing entity code is not `default`.
    pub fn validate(self) -> Result<SubscriptionFilters, Error> {
        let Self {
            external_customer_id,
            plan_code,
            statuses,
            external_id,
            currency,
            overridden,
            billing_entity_codes,
        } = self;
        if let Some(unknown) = billing_entity_codes.iter().find(|code| *code != DEFAULT_BILLING_ENTITY_CODE) {
            return Err(Error::not_found(Resource::BillingEntity, unknown.as_str()));
        }
        let statuses =
            if statuses.is_empty() { vec![SubscriptionStatus::Active.as_str().to_owned()] } else { statuses };
        let known =
            statuses.iter().all(|text| text == INCOMPLETE || SubscriptionStatus::parse(text).is_some());
        let statuses =
            known.then(|| statuses.iter().filter_map(|text| SubscriptionStatus::parse(text)).collect());
        Ok(SubscriptionFilters {
            external_customer_id,
            plan_code,
            statuses,
            external_id,
            currency,
            overridden_only: overridden
                .is_some_and(|text| !text.is_empty() && !FALSE_VALUES.contains(&text.as_str())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(values: &[&str]) -> Option<Vec<SubscriptionStatus>> {
        let filters = SubscriptionListFilters {
            statuses: values.iter().map(|value| (*value).to_owned()).collect(),
            ..SubscriptionListFilters::default()
        };
        filters.validate().expect("valid").statuses
    }

    #[test]
    fn statuses_default_to_active_and_an_unknown_one_drops_the_filter() {
        assert_eq!(statuses(&[]), Some(vec![SubscriptionStatus::Active]));
        assert_eq!(
            statuses(&["terminated", "pending"]),
            Some(vec![SubscriptionStatus::Terminated, SubscriptionStatus::Pending])
        );
        assert_eq!(statuses(&["incomplete"]), Some(vec![]));
        assert_eq!(statuses(&["active", "nope"]), None);
        assert_eq!(statuses(&[""]), None);
    }

    #[test]
    fn overridden_is_a_rails_boolean_and_billing_entities_are_checked() {
        let overridden = |value: Option<&str>| {
            SubscriptionListFilters {
                overridden: value.map(str::to_owned),
                ..SubscriptionListFilters::default()
            }
            .validate()
            .expect("valid")
            .overridden_only
        };
        assert!(overridden(Some("true")) && overridden(Some("1")) && overridden(Some("yes")));
        assert!(
            !overridden(None)
                && !overridden(Some(""))
                && !overridden(Some("false"))
                && !overridden(Some("0"))
        );
        let unknown = SubscriptionListFilters {
            billing_entity_codes: vec!["default".to_owned(), "eu".to_owned()],
            ..SubscriptionListFilters::default()
        };
        assert_eq!(unknown.validate(), Err(Error::not_found(Resource::BillingEntity, "eu")));
    }
}
