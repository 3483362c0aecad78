//! When a scheduled downgrade takes effect: `next_period_start` and `downgrade_plan_date`
//! (`Subscription#downgrade_plan_date`: `next_end_of_period` + 1 day).

use super::*;

#[test]
fn lagos_request_spec_downgrades_on_the_first_of_next_month() {
    // `spec/support/shared_examples/subscription_index.rb`: a calendar monthly subscription
    // listed on 2022-06-20 with a pending downgrade shows `"downgrade_plan_date": "2022-07-01"`.
    let monthly = calendar(PlanInterval::Monthly, "2022-06-20");
    assert_eq!(monthly.downgrade_plan_date(at("2022-06-20T12:00:00Z")), day("2022-07-01"));
    assert_eq!(next_start(&monthly, "2022-06-20T12:00:00Z"), "2022-07-01T00:00:00Z");
}

#[test]
fn the_last_day_of_a_period_downgrades_the_next_day() {
    let monthly = calendar(PlanInterval::Monthly, "2022-06-20");
    assert_eq!(monthly.downgrade_plan_date(at("2022-06-30T23:59:59Z")), day("2022-07-01"));
    assert_eq!(monthly.downgrade_plan_date(at("2022-07-01")), day("2022-08-01"));
}

#[test]
fn anniversary_plans_downgrade_on_the_next_anniversary() {
    let monthly = anniversary(PlanInterval::Monthly, "2022-01-31");
    assert_eq!(monthly.downgrade_plan_date(at("2022-02-10")), day("2022-02-28"));
    assert_eq!(monthly.downgrade_plan_date(at("2022-02-28")), day("2022-03-31"));
    let weekly = anniversary(PlanInterval::Weekly, "2021-02-02");
    assert_eq!(weekly.downgrade_plan_date(at("2022-03-08T20:00:00Z")), day("2022-03-15"));
    let yearly = anniversary(PlanInterval::Yearly, "2020-02-29");
    assert_eq!(yearly.downgrade_plan_date(at("2022-06-01")), day("2023-02-28"));
}

#[test]
fn plans_billing_charges_monthly_still_downgrade_at_the_end_of_the_plan_period() {
    let yearly = charges_monthly(calendar(PlanInterval::Yearly, "2022-01-01"));
    assert_eq!(yearly.downgrade_plan_date(at("2022-06-20")), day("2023-01-01"));
    let semiannual = charges_monthly(anniversary(PlanInterval::Semiannual, "2022-03-15"));
    assert_eq!(semiannual.downgrade_plan_date(at("2022-06-20")), day("2022-09-15"));
}

#[test]
fn the_date_is_the_customers() {
    // 2022-06-30 22:30 UTC is already July 1st in Paris: the downgrade waits for August.
    let paris = in_zone(calendar(PlanInterval::Monthly, "2022-06-20"), chrono_tz::Europe::Paris);
    assert_eq!(paris.downgrade_plan_date(at("2022-06-30T22:30:00Z")), day("2022-08-01"));
    assert_eq!(next_start(&paris, "2022-06-30T22:30:00Z"), "2022-07-31T22:00:00Z");
    assert_eq!(paris.downgrade_plan_date(at("2022-06-30T21:30:00Z")), day("2022-07-01"));
    assert_eq!(next_start(&paris, "2022-06-30T21:30:00Z"), "2022-06-30T22:00:00Z");
}

#[test]
fn west_of_utc_the_date_is_the_local_day_not_lagos_utc_date() {
    // 2022-07-01 03:00 UTC is June 30 in Los Angeles: the downgrade happens at its midnight,
    // 2022-07-01 07:00 UTC. Lago would show 2022-07-02 (the UTC date of 2022-07-01 06:59:59 + 1 day).
    let los_angeles = in_zone(calendar(PlanInterval::Monthly, "2022-06-20"), chrono_tz::America::Los_Angeles);
    assert_eq!(los_angeles.downgrade_plan_date(at("2022-07-01T03:00:00Z")), day("2022-07-01"));
    assert_eq!(next_start(&los_angeles, "2022-07-01T03:00:00Z"), "2022-07-01T07:00:00Z");
}

#[test]
fn the_next_start_follows_the_current_period_end_by_one_second() {
    let schedules = [
        calendar(PlanInterval::Weekly, "2021-02-02"),
        anniversary(PlanInterval::Monthly, "2021-01-31"),
        in_zone(anniversary(PlanInterval::Quarterly, "2021-11-30"), chrono_tz::America::Los_Angeles),
        in_zone(calendar(PlanInterval::Semiannual, "2021-02-02"), chrono_tz::Europe::Paris),
        in_zone(anniversary(PlanInterval::Yearly, "2020-02-29"), NEW_YORK),
    ];
    for schedule in schedules {
        for now in
            ["2022-02-27T23:30:00Z", "2022-03-13T09:00:00Z", "2022-10-30T01:30:00Z", "2023-02-28T12:00:00Z"]
        {
            let ending_at = schedule.current_billing_period(at(now)).ending_at;
            let next = schedule.next_period_start(at(now));
            assert_eq!(next - ending_at, chrono::TimeDelta::seconds(1), "{schedule:?} at {now}");
            assert_eq!(
                next.with_timezone(&schedule.timezone).date_naive(),
                schedule.downgrade_plan_date(at(now))
            );
        }
    }
}
