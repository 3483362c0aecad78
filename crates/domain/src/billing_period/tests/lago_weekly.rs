//! `spec/services/subscriptions/dates/weekly_service_spec.rb`: subscription on Tuesday 2021-02-02.

use super::*;

const SUBSCRIPTION_AT: &str = "2021-02-02";

#[test]
fn calendar_weeks_run_from_monday_to_sunday() {
    let weekly = calendar(PlanInterval::Weekly, SUBSCRIPTION_AT);
    // Billed on 2022-03-07: from 2022-02-28 (a Monday) to 2022-03-06 23:59:59.
    assert_eq!(period(&weekly, "2022-03-02T12:00:00Z"), ["2022-02-28T00:00:00Z", "2022-03-06T23:59:59Z"]);
    // In advance on 2022-03-07: the week up to Sunday 2022-03-13.
    assert_eq!(period(&weekly, "2022-03-07"), ["2022-03-07T00:00:00Z", "2022-03-13T23:59:59Z"]);
}

#[test]
fn calendar_weeks_in_new_york() {
    // Billed on 2022-03-07 00:00 UTC, still Sunday in New York: the week from 2022-02-21.
    let weekly = in_zone(calendar(PlanInterval::Weekly, SUBSCRIPTION_AT), NEW_YORK);
    assert_eq!(period(&weekly, "2022-02-23T12:00:00Z"), ["2022-02-21T05:00:00Z", "2022-02-28T04:59:59Z"]);
}

#[test]
fn anniversary_weeks_start_on_the_subscription_weekday() {
    let weekly = anniversary(PlanInterval::Weekly, SUBSCRIPTION_AT);
    // Billed on 2022-03-09: from Tuesday 2022-03-01 to 2022-03-07 23:59:59.
    assert_eq!(period(&weekly, "2022-03-05"), ["2022-03-01T00:00:00Z", "2022-03-07T23:59:59Z"]);
    // In advance on 2022-03-09: up to 2022-03-14 23:59:59.
    assert_eq!(period(&weekly, "2022-03-09"), ["2022-03-08T00:00:00Z", "2022-03-14T23:59:59Z"]);
}

#[test]
fn next_end_of_period() {
    let weekly = calendar(PlanInterval::Weekly, SUBSCRIPTION_AT);
    // 2022-03-13 23:59:59, then Monday.
    assert_eq!(next_start(&weekly, "2022-03-07"), "2022-03-14T00:00:00Z");
    // 2022-03-07 04:59:59 UTC: the New York week of Sunday 2022-03-06.
    assert_eq!(next_start(&in_zone(weekly, NEW_YORK), "2022-03-07"), "2022-03-07T05:00:00Z");

    let weekly = anniversary(PlanInterval::Weekly, SUBSCRIPTION_AT);
    assert_eq!(next_start(&weekly, "2022-03-08T20:00:00Z"), "2022-03-15T00:00:00Z");
    // The last day of the period is its end: 2022-03-07 23:59:59.
    assert_eq!(next_start(&weekly, "2022-03-07"), "2022-03-08T00:00:00Z");
    // In New York the subscription fell on Monday 2022-02-01 evening: weeks end on Sundays, and
    // 2022-03-13 23:59:59 is already daylight time (2022-03-14 03:59:59 UTC).
    assert_eq!(next_start(&in_zone(weekly, NEW_YORK), "2022-03-08T20:00:00Z"), "2022-03-14T04:00:00Z");
}
