//! `spec/services/subscriptions/dates/monthly_service_spec.rb`: subscription on 2021-02-02 unless
//! the case says otherwise.

use super::*;

const SUBSCRIPTION_AT: &str = "2021-02-02";

#[test]
fn calendar_months_run_from_the_first_to_the_last_day() {
    let monthly = calendar(PlanInterval::Monthly, SUBSCRIPTION_AT);
    // Billed on 2022-03-01: February.
    assert_eq!(period(&monthly, "2022-02-15"), ["2022-02-01T00:00:00Z", "2022-02-28T23:59:59Z"]);
    // In advance on 2022-03-01: March.
    assert_eq!(period(&monthly, "2022-03-01"), ["2022-03-01T00:00:00Z", "2022-03-31T23:59:59Z"]);
}

#[test]
fn calendar_months_in_new_york() {
    // Billed on 2022-03-01 00:00 UTC, still February in New York: January there.
    let monthly = in_zone(calendar(PlanInterval::Monthly, SUBSCRIPTION_AT), NEW_YORK);
    assert_eq!(period(&monthly, "2022-01-15"), ["2022-01-01T05:00:00Z", "2022-02-01T04:59:59Z"]);
}

#[test]
fn anniversary_months_start_on_the_subscription_day() {
    let monthly = anniversary(PlanInterval::Monthly, SUBSCRIPTION_AT);
    // Billed on 2022-03-02.
    assert_eq!(period(&monthly, "2022-02-20"), ["2022-02-02T00:00:00Z", "2022-03-01T23:59:59Z"]);
    // In advance on 2022-03-02: up to 2022-04-01 23:59:59.
    assert_eq!(period(&monthly, "2022-03-02"), ["2022-03-02T00:00:00Z", "2022-04-01T23:59:59Z"]);
    // Billed on 2022-01-04 (the last month of the year): up to 2022-01-01 23:59:59.
    assert_eq!(period(&monthly, "2021-12-04"), ["2021-12-02T00:00:00Z", "2022-01-01T23:59:59Z"]);
}

#[test]
fn a_subscription_on_the_first_has_calendar_months() {
    // Subscribed 2022-01-01, billed on 2022-03-02: up to 2022-02-28 23:59:59.
    let monthly = anniversary(PlanInterval::Monthly, "2022-01-01");
    assert_eq!(period(&monthly, "2022-02-02"), ["2022-02-01T00:00:00Z", "2022-02-28T23:59:59Z"]);
}

#[test]
fn a_day_the_month_lacks_becomes_its_last_day() {
    // Subscribed 2022-01-31 (or 2022-01-30), billed on 2022-02-28: up to 2022-02-27 23:59:59.
    for subscription_at in ["2022-01-31", "2022-01-30"] {
        let monthly = anniversary(PlanInterval::Monthly, subscription_at);
        assert_eq!(period(&monthly, "2022-02-10")[1], "2022-02-27T23:59:59Z");
        assert_eq!(period(&monthly, "2022-02-28")[0], "2022-02-28T00:00:00Z");
    }
    // Subscribed 2021-03-31, billed in arrears on 2021-04-30: from 2021-03-31.
    let monthly = anniversary(PlanInterval::Monthly, "2021-03-31");
    assert_eq!(period(&monthly, "2021-04-15"), ["2021-03-31T00:00:00Z", "2021-04-29T23:59:59Z"]);
    // In advance on 2021-04-30: from 2021-04-30 itself, and back to the 31st in May.
    assert_eq!(period(&monthly, "2021-04-30"), ["2021-04-30T00:00:00Z", "2021-05-30T23:59:59Z"]);
    // Terminated and billed on 2022-03-29: the period began 2022-02-28.
    assert_eq!(period(&monthly, "2022-03-29")[0], "2022-02-28T00:00:00Z");
}

#[test]
fn leap_years_give_february_its_29th() {
    // Subscribed 2020-01-31, in advance on 2020-02-29: from 2020-02-29.
    let monthly = anniversary(PlanInterval::Monthly, "2020-01-31");
    assert_eq!(period(&monthly, "2020-02-29"), ["2020-02-29T00:00:00Z", "2020-03-30T23:59:59Z"]);
    // Subscribed 2019-04-30, billed in arrears on 2020-03-30: from 2020-02-29.
    let monthly = anniversary(PlanInterval::Monthly, "2019-04-30");
    assert_eq!(period(&monthly, "2020-03-15"), ["2020-02-29T00:00:00Z", "2020-03-29T23:59:59Z"]);
}

#[test]
fn next_end_of_period() {
    // Billed on 2022-03-07.
    let monthly = calendar(PlanInterval::Monthly, SUBSCRIPTION_AT);
    assert_eq!(next_start(&monthly, "2022-03-07"), "2022-04-01T00:00:00Z");
    // 2022-04-01 03:59:59 UTC: New York is on daylight time by the end of March.
    assert_eq!(next_start(&in_zone(monthly, NEW_YORK), "2022-03-07"), "2022-04-01T04:00:00Z");

    let monthly = anniversary(PlanInterval::Monthly, SUBSCRIPTION_AT);
    assert_eq!(next_start(&monthly, "2022-03-07"), "2022-04-02T00:00:00Z");
    assert_eq!(next_start(&monthly, "2021-12-07"), "2022-01-02T00:00:00Z");
    // The last day of the period is its end.
    assert_eq!(next_start(&monthly, "2022-03-01"), "2022-03-02T00:00:00Z");
    // 2021-02-02 00:00 UTC is February 1st in New York: periods there end on the last day of the month.
    assert_eq!(next_start(&in_zone(monthly, NEW_YORK), "2022-03-07"), "2022-04-01T04:00:00Z");
}
