//! The time-driven transitions: start dates read in the customer's timezone, `ending_at`, the
//! downgrade rotation, late application, ties and requested terminations.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::*;

const PARIS: Tz = chrono_tz::Europe::Paris;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 instant")
}

fn id(number: u128) -> SubscriptionId {
    SubscriptionId(Uuid::from_u128(number))
}

fn subscription(number: u128, status: SubscriptionStatus, subscription_at: &str) -> Lifecycle {
    Lifecycle {
        id: id(number),
        customer_id: CustomerId(Uuid::from_u128(100)),
        previous_id: None,
        status,
        subscription_at: at(subscription_at),
        started_at: (status == SubscriptionStatus::Active).then(|| at(subscription_at)),
        ending_at: None,
        terminated_at: None,
        canceled_at: None,
        downgrade_at: None,
        timezone: Tz::UTC,
    }
}

/// An active subscription (1) with a scheduled downgrade (2) at `downgrade_at`.
fn with_downgrade(downgrade_at: &str) -> Vec<Lifecycle> {
    let current = subscription(1, SubscriptionStatus::Active, "2026-06-20T10:00:00Z");
    let mut next = subscription(2, SubscriptionStatus::Pending, "2026-06-20T10:00:00Z");
    next.previous_id = Some(id(1));
    next.downgrade_at = Some(at(downgrade_at));
    vec![current, next]
}

fn kinds(transitions: &[Transition]) -> Vec<(u128, TransitionKind, DateTime<Utc>)> {
    transitions
        .iter()
        .map(|transition| (transition.subscription_id.0.as_u128(), transition.kind, transition.at))
        .collect()
}

#[test]
fn a_pending_subscription_starts_at_local_midnight_of_its_date() {
    // 2026-09-01T01:00+02:00 in Paris: its date there is September 1, which begins at 22:00 UTC
    // on August 31.
    let mut subscriptions = vec![subscription(1, SubscriptionStatus::Pending, "2026-08-31T23:00:00Z")];
    subscriptions[0].timezone = PARIS;
    assert_eq!(next_transition_at(&subscriptions, 0), Some(at("2026-08-31T22:00:00Z")));
    assert!(advance(&mut subscriptions, at("2026-08-31T21:59:59Z")).is_empty());
    assert_eq!(subscriptions[0].status, SubscriptionStatus::Pending);

    let transitions = advance(&mut subscriptions, at("2026-08-31T22:00:00Z"));
    assert_eq!(kinds(&transitions), [(1, TransitionKind::Started, at("2026-08-31T22:00:00Z"))]);
    // Started at its subscription_at, later that (local) day, as Lago does for today's starts.
    assert_eq!(subscriptions[0].status, SubscriptionStatus::Active);
    assert_eq!(subscriptions[0].started_at, Some(at("2026-08-31T23:00:00Z")));
    assert_eq!(next_transition_at(&subscriptions, 0), None);
    // Nothing happens twice.
    assert!(advance(&mut subscriptions, at("2027-01-01T00:00:00Z")).is_empty());
}

#[test]
fn an_active_subscription_terminates_when_ending_at_passes() {
    let mut subscriptions = vec![subscription(1, SubscriptionStatus::Active, "2026-06-01T00:00:00Z")];
    subscriptions[0].ending_at = Some(at("2026-07-01T12:00:00Z"));
    assert_eq!(next_transition_at(&subscriptions, 0), Some(at("2026-07-01T12:00:00Z")));
    assert!(advance(&mut subscriptions, at("2026-07-01T11:59:59Z")).is_empty());
    let transitions = advance(&mut subscriptions, at("2026-07-01T12:00:00Z"));
    assert_eq!(kinds(&transitions), [(1, TransitionKind::Terminated, at("2026-07-01T12:00:00Z"))]);
    assert_eq!(subscriptions[0].terminated_at, Some(at("2026-07-01T12:00:00Z")));
}

#[test]
fn applied_late_a_pending_subscription_starts_then_ends_at_the_right_instants() {
    let mut subscriptions = vec![subscription(1, SubscriptionStatus::Pending, "2026-09-01T08:00:00Z")];
    subscriptions[0].ending_at = Some(at("2026-09-02T10:00:00Z"));
    let transitions = advance(&mut subscriptions, at("2026-12-01T00:00:00Z"));
    assert_eq!(
        kinds(&transitions),
        [
            (1, TransitionKind::Started, at("2026-09-01T00:00:00Z")),
            (1, TransitionKind::Terminated, at("2026-09-02T10:00:00Z"))
        ]
    );
    assert_eq!(subscriptions[0].started_at, Some(at("2026-09-01T08:00:00Z")));
}

#[test]
fn a_downgrade_replaces_its_predecessor_at_the_boundary() {
    let mut subscriptions = with_downgrade("2026-07-01T00:00:00Z");
    assert_eq!(next_transition_at(&subscriptions, 0), Some(at("2026-07-01T00:00:00Z")));
    assert_eq!(next_transition_at(&subscriptions, 1), Some(at("2026-07-01T00:00:00Z")));
    assert!(advance(&mut subscriptions, at("2026-06-30T23:59:59Z")).is_empty());
    let transitions = advance(&mut subscriptions, at("2026-07-05T00:00:00Z"));
    assert_eq!(
        kinds(&transitions),
        [
            (1, TransitionKind::Terminated, at("2026-07-01T00:00:00Z")),
            (2, TransitionKind::Started, at("2026-07-01T00:00:00Z"))
        ]
    );
    assert_eq!(subscriptions[0].terminated_at, Some(at("2026-07-01T00:00:00Z")));
    assert_eq!(subscriptions[1].started_at, Some(at("2026-07-01T00:00:00Z")));
}

#[test]
fn ending_before_the_boundary_cancels_the_downgrade_and_ties_end() {
    let mut subscriptions = with_downgrade("2026-07-01T00:00:00Z");
    subscriptions[0].ending_at = Some(at("2026-06-25T00:00:00Z"));
    assert_eq!(next_transition_at(&subscriptions, 0), Some(at("2026-06-25T00:00:00Z")));
    let transitions = advance(&mut subscriptions, at("2026-08-01T00:00:00Z"));
    assert_eq!(
        kinds(&transitions),
        [
            (1, TransitionKind::Terminated, at("2026-06-25T00:00:00Z")),
            (2, TransitionKind::Canceled, at("2026-06-25T00:00:00Z"))
        ]
    );

    let mut tie = with_downgrade("2026-07-01T00:00:00Z");
    tie[0].ending_at = Some(at("2026-07-01T00:00:00Z"));
    let transitions = advance(&mut tie, at("2026-07-01T00:00:00Z"));
    assert_eq!(
        kinds(&transitions),
        [
            (1, TransitionKind::Terminated, at("2026-07-01T00:00:00Z")),
            (2, TransitionKind::Canceled, at("2026-07-01T00:00:00Z"))
        ]
    );
}

#[test]
fn requested_endings_terminate_or_cancel() {
    let mut subscriptions = with_downgrade("2026-07-01T00:00:00Z");
    let transitions = end_on_request(&mut subscriptions, id(1), at("2026-06-22T00:00:00Z"));
    assert_eq!(
        kinds(&transitions),
        [
            (1, TransitionKind::Terminated, at("2026-06-22T00:00:00Z")),
            (2, TransitionKind::Canceled, at("2026-06-22T00:00:00Z"))
        ]
    );
    // A final subscription is left alone.
    assert!(end_on_request(&mut subscriptions, id(2), at("2026-06-23T00:00:00Z")).is_empty());

    let mut pending = vec![subscription(3, SubscriptionStatus::Pending, "2026-09-01T00:00:00Z")];
    let transitions = end_on_request(&mut pending, id(3), at("2026-06-22T00:00:00Z"));
    assert_eq!(kinds(&transitions), [(3, TransitionKind::Canceled, at("2026-06-22T00:00:00Z"))]);
    assert_eq!(pending[0].canceled_at, Some(at("2026-06-22T00:00:00Z")));
}
