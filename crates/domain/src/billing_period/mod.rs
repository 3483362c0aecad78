//! Billing periods of a subscription, as Lago's `Subscriptions::DatesService` cuts them: which
//! period holds an instant, where it starts and ends, and when the next one begins (the day a
//! scheduled downgrade takes effect). Everything is decided on calendar dates in the customer's
//! timezone and only then turned into UTC instants, so that a DST change never moves a boundary
//! to another day.

mod anniversary;
mod calendar;
mod local_time;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use crate::plan::PlanInterval;

/// How a subscription's periods are cut: calendar periods (weeks from Monday, months from the
/// 1st, quarters from January, April, July and October, half-years from January and July, years
/// from January 1) or anniversary periods from the subscription date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingTime {
    Calendar,
    Anniversary,
}

impl BillingTime {
    pub const ALL: [Self; 2] = [Self::Calendar, Self::Anniversary];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Calendar => "calendar",
            Self::Anniversary => "anniversary",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|billing_time| billing_time.as_str() == text)
    }
}

/// A billing period, in UTC: `started_at` inclusive, `ending_at` the last second (Lago renders
/// `…T23:59:59Z` of the last day in the customer's timezone, converted to UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillingPeriod {
    pub started_at: DateTime<Utc>,
    pub ending_at: DateTime<Utc>,
}

/// What the period computations need of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodSchedule {
    pub interval: PlanInterval,
    pub bill_charges_monthly: bool,
    pub billing_time: BillingTime,
    /// Anniversary periods repeat this date, read in `timezone`.
    pub subscription_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    /// Set once the subscription is terminated.
    pub terminated_at: Option<DateTime<Utc>>,
    /// The customer's applicable timezone.
    pub timezone: Tz,
}

impl PeriodSchedule {
    /// Lago's `current_billing_period_started_at` / `_ending_at`: the charges period (monthly when
    /// a yearly or semiannual plan bills charges monthly) containing max(now, started_at), its start
    /// clamped to `started_at` and its end to `terminated_at`, truncated to whole seconds.
    ///
    /// As in Lago, a subscription read after its termination gets the period holding `now`,
    /// so its `ending_at` (the termination) is earlier than its `started_at`.
    pub fn current_billing_period(&self, now: DateTime<Utc>) -> BillingPeriod {
        let reference = now.max(self.started_at);
        // Only dates at the very edge of chrono's range (year ±262,143) have no period.
        let period = self
            .days_containing(self.charges_length(), reference)
            .and_then(|days| days.instants(self.timezone))
            .unwrap_or(BillingPeriod { started_at: reference, ending_at: reference });

        // The same order as `charges_from_datetime` / `charges_to_datetime`.
        let started_at = period.started_at.max(self.started_at);
        let ending_at = match self.terminated_at {
            Some(terminated_at) => period.ending_at.min(terminated_at),
            None => period.ending_at,
        }
        .max(self.started_at);

        BillingPeriod { started_at: whole_seconds(started_at), ending_at: whole_seconds(ending_at) }
    }

    /// The first instant of the plan billing period after the one holding `now`: when a scheduled
    /// downgrade takes effect and the current subscription ends (Lago's `next_end_of_period`, plus
    /// the second that makes it the next day's midnight). Charges billed monthly do not matter here:
    /// plans rotate on plan periods. At the edge of chrono's date range there is no next period:
    /// `DateTime::MAX_UTC`, never.
    pub fn next_period_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.next_period_first_day(now)
            .and_then(|first_day| local_time::start_of_day(self.timezone, first_day))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Lago's `downgrade_plan_date` for a pending next subscription: the calendar date, in the
    /// customer's timezone, on which the downgrade takes effect.
    ///
    /// Lago takes the UTC date of the period's last second before adding a day, which is one day
    /// late for customers west of UTC; this is the date the downgrade really happens there.
    /// `NaiveDate::MAX` at the edge of chrono's date range, like `next_period_start`.
    pub fn downgrade_plan_date(&self, now: DateTime<Utc>) -> NaiveDate {
        self.next_period_first_day(now).unwrap_or(NaiveDate::MAX)
    }

    fn next_period_first_day(&self, now: DateTime<Utc>) -> Option<NaiveDate> {
        self.days_containing(PeriodLength::of(self.interval), now)?.last.succ_opt()
    }

    /// Lago bills charges monthly only on yearly and semiannual plans (`Dates::YearlyService` and
    /// `SemiannualService#compute_charges_from_date`); the flag is ignored on other intervals.
    fn charges_length(&self) -> PeriodLength {
        match self.interval {
            PlanInterval::Yearly | PlanInterval::Semiannual if self.bill_charges_monthly => {
                PeriodLength::of(PlanInterval::Monthly)
            }
            interval => PeriodLength::of(interval),
        }
    }

    fn days_containing(&self, length: PeriodLength, instant: DateTime<Utc>) -> Option<PeriodDays> {
        let date = local_date(instant, self.timezone);
        match self.billing_time {
            BillingTime::Calendar => calendar::period_containing(length, date),
            BillingTime::Anniversary => {
                let anchor = local_date(self.subscription_at, self.timezone);
                anniversary::period_containing(length, anchor, date)
            }
        }
    }
}

/// Whether a subscription starting at `subscription_at` starts "today or earlier" in `timezone`
/// at `now`. Lago compares calendar dates in the customer's applicable timezone
/// (`Subscriptions::CreateService`): a start later today is active at once, with `started_at` in
/// the future.
pub fn starts_on_or_before_today(subscription_at: DateTime<Utc>, now: DateTime<Utc>, timezone: Tz) -> bool {
    local_date(subscription_at, timezone) <= local_date(now, timezone)
}

/// Local midnight of the calendar day `instant` falls on in `timezone`: when a subscription that
/// starts that day becomes active. At the edge of chrono's date range, `instant` itself.
pub fn start_of_local_day(instant: DateTime<Utc>, timezone: Tz) -> DateTime<Utc> {
    local_time::start_of_day(timezone, local_date(instant, timezone)).unwrap_or(instant).min(instant)
}

/// How long one period lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PeriodLength {
    Week,
    /// 1, 3, 6 or 12; a divisor of 12, so calendar periods tile the year.
    Months(u32),
}

impl PeriodLength {
    fn of(interval: PlanInterval) -> Self {
        match interval {
            PlanInterval::Weekly => Self::Week,
            PlanInterval::Monthly => Self::Months(1),
            PlanInterval::Quarterly => Self::Months(3),
            PlanInterval::Semiannual => Self::Months(6),
            PlanInterval::Yearly => Self::Months(12),
        }
    }
}

/// The local dates a period covers, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PeriodDays {
    first: NaiveDate,
    last: NaiveDate,
}

impl PeriodDays {
    /// From local midnight of the first day to 23:59:59 of the last one. Where a DST change makes
    /// that second occur twice, Lago (ActiveSupport) takes its first occurrence; where it does not
    /// exist, the second before the next period's midnight keeps the periods apart.
    fn instants(self, timezone: Tz) -> Option<BillingPeriod> {
        let started_at = local_time::start_of_day(timezone, self.first)?;
        let next_started_at = local_time::start_of_day(timezone, self.last.succ_opt()?)?;
        let last_second = local_time::last_second_of_day(timezone, self.last)?;
        let ending_at = last_second.min(next_started_at.checked_sub_signed(local_time::ONE_SECOND)?);
        Some(BillingPeriod { started_at, ending_at })
    }
}

fn local_date(instant: DateTime<Utc>, timezone: Tz) -> NaiveDate {
    instant.with_timezone(&timezone).date_naive()
}

/// Lago renders these instants with `iso8601`, which drops fractions of a second.
fn whole_seconds(instant: DateTime<Utc>) -> DateTime<Utc> {
    instant.with_nanosecond(0).unwrap_or(instant)
}
