//! The filters of a subscription list (Lago's `GET /subscriptions` and
//! `GET /customers/{external_customer_id}/subscriptions`, `SubscriptionsQuery`): no status means
//! `active`, and a status this server does not know matches nothing. (Lago's query-string quirks,
//! such as an unknown status word turning the status filter off, are the REST gateway's.)

use crate::customer::DEFAULT_BILLING_ENTITY_CODE;
use crate::error::{Error, Resource};
use crate::subscription::SubscriptionStatus;

/// The filters as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionListFilters {
    /// Subscriptions of customers with this external id (deleted customers' included).
    pub external_customer_id: Option<String>,
    /// Subscriptions on plans with this code (deleted plans' included).
    pub plan_code: Option<String>,
    /// `None` is a value naming no status (it matches nothing).
    pub statuses: Vec<Option<SubscriptionStatus>>,
    pub external_id: Option<String>,
    /// The plan's currency.
    pub currency: Option<String>,
    /// Lago's `overridden`: true asks only for subscriptions on plan overrides.
    pub overridden: Option<bool>,
    pub billing_entity_codes: Vec<String>,
}

/// Validated filters; `None` filters nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionFilters {
    pub external_customer_id: Option<String>,
    pub plan_code: Option<String>,
    /// The statuses to list; empty matches nothing.
    pub statuses: Vec<SubscriptionStatus>,
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
        let statuses = if statuses.is_empty() {
            vec![SubscriptionStatus::Active]
        } else {
            statuses.into_iter().flatten().collect()
        };
        Ok(SubscriptionFilters {
            external_customer_id,
            plan_code,
            statuses,
            external_id,
            currency,
            overridden_only: overridden == Some(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(values: Vec<Option<SubscriptionStatus>>) -> Vec<SubscriptionStatus> {
        let filters = SubscriptionListFilters { statuses: values, ..SubscriptionListFilters::default() };
        filters.validate().expect("valid").statuses
    }

    #[test]
    fn statuses_default_to_active_and_an_unknown_one_matches_nothing() {
        assert_eq!(statuses(vec![]), vec![SubscriptionStatus::Active]);
        assert_eq!(
            statuses(vec![Some(SubscriptionStatus::Terminated), Some(SubscriptionStatus::Pending)]),
            vec![SubscriptionStatus::Terminated, SubscriptionStatus::Pending]
        );
        assert_eq!(statuses(vec![None]), vec![]);
        assert_eq!(statuses(vec![Some(SubscriptionStatus::Active), None]), vec![SubscriptionStatus::Active]);
    }

    #[test]
    fn overridden_lists_nothing_and_billing_entities_are_checked() {
        let overridden = |value: Option<bool>| {
            SubscriptionListFilters { overridden: value, ..SubscriptionListFilters::default() }
                .validate()
                .expect("valid")
                .overridden_only
        };
        assert!(overridden(Some(true)));
        assert!(!overridden(None) && !overridden(Some(false)));
        let unknown = SubscriptionListFilters {
            billing_entity_codes: vec!["default".to_owned(), "eu".to_owned()],
            ..SubscriptionListFilters::default()
        };
        assert_eq!(unknown.validate(), Err(Error::not_found(Resource::BillingEntity, "eu")));
    }
}
