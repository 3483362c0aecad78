//! Periods in the customer's timezone across DST changes, and "today" for a new subscription.

use chrono_tz::America::{Los_Angeles, Sao_Paulo};
use chrono_tz::Europe::Paris;
use chrono_tz::Pacific::Apia;

use super::*;

#[test]
fn a_paris_month_starts_in_winter_time_and_ends_in_summer_time() {
    let monthly = in_zone(calendar(PlanInterval::Monthly, "2021-02-02"), Paris);
    assert_eq!(period(&monthly, "2022-03-15"), ["2022-02-28T23:00:00Z", "2022-03-31T21:59:59Z"]);
    assert_eq!(period(&monthly, "2022-10-15"), ["2022-09-30T22:00:00Z", "2022-10-31T22:59:59Z"]);
}

#[test]
fn a_los_angeles_month_starts_in_summer_time_and_ends_in_winter_time() {
    let monthly = in_zone(calendar(PlanInterval::Monthly, "2021-02-02"), Los_Angeles);
    assert_eq!(period(&monthly, "2022-11-15"), ["2022-11-01T07:00:00Z", "2022-12-01T07:59:59Z"]);
}

#[test]
fn weeks_across_a_dst_change_keep_their_days() {
    // Los Angeles springs forward on Sunday 2022-03-13: the week is an hour short, not a day off.
    let weekly = in_zone(calendar(PlanInterval::Weekly, "2021-02-02"), Los_Angeles);
    assert_eq!(period(&weekly, "2022-03-10"), ["2022-03-07T08:00:00Z", "2022-03-14T06:59:59Z"]);
    assert_eq!(next_start(&weekly, "2022-03-10"), "2022-03-14T07:00:00Z");
    // Paris falls back on Sunday 2022-10-30; anniversary weeks from Monday 2022-10-24.
    let weekly = in_zone(anniversary(PlanInterval::Weekly, "2022-10-24T08:00:00Z"), Paris);
    assert_eq!(period(&weekly, "2022-10-30T12:00:00Z"), ["2022-10-24T08:00:00Z", "2022-10-30T22:59:59Z"]);
    assert_eq!(period(&weekly, "2022-11-02"), ["2022-10-30T23:00:00Z", "2022-11-06T22:59:59Z"]);
}

#[test]
fn the_subscription_day_is_read_in_the_customers_timezone() {
    // 2022-01-31 23:30 UTC is February 1st in Paris: monthly periods start on the 1st there.
    let monthly = in_zone(anniversary(PlanInterval::Monthly, "2022-01-31T23:30:00Z"), Paris);
    assert_eq!(period(&monthly, "2022-04-20"), ["2022-03-31T22:00:00Z", "2022-04-30T21:59:59Z"]);
    // 2022-02-01 03:00 UTC is January 31 in Los Angeles: periods start February 28, March 31, ….
    let monthly = in_zone(anniversary(PlanInterval::Monthly, "2022-02-01T03:00:00Z"), Los_Angeles);
    assert_eq!(period(&monthly, "2022-03-15"), ["2022-02-28T08:00:00Z", "2022-03-31T06:59:59Z"]);
    assert_eq!(period(&monthly, "2022-04-15")[0], "2022-03-31T07:00:00Z");
}

#[test]
fn a_period_starting_on_a_skipped_midnight_starts_when_clocks_jump() {
    // São Paulo skipped 2018-11-04 00:00–01:00; anniversary weeks from Sunday 2018-10-28.
    let weekly = in_zone(anniversary(PlanInterval::Weekly, "2018-10-28T12:00:00Z"), Sao_Paulo);
    assert_eq!(period(&weekly, "2018-11-01"), ["2018-10-28T12:00:00Z", "2018-11-04T02:59:59Z"]);
    assert_eq!(period(&weekly, "2018-11-06"), ["2018-11-04T03:00:00Z", "2018-11-11T01:59:59Z"]);
}

#[test]
fn a_period_whose_last_day_was_skipped_ends_the_second_before_the_next() {
    // Samoa skipped 2011-12-30 entirely; anniversary weeks from Saturday 2011-12-24 (UTC-10).
    let weekly = in_zone(anniversary(PlanInterval::Weekly, "2011-12-24T10:00:00Z"), Apia);
    assert_eq!(period(&weekly, "2011-12-27"), ["2011-12-24T10:00:00Z", "2011-12-30T09:59:59Z"]);
    assert_eq!(next_start(&weekly, "2011-12-27"), "2011-12-30T10:00:00Z");
    assert_eq!(weekly.downgrade_plan_date(at("2011-12-27")), day("2011-12-31"));
}

#[test]
fn today_is_the_customers_date() {
    // 2022-06-20 22:30 UTC is already June 21 in Paris.
    let subscription_at = at("2022-06-20T22:30:00Z");
    assert!(!starts_on_or_before_today(subscription_at, at("2022-06-20T21:59:59Z"), Paris));
    assert!(starts_on_or_before_today(subscription_at, at("2022-06-20T22:00:00Z"), Paris));
    assert!(starts_on_or_before_today(subscription_at, at("2022-06-20T21:59:59Z"), chrono_tz::UTC));
    // 2022-06-21 06:00 UTC is still June 20 in Los Angeles: a start later today, active at once.
    let subscription_at = at("2022-06-21T06:00:00Z");
    assert!(starts_on_or_before_today(subscription_at, at("2022-06-20T08:00:00Z"), Los_Angeles));
    assert!(!starts_on_or_before_today(subscription_at, at("2022-06-20T06:59:59Z"), Los_Angeles));
    assert!(!starts_on_or_before_today(subscription_at, at("2022-06-20T08:00:00Z"), chrono_tz::UTC));
}

#[test]
fn past_starts_are_today_or_earlier_and_later_days_are_not() {
    let now = at("2022-06-20T12:00:00Z");
    assert!(starts_on_or_before_today(at("2021-01-01"), now, Paris));
    assert!(starts_on_or_before_today(now, now, Paris));
    assert!(!starts_on_or_before_today(at("2022-06-22"), now, Paris));
}
