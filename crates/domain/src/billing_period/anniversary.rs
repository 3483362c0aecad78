//! Anniversary periods: each starts on an anniversary of the subscription date (same weekday for
//! weekly plans; same day of the month, every 1, 3, 6 or 12 months, otherwise) and ends the day
//! before the next one. A day the month lacks becomes the month's last day, as Lago's `build_date`
//! and `anniversary_day_in` do: a subscription on January 31 has monthly periods starting
//! February 28 (29), March 31, April 30, …, and one on February 29 yearly periods starting on
//! February 28 in common years.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::{PeriodDays, PeriodLength};

/// The anniversary period of `length` from `anchor` (the subscription date) that holds `date`.
/// `date` may precede `anchor`: the periods extend backwards the same way.
pub(super) fn period_containing(
    length: PeriodLength,
    anchor: NaiveDate,
    date: NaiveDate,
) -> Option<PeriodDays> {
    let (first, next_first) = match length {
        PeriodLength::Week => {
            let first =
                date.checked_sub_days(Days::new(u64::from(date.weekday().days_since(anchor.weekday()))))?;
            (first, first.checked_add_days(Days::new(7))?)
        }
        PeriodLength::Months(months) => {
            let period_months = i32::try_from(months).ok()?;
            let mut index = months_between(anchor, date)?.div_euclid(period_months);
            let mut first = nth_anniversary(anchor, months, index)?;
            // The anniversary in `date`'s own month may still be ahead of it.
            if first > date {
                index = index.checked_sub(1)?;
                first = nth_anniversary(anchor, months, index)?;
            }
            (first, nth_anniversary(anchor, months, index.checked_add(1)?)?)
        }
    };
    Some(PeriodDays { first, last: next_first.pred_opt()? })
}

/// Whole calendar months from `anchor`'s month to `date`'s month (negative when `date` is earlier).
fn months_between(anchor: NaiveDate, date: NaiveDate) -> Option<i32> {
    let years = date.year().checked_sub(anchor.year())?;
    let months = i32::try_from(date.month0()).ok()?.checked_sub(i32::try_from(anchor.month0()).ok()?)?;
    years.checked_mul(12)?.checked_add(months)
}

/// The `index`-th anniversary of `anchor` (negative: before it), `period_months` apart. Always
/// counted from `anchor` itself, so a day clamped in a short month comes back in the long ones.
fn nth_anniversary(anchor: NaiveDate, period_months: u32, index: i32) -> Option<NaiveDate> {
    let offset = Months::new(period_months.checked_mul(index.unsigned_abs())?);
    if index >= 0 { anchor.checked_add_months(offset) } else { anchor.checked_sub_months(offset) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a test date")
    }

    fn days(length: PeriodLength, anchor: &str, date: &str) -> (NaiveDate, NaiveDate) {
        let period = period_containing(length, day(anchor), day(date)).expect("dates inside the range");
        (period.first, period.last)
    }

    fn firsts(length: PeriodLength, anchor: &str, dates: &[&str]) -> Vec<NaiveDate> {
        dates.iter().map(|date| days(length, anchor, date).0).collect()
    }

    #[test]
    fn weeks_start_on_the_subscription_weekday() {
        // 2021-02-02 is a Tuesday.
        let week = (day("2022-03-01"), day("2022-03-07"));
        assert_eq!(days(PeriodLength::Week, "2021-02-02", "2022-03-01"), week);
        assert_eq!(days(PeriodLength::Week, "2021-02-02", "2022-03-04"), week);
        assert_eq!(days(PeriodLength::Week, "2021-02-02", "2022-03-07"), week);
        assert_eq!(
            days(PeriodLength::Week, "2021-02-02", "2022-03-08"),
            (day("2022-03-08"), day("2022-03-14"))
        );
    }

    #[test]
    fn months_start_on_the_subscription_day() {
        assert_eq!(
            days(PeriodLength::Months(1), "2021-02-02", "2022-03-02"),
            (day("2022-03-02"), day("2022-04-01"))
        );
        assert_eq!(
            days(PeriodLength::Months(1), "2021-02-02", "2022-03-01"),
            (day("2022-02-02"), day("2022-03-01"))
        );
        assert_eq!(
            days(PeriodLength::Months(1), "2021-02-02", "2021-12-25"),
            (day("2021-12-02"), day("2022-01-01"))
        );
    }

    #[test]
    fn a_subscription_on_the_first_has_calendar_months() {
        assert_eq!(
            days(PeriodLength::Months(1), "2022-01-01", "2022-02-15"),
            (day("2022-02-01"), day("2022-02-28"))
        );
    }

    #[test]
    fn a_day_the_month_lacks_becomes_its_last_day() {
        let starts = firsts(
            PeriodLength::Months(1),
            "2022-01-31",
            &["2022-02-28", "2022-03-30", "2022-03-31", "2022-04-30", "2022-05-30", "2022-05-31"],
        );
        let expected = ["2022-02-28", "2022-02-28", "2022-03-31", "2022-04-30", "2022-04-30", "2022-05-31"];
        assert_eq!(starts, expected.map(day));
        assert_eq!(
            days(PeriodLength::Months(1), "2022-01-31", "2022-03-15"),
            (day("2022-02-28"), day("2022-03-30"))
        );
        assert_eq!(
            days(PeriodLength::Months(1), "2022-01-31", "2022-04-30"),
            (day("2022-04-30"), day("2022-05-30"))
        );
    }

    #[test]
    fn leap_years_give_february_its_29th() {
        assert_eq!(
            days(PeriodLength::Months(1), "2024-01-31", "2024-02-29"),
            (day("2024-02-29"), day("2024-03-30"))
        );
        assert_eq!(
            days(PeriodLength::Months(1), "2024-01-30", "2024-02-29"),
            (day("2024-02-29"), day("2024-03-29"))
        );
        assert_eq!(
            days(PeriodLength::Months(1), "2023-01-30", "2023-02-28"),
            (day("2023-02-28"), day("2023-03-29"))
        );
    }

    #[test]
    fn a_february_29_subscription_renews_on_february_28_in_common_years() {
        let length = PeriodLength::Months(12);
        assert_eq!(days(length, "2020-02-29", "2020-02-29"), (day("2020-02-29"), day("2021-02-27")));
        assert_eq!(days(length, "2020-02-29", "2021-03-01"), (day("2021-02-28"), day("2022-02-27")));
        assert_eq!(days(length, "2020-02-29", "2022-02-28"), (day("2022-02-28"), day("2023-02-27")));
        assert_eq!(days(length, "2020-02-29", "2027-12-31"), (day("2027-02-28"), day("2028-02-28")));
        assert_eq!(days(length, "2020-02-29", "2028-02-29"), (day("2028-02-29"), day("2029-02-27")));
    }

    #[test]
    fn quarters_repeat_every_three_months_from_the_subscription_month() {
        // A 31st in a quarter of months that lack it: Jan 31, Apr 30, Jul 31, Oct 31.
        let starts = firsts(
            PeriodLength::Months(3),
            "2021-01-31",
            &["2021-04-29", "2021-04-30", "2021-09-01", "2022-01-30"],
        );
        assert_eq!(starts, ["2021-01-31", "2021-04-30", "2021-07-31", "2021-10-31"].map(day));
        // A 30th comes back as the 30th, not the month's end: Nov 30, Feb 28, May 30.
        assert_eq!(
            days(PeriodLength::Months(3), "2021-11-30", "2022-03-15"),
            (day("2022-02-28"), day("2022-05-29"))
        );
    }

    #[test]
    fn a_date_outside_the_billing_months_belongs_to_the_previous_anniversary() {
        assert_eq!(
            days(PeriodLength::Months(3), "2023-04-06", "2023-08-04"),
            (day("2023-07-06"), day("2023-10-05"))
        );
        assert_eq!(
            days(PeriodLength::Months(6), "2023-01-06", "2023-08-08"),
            (day("2023-07-06"), day("2024-01-05"))
        );
        assert_eq!(
            days(PeriodLength::Months(6), "2021-01-31", "2021-04-30"),
            (day("2021-01-31"), day("2021-07-30"))
        );
    }

    #[test]
    fn years_start_on_the_subscription_day() {
        assert_eq!(
            days(PeriodLength::Months(12), "2022-12-01", "2023-01-02"),
            (day("2022-12-01"), day("2023-11-30"))
        );
        assert_eq!(
            days(PeriodLength::Months(12), "2021-01-01", "2021-06-01"),
            (day("2021-01-01"), day("2021-12-31"))
        );
    }

    #[test]
    fn periods_extend_before_the_subscription_date() {
        assert_eq!(
            days(PeriodLength::Months(1), "2022-03-15", "2022-01-20"),
            (day("2022-01-15"), day("2022-02-14"))
        );
        assert_eq!(
            days(PeriodLength::Months(3), "2022-03-31", "2021-12-30"),
            (day("2021-09-30"), day("2021-12-30"))
        );
        assert_eq!(
            days(PeriodLength::Week, "2022-03-10", "2022-03-01"),
            (day("2022-02-24"), day("2022-03-02"))
        );
    }

    #[test]
    fn the_edge_of_the_date_range_has_no_period() {
        assert_eq!(period_containing(PeriodLength::Months(12), day("2022-01-01"), NaiveDate::MAX), None);
    }
}
