//! `spec/services/subscriptions/dates/quarterly_service_spec.rb` and `semiannual_service_spec.rb`.
//!
//! Where the stored semiannual spec still asserts what Lago's older `previous_anniversary_day` and
//! `compute_next_end_of_period` computed (a non-billing month taken as an anniversary; the next end
//! six months after `billing_date.month`), the tests follow the current services, whose notes say
//! those were fixed: "a non-billing month always resolves to an earlier billing month" and "the
//! period is resolved from its own anniversary, not from `billing_date.month`".

use super::*;

#[test]
fn calendar_quarters() {
    let quarterly = calendar(PlanInterval::Quarterly, "2021-02-02");
    // Billed on 2022-07-01: the second quarter; in advance, the third.
    assert_eq!(period(&quarterly, "2022-05-15"), ["2022-04-01T00:00:00Z", "2022-06-30T23:59:59Z"]);
    assert_eq!(period(&quarterly, "2022-07-01"), ["2022-07-01T00:00:00Z", "2022-09-30T23:59:59Z"]);
    // In New York the bill of 2022-07-01 00:00 UTC is still June 30: the first quarter, which
    // starts in winter time and ends in summer time.
    let quarterly = in_zone(quarterly, NEW_YORK);
    assert_eq!(period(&quarterly, "2022-02-15"), ["2022-01-01T05:00:00Z", "2022-04-01T03:59:59Z"]);
}

#[test]
fn anniversary_quarters() {
    let quarterly = anniversary(PlanInterval::Quarterly, "2021-02-02");
    // Billed on 2022-05-02; in advance, up to 2022-08-01.
    assert_eq!(period(&quarterly, "2022-03-10"), ["2022-02-02T00:00:00Z", "2022-05-01T23:59:59Z"]);
    assert_eq!(period(&quarterly, "2022-05-02"), ["2022-05-02T00:00:00Z", "2022-08-01T23:59:59Z"]);
    // Billed on 2022-02-02: the quarter from the previous year.
    assert_eq!(period(&quarterly, "2021-12-25"), ["2021-11-02T00:00:00Z", "2022-02-01T23:59:59Z"]);
    // Subscribed 2021-10-01, billed on 2022-04-02: up to 2022-03-31.
    let quarterly = anniversary(PlanInterval::Quarterly, "2021-10-01");
    assert_eq!(period(&quarterly, "2022-01-02"), ["2022-01-01T00:00:00Z", "2022-03-31T23:59:59Z"]);
}

#[test]
fn anniversary_quarters_clamp_to_short_months() {
    // Subscribed 2021-02-28, billed on 2022-05-31: from 2022-02-28; billed on 2022-02-27: from 2021-11-28.
    let quarterly = anniversary(PlanInterval::Quarterly, "2021-02-28");
    assert_eq!(period(&quarterly, "2022-02-28")[0], "2022-02-28T00:00:00Z");
    assert_eq!(period(&quarterly, "2022-02-27")[0], "2021-11-28T00:00:00Z");
    // Subscribed 2021-05-30, terminated and billed on 2022-05-29: from 2022-02-28.
    let quarterly = anniversary(PlanInterval::Quarterly, "2021-05-30");
    assert_eq!(period(&quarterly, "2022-05-29")[0], "2022-02-28T00:00:00Z");
    // Subscribed 2021-01-31, in advance on 2021-04-30: from 2021-04-30.
    let quarterly = anniversary(PlanInterval::Quarterly, "2021-01-31");
    assert_eq!(period(&quarterly, "2021-04-30")[0], "2021-04-30T00:00:00Z");
    // Subscribed 2021-11-30, billed on 2022-03-01: up to 2022-02-27 (the 30th is February 28).
    let quarterly = anniversary(PlanInterval::Quarterly, "2021-11-30");
    assert_eq!(period(&quarterly, "2021-12-01"), ["2021-11-30T00:00:00Z", "2022-02-27T23:59:59Z"]);
    // Subscribed 2022-01-30, billed on 2022-04-30: up to 2022-04-29.
    let quarterly = anniversary(PlanInterval::Quarterly, "2022-01-30");
    assert_eq!(period(&quarterly, "2022-02-15"), ["2022-01-30T00:00:00Z", "2022-04-29T23:59:59Z"]);
}

#[test]
fn a_day_outside_the_billing_months_belongs_to_the_previous_anniversary() {
    // Current usage on 2023-08-08 and 2023-08-04 of a subscription on 2023-04-06: from 2023-07-06.
    let quarterly = anniversary(PlanInterval::Quarterly, "2023-04-06");
    assert_eq!(period(&quarterly, "2023-08-08"), ["2023-07-06T00:00:00Z", "2023-10-05T23:59:59Z"]);
    assert_eq!(period(&quarterly, "2023-08-04")[0], "2023-07-06T00:00:00Z");
    // The same for half-years from 2023-01-06.
    let semiannual = anniversary(PlanInterval::Semiannual, "2023-01-06");
    assert_eq!(period(&semiannual, "2023-08-08"), ["2023-07-06T00:00:00Z", "2024-01-05T23:59:59Z"]);
    assert_eq!(period(&semiannual, "2023-08-04")[0], "2023-07-06T00:00:00Z");
    // Subscribed 2021-01-31, in advance on 2021-04-30: April is no billing month of a half-year
    // from January (the stored spec's "2021-04-30" predates the fix).
    let semiannual = anniversary(PlanInterval::Semiannual, "2021-01-31");
    assert_eq!(period(&semiannual, "2021-04-30"), ["2021-01-31T00:00:00Z", "2021-07-30T23:59:59Z"]);
}

#[test]
fn calendar_half_years() {
    let semiannual = calendar(PlanInterval::Semiannual, "2021-02-02");
    // Billed on 2022-07-01; in advance, up to 2022-12-31.
    assert_eq!(period(&semiannual, "2022-03-10"), ["2022-01-01T00:00:00Z", "2022-06-30T23:59:59Z"]);
    assert_eq!(period(&semiannual, "2022-07-01"), ["2022-07-01T00:00:00Z", "2022-12-31T23:59:59Z"]);
    // New York: 2022-07-01 00:00 UTC is June 30 there, so the second half of 2021.
    let semiannual = in_zone(semiannual, NEW_YORK);
    assert_eq!(period(&semiannual, "2021-10-10"), ["2021-07-01T04:00:00Z", "2022-01-01T04:59:59Z"]);
}

#[test]
fn anniversary_half_years() {
    let semiannual = anniversary(PlanInterval::Semiannual, "2021-11-02");
    // Billed on 2022-05-02; in advance, up to 2022-11-01.
    assert_eq!(period(&semiannual, "2022-02-10"), ["2021-11-02T00:00:00Z", "2022-05-01T23:59:59Z"]);
    assert_eq!(period(&semiannual, "2022-05-02"), ["2022-05-02T00:00:00Z", "2022-11-01T23:59:59Z"]);
    // Subscribed 2021-02-02, billed on 2022-02-02: up to 2022-02-01.
    let semiannual = anniversary(PlanInterval::Semiannual, "2021-02-02");
    assert_eq!(period(&semiannual, "2021-12-01")[1], "2022-02-01T23:59:59Z");
    // Subscribed 2021-10-01, billed on 2022-04-02: up to 2022-03-31.
    let semiannual = anniversary(PlanInterval::Semiannual, "2021-10-01");
    assert_eq!(period(&semiannual, "2021-10-02"), ["2021-10-01T00:00:00Z", "2022-03-31T23:59:59Z"]);
    // Subscribed 2022-01-30, billed on 2022-07-30: up to 2022-07-29.
    let semiannual = anniversary(PlanInterval::Semiannual, "2022-01-30");
    assert_eq!(period(&semiannual, "2022-03-01")[1], "2022-07-29T23:59:59Z");
}

#[test]
fn anniversary_half_years_clamp_to_short_months() {
    // Subscribed 2021-11-30: billed on 2022-05-31 from 2021-11-30, billed on 2022-06-01 up to 2022-05-29.
    let semiannual = anniversary(PlanInterval::Semiannual, "2021-11-30");
    assert_eq!(period(&semiannual, "2022-01-15"), ["2021-11-30T00:00:00Z", "2022-05-29T23:59:59Z"]);
    // Subscribed 2021-05-30, terminated and billed on 2022-05-29: from 2021-11-30.
    let semiannual = anniversary(PlanInterval::Semiannual, "2021-05-30");
    assert_eq!(period(&semiannual, "2022-05-29")[0], "2021-11-30T00:00:00Z");
    // Subscribed 2021-02-28, billed on 2022-02-27: from 2021-08-28.
    let semiannual = anniversary(PlanInterval::Semiannual, "2021-02-28");
    assert_eq!(period(&semiannual, "2022-02-27")[0], "2021-08-28T00:00:00Z");
}

#[test]
fn half_years_billing_charges_monthly_report_the_month() {
    let semiannual = charges_monthly(calendar(PlanInterval::Semiannual, "2020-02-02"));
    // Billed on 2022-07-01: charges of June; billed on 2023-02-01: charges of January.
    assert_eq!(period(&semiannual, "2022-06-15"), ["2022-06-01T00:00:00Z", "2022-06-30T23:59:59Z"]);
    assert_eq!(period(&semiannual, "2023-01-15"), ["2023-01-01T00:00:00Z", "2023-01-31T23:59:59Z"]);
    // In advance on 2022-03-07: charges of February, up to 2022-02-28.
    assert_eq!(period(&semiannual, "2022-02-07"), ["2022-02-01T00:00:00Z", "2022-02-28T23:59:59Z"]);
    // Without it (bill_fixed_charges_monthly only), current usage on 2023-02-01 is the half-year.
    let semiannual = calendar(PlanInterval::Semiannual, "2020-02-02");
    assert_eq!(period(&semiannual, "2023-02-01"), ["2023-01-01T00:00:00Z", "2023-06-30T23:59:59Z"]);
}

#[test]
fn quarters_ignore_billing_charges_monthly() {
    let quarterly = charges_monthly(calendar(PlanInterval::Quarterly, "2021-02-02"));
    assert_eq!(period(&quarterly, "2022-05-15"), ["2022-04-01T00:00:00Z", "2022-06-30T23:59:59Z"]);
}

#[test]
fn next_end_of_period() {
    let quarterly = calendar(PlanInterval::Quarterly, "2021-02-02");
    assert_eq!(next_start(&quarterly, "2022-07-02"), "2022-10-01T00:00:00Z");
    assert_eq!(next_start(&in_zone(quarterly, NEW_YORK), "2022-07-02"), "2022-10-01T04:00:00Z");
    let quarterly = anniversary(PlanInterval::Quarterly, "2021-02-02");
    assert_eq!(next_start(&quarterly, "2022-05-07"), "2022-08-02T00:00:00Z");
    assert_eq!(next_start(&quarterly, "2021-11-02"), "2022-02-02T00:00:00Z");
    assert_eq!(next_start(&quarterly, "2022-05-01"), "2022-05-02T00:00:00Z");
    // In New York the subscription is on February 1st: 2022-08-01 03:59:59 UTC ends the period.
    assert_eq!(next_start(&in_zone(quarterly, NEW_YORK), "2022-05-07"), "2022-08-01T04:00:00Z");

    let semiannual = calendar(PlanInterval::Semiannual, "2021-02-02");
    assert_eq!(next_start(&semiannual, "2022-07-02"), "2023-01-01T00:00:00Z");
    assert_eq!(next_start(&in_zone(semiannual, NEW_YORK), "2022-07-02"), "2023-01-01T05:00:00Z");
    // Half-years from February 2 end on August 1 and February 1 (the stored spec's 2022-11-01 and
    // 2022-05-01 are six months after `billing_date.month`, which Lago since fixed).
    let semiannual = anniversary(PlanInterval::Semiannual, "2021-02-02");
    assert_eq!(next_start(&semiannual, "2022-05-07"), "2022-08-02T00:00:00Z");
    assert_eq!(next_start(&semiannual, "2021-11-02"), "2022-02-02T00:00:00Z");
    assert_eq!(next_start(&in_zone(semiannual, NEW_YORK), "2022-05-07"), "2022-08-01T04:00:00Z");
}
