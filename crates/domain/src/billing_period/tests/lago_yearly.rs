//! `spec/services/subscriptions/dates/yearly_service_spec.rb`: subscription on 2021-02-02 unless
//! the case says otherwise.

use super::*;

#[test]
fn calendar_years() {
    // Subscribed 2019-02-02, billed on 2022-01-01: 2021; in advance, 2022.
    let yearly = calendar(PlanInterval::Yearly, "2019-02-02");
    assert_eq!(period(&yearly, "2021-06-01"), ["2021-01-01T00:00:00Z", "2021-12-31T23:59:59Z"]);
    assert_eq!(period(&yearly, "2022-01-01"), ["2022-01-01T00:00:00Z", "2022-12-31T23:59:59Z"]);
    // In New York 2022-01-01 00:00 UTC is still 2021: billed for 2020.
    let yearly = in_zone(yearly, NEW_YORK);
    assert_eq!(period(&yearly, "2020-06-01"), ["2020-01-01T05:00:00Z", "2021-01-01T04:59:59Z"]);
}

#[test]
fn anniversary_years() {
    let yearly = anniversary(PlanInterval::Yearly, "2021-02-02");
    // Billed on 2022-02-02; in advance, up to 2023-02-01.
    assert_eq!(period(&yearly, "2021-08-01"), ["2021-02-02T00:00:00Z", "2022-02-01T23:59:59Z"]);
    assert_eq!(period(&yearly, "2022-02-02"), ["2022-02-02T00:00:00Z", "2023-02-01T23:59:59Z"]);
    // Terminated and billed on 2022-01-03, before the anniversary month: from 2021-02-02.
    assert_eq!(period(&yearly, "2022-01-03")[0], "2021-02-02T00:00:00Z");
    // Subscribed 2021-01-01, billed on 2022-03-02: up to 2021-12-31.
    let yearly = anniversary(PlanInterval::Yearly, "2021-01-01");
    assert_eq!(period(&yearly, "2021-03-02"), ["2021-01-01T00:00:00Z", "2021-12-31T23:59:59Z"]);
    // Subscribed 2022-12-01, billed on 2024-01-02: up to 2023-11-30.
    let yearly = anniversary(PlanInterval::Yearly, "2022-12-01");
    assert_eq!(period(&yearly, "2023-01-02"), ["2022-12-01T00:00:00Z", "2023-11-30T23:59:59Z"]);
}

#[test]
fn a_february_29_subscription_renews_on_february_28_in_common_years() {
    let yearly = anniversary(PlanInterval::Yearly, "2020-02-29");
    // Terminated and billed on 2022-03-28: from 2022-02-28.
    assert_eq!(period(&yearly, "2022-03-28")[0], "2022-02-28T00:00:00Z");
    // Billed on 2022-03-01: the period from 2021-02-28 ends 2022-02-27, the day before the next
    // anniversary (the stored spec's 2022-02-28 predates `period_started_in_last_year?`, which
    // stopped periods from sharing February 28).
    assert_eq!(period(&yearly, "2021-03-01"), ["2021-02-28T00:00:00Z", "2022-02-27T23:59:59Z"]);
    // And the 29th comes back in leap years.
    assert_eq!(period(&yearly, "2027-03-01"), ["2027-02-28T00:00:00Z", "2028-02-28T23:59:59Z"]);
    assert_eq!(period(&yearly, "2028-02-29"), ["2028-02-29T00:00:00Z", "2029-02-27T23:59:59Z"]);
}

#[test]
fn years_billing_charges_monthly_report_the_month() {
    // Calendar, billed on 2022-01-01: charges of December 2021.
    let yearly = charges_monthly(calendar(PlanInterval::Yearly, "2020-02-02"));
    assert_eq!(period(&yearly, "2021-12-15"), ["2021-12-01T00:00:00Z", "2021-12-31T23:59:59Z"]);
    // In advance on 2022-03-07: charges of February, up to 2022-02-28.
    assert_eq!(period(&yearly, "2022-02-07"), ["2022-02-01T00:00:00Z", "2022-02-28T23:59:59Z"]);
    // Anniversary, billed on 2022-02-02: charges from 2022-01-02.
    let yearly = charges_monthly(anniversary(PlanInterval::Yearly, "2021-02-02"));
    assert_eq!(period(&yearly, "2022-01-20"), ["2022-01-02T00:00:00Z", "2022-02-01T23:59:59Z"]);
}

#[test]
fn next_end_of_period() {
    let yearly = calendar(PlanInterval::Yearly, "2021-02-02");
    assert_eq!(next_start(&yearly, "2022-03-07"), "2023-01-01T00:00:00Z");
    assert_eq!(next_start(&in_zone(yearly, NEW_YORK), "2022-03-07"), "2023-01-01T05:00:00Z");
    let yearly = anniversary(PlanInterval::Yearly, "2021-02-02");
    assert_eq!(next_start(&yearly, "2022-03-07"), "2023-02-02T00:00:00Z");
    assert_eq!(next_start(&yearly, "2022-02-01"), "2022-02-02T00:00:00Z");
    // In New York the subscription is on 2021-02-01: 2023-02-01 04:59:59 UTC ends the period.
    assert_eq!(next_start(&in_zone(yearly, NEW_YORK), "2022-03-07"), "2023-02-01T05:00:00Z");
    // Charges billed monthly do not move the plan's own period.
    let yearly = charges_monthly(calendar(PlanInterval::Yearly, "2021-02-02"));
    assert_eq!(next_start(&yearly, "2022-03-07"), "2023-01-01T00:00:00Z");
}
