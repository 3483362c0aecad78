//! Which subscription a request means: the status readings of each endpoint, Lago's lookup
//! order, the update's single-subscription rule, the editable subscription and upgrades.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 instant")
}

fn id(number: u128) -> SubscriptionId {
    SubscriptionId(Uuid::from_u128(number))
}

fn customer(number: u128) -> CustomerId {
    CustomerId(Uuid::from_u128(number))
}

fn subscription(number: u128, status: SubscriptionStatus, subscription_at: &str) -> Lifecycle {
    Lifecycle {
        id: id(number),
        customer_id: customer(1),
        previous_id: None,
        status,
        subscription_at: at(subscription_at),
        started_at: (status != SubscriptionStatus::Pending).then(|| at(subscription_at)),
        ending_at: None,
        terminated_at: None,
        canceled_at: None,
        downgrade_at: None,
        timezone: Tz::UTC,
    }
}

fn terminated(number: u128, started: &str, terminated: &str) -> Lifecycle {
    let mut ended = subscription(number, SubscriptionStatus::Terminated, started);
    ended.terminated_at = Some(at(terminated));
    ended
}

fn wanted(status: SubscriptionStatus) -> WantedStatus {
    WantedStatus::Status(status)
}

#[test]
fn a_lookup_wants_active_by_default_and_finds_nothing_for_an_unknown_status() {
    let selector = |status| SubscriptionSelector::new("sub".to_owned(), status).status;
    assert_eq!(selector(EnumInput::Null), wanted(SubscriptionStatus::Active));
    assert_eq!(
        selector(EnumInput::Known(SubscriptionStatus::Terminated)),
        wanted(SubscriptionStatus::Terminated)
    );
    assert_eq!(selector(EnumInput::Known(SubscriptionStatus::Pending)), wanted(SubscriptionStatus::Pending));
    assert_eq!(selector(EnumInput::Unknown), WantedStatus::Nothing);
}

#[test]
fn a_termination_reads_only_active_and_pending() {
    let selector = |status| {
        SubscriptionSelector::for_termination("sub".to_owned(), status).map(|selector| selector.status)
    };
    assert_eq!(
        selector(EnumInput::Known(SubscriptionStatus::Pending)),
        Ok(wanted(SubscriptionStatus::Pending))
    );
    assert_eq!(
        selector(EnumInput::Known(SubscriptionStatus::Active)),
        Ok(wanted(SubscriptionStatus::Active))
    );
    assert_eq!(selector(EnumInput::Null), Ok(wanted(SubscriptionStatus::Active)));
    for refused in [EnumInput::Known(SubscriptionStatus::Terminated), EnumInput::Unknown] {
        assert_eq!(
            selector(refused).map_err(|errors| errors.to_string()),
            Err("status: value_is_invalid".to_owned())
        );
    }
}

#[test]
fn lookups_prefer_the_one_not_terminated_then_the_latest_terminated_then_the_latest_started() {
    let subscriptions = [
        terminated(1, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        terminated(2, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"),
        terminated(3, "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z"),
    ];
    // 2 and 3 ended at the same instant; 3 started later.
    assert_eq!(find_by_status(&subscriptions, wanted(SubscriptionStatus::Terminated)), Some(id(3)));
    let mut not_terminated = terminated(4, "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    not_terminated.terminated_at = None;
    let with_open = [subscriptions[0].clone(), not_terminated];
    assert_eq!(find_by_status(&with_open, wanted(SubscriptionStatus::Terminated)), Some(id(4)));
    assert_eq!(find_by_status(&subscriptions, wanted(SubscriptionStatus::Active)), None);
    assert_eq!(find_by_status(&subscriptions, WantedStatus::Nothing), None);
}

#[test]
fn an_update_finds_the_only_subscription_whatever_its_status() {
    let only = [terminated(1, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")];
    assert_eq!(update_target(&only, wanted(SubscriptionStatus::Active)), Some(id(1)));
    assert_eq!(update_target(&only, WantedStatus::Nothing), Some(id(1)));
    assert_eq!(update_target(&[], wanted(SubscriptionStatus::Active)), None);
}

#[test]
fn an_update_among_several_takes_the_newest_with_the_status() {
    let subscriptions = [
        subscription(1, SubscriptionStatus::Pending, "2026-01-01T00:00:00Z"),
        subscription(2, SubscriptionStatus::Active, "2026-02-01T00:00:00Z"),
        subscription(3, SubscriptionStatus::Pending, "2026-03-01T00:00:00Z"),
    ];
    assert_eq!(update_target(&subscriptions, wanted(SubscriptionStatus::Pending)), Some(id(3)));
    assert_eq!(update_target(&subscriptions, wanted(SubscriptionStatus::Active)), Some(id(2)));
    assert_eq!(update_target(&subscriptions, wanted(SubscriptionStatus::Terminated)), None);
    assert_eq!(update_target(&subscriptions, WantedStatus::Nothing), None);
}

#[test]
fn the_editable_subscription_is_the_customers_active_or_future_one_never_a_downgrade() {
    let active = subscription(1, SubscriptionStatus::Active, "2026-01-01T00:00:00Z");
    let mut downgrade = subscription(2, SubscriptionStatus::Pending, "2026-01-01T00:00:00Z");
    downgrade.previous_id = Some(id(1));
    let mut other_customers = subscription(3, SubscriptionStatus::Active, "2026-01-01T00:00:00Z");
    other_customers.customer_id = customer(2);
    assert!(active.is_editable());
    assert!(!downgrade.is_editable());
    let subscriptions = [active, downgrade, other_customers];
    assert_eq!(editable_subscription(&subscriptions, customer(1)), Some(id(1)));
    assert_eq!(editable_subscription(&subscriptions, customer(2)), Some(id(3)));
    assert_eq!(editable_subscription(&subscriptions, customer(9)), None);
    assert!(is_taken_by_another_customer(&subscriptions, customer(1)));
    assert!(is_taken_by_another_customer(&subscriptions, customer(9)));
    assert!(!is_taken_by_another_customer(&subscriptions[..2], customer(1)));
}

#[test]
fn a_future_subscription_is_editable_and_comes_before_a_started_one() {
    let started = subscription(1, SubscriptionStatus::Active, "2026-01-01T00:00:00Z");
    let future = subscription(2, SubscriptionStatus::Pending, "2026-06-01T00:00:00Z");
    let ended = terminated(3, "2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z");
    assert!(future.is_editable());
    assert!(!ended.is_editable());
    assert_eq!(editable_subscription(&[started, future, ended], customer(1)), Some(id(2)));
}

#[test]
fn an_upgrade_costs_at_least_as_much_a_year() {
    assert!(is_upgrade(PlanInterval::Yearly, 12_000, PlanInterval::Monthly, 1_000));
    assert!(is_upgrade(PlanInterval::Monthly, 1_001, PlanInterval::Yearly, 12_000));
    assert!(!is_upgrade(PlanInterval::Monthly, 999, PlanInterval::Yearly, 12_000));
    assert!(!is_upgrade(PlanInterval::Weekly, 100, PlanInterval::Monthly, 1_000));
}
