//! Billing periods against Lago's own specs (`spec/services/subscriptions/dates/*_service_spec.rb`)
//! and the subscription request specs. Lago's specs mostly bill *after* a period (`billing_at` the
//! day after it, `current_usage: false`); each such case is restated here as the period holding a
//! day inside it, which is what `current_billing_period` reports.

mod clamping;
mod lago_monthly;
mod lago_quarterly_semiannual;
mod lago_weekly;
mod lago_yearly;
mod next_period;
mod timezones;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;

use super::*;

const NEW_YORK: Tz = chrono_tz::America::New_York;

/// `"2022-03-07"` is midnight UTC, like Lago's `Time.zone.parse("07 Mar 2022")`; anything else is
/// RFC 3339.
fn at(text: &str) -> DateTime<Utc> {
    match text.parse::<NaiveDate>() {
        Ok(date) => date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc(),
        Err(_) => text.parse().expect("an RFC 3339 instant"),
    }
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a test date")
}

fn render(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A subscription in UTC, started at its subscription date, not terminated.
fn schedule(interval: PlanInterval, billing_time: BillingTime, subscription_at: &str) -> PeriodSchedule {
    PeriodSchedule {
        interval,
        bill_charges_monthly: false,
        billing_time,
        subscription_at: at(subscription_at),
        started_at: at(subscription_at),
        terminated_at: None,
        timezone: chrono_tz::UTC,
    }
}

fn calendar(interval: PlanInterval, subscription_at: &str) -> PeriodSchedule {
    schedule(interval, BillingTime::Calendar, subscription_at)
}

fn anniversary(interval: PlanInterval, subscription_at: &str) -> PeriodSchedule {
    schedule(interval, BillingTime::Anniversary, subscription_at)
}

fn in_zone(schedule: PeriodSchedule, timezone: Tz) -> PeriodSchedule {
    PeriodSchedule { timezone, ..schedule }
}

fn charges_monthly(schedule: PeriodSchedule) -> PeriodSchedule {
    PeriodSchedule { bill_charges_monthly: true, ..schedule }
}

/// `current_billing_period` at `now`, rendered as Lago's JSON shows it.
fn period(schedule: &PeriodSchedule, now: &str) -> [String; 2] {
    let period = schedule.current_billing_period(at(now));
    [render(period.started_at), render(period.ending_at)]
}

fn next_start(schedule: &PeriodSchedule, now: &str) -> String {
    render(schedule.next_period_start(at(now)))
}

#[test]
fn billing_time_round_trips_lagos_names() {
    assert_eq!(BillingTime::parse("calendar"), Some(BillingTime::Calendar));
    assert_eq!(BillingTime::parse("anniversary"), Some(BillingTime::Anniversary));
    assert_eq!(BillingTime::Calendar.as_str(), "calendar");
    assert_eq!(BillingTime::Anniversary.as_str(), "anniversary");
    assert_eq!(BillingTime::parse("Calendar"), None);
    assert_eq!(BillingTime::parse(""), None);
}
