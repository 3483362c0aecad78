//! Calendar periods: weeks from Monday to Sunday (ActiveSupport's default `beginning_of_week`),
//! months from the 1st, quarters from January, April, July and October, half-years from January
//! and July, years from January 1 (`beginning_of_week`/`_month`/`_quarter`/`_half_year`/`_year`
//! in `app/services/subscriptions/dates/*_service.rb`).

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::{PeriodDays, PeriodLength};

/// The calendar period of `length` that holds `date`.
pub(super) fn period_containing(length: PeriodLength, date: NaiveDate) -> Option<PeriodDays> {
    let (first, next_first) = match length {
        PeriodLength::Week => {
            let first =
                date.checked_sub_days(Days::new(u64::from(date.weekday().days_since(Weekday::Mon))))?;
            (first, first.checked_add_days(Days::new(7))?)
        }
        PeriodLength::Months(months) => {
            let first_month = date.month0().checked_div(months)?.checked_mul(months)?.checked_add(1)?;
            let first = NaiveDate::from_ymd_opt(date.year(), first_month, 1)?;
            (first, first.checked_add_months(Months::new(months))?)
        }
    };
    Some(PeriodDays { first, last: next_first.pred_opt()? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a test date")
    }

    fn days(length: PeriodLength, date: &str) -> (NaiveDate, NaiveDate) {
        let period = period_containing(length, day(date)).expect("a date inside the range");
        (period.first, period.last)
    }

    #[test]
    fn weeks_run_from_monday_to_sunday() {
        let week = (day("2022-02-28"), day("2022-03-06"));
        assert_eq!(days(PeriodLength::Week, "2022-02-28"), week);
        assert_eq!(days(PeriodLength::Week, "2022-03-02"), week);
        assert_eq!(days(PeriodLength::Week, "2022-03-06"), week);
        assert_eq!(days(PeriodLength::Week, "2022-03-07"), (day("2022-03-07"), day("2022-03-13")));
    }

    #[test]
    fn weeks_cross_months_and_years() {
        assert_eq!(days(PeriodLength::Week, "2022-01-01"), (day("2021-12-27"), day("2022-01-02")));
        assert_eq!(days(PeriodLength::Week, "2024-02-29"), (day("2024-02-26"), day("2024-03-03")));
    }

    #[test]
    fn months_run_from_the_first_to_the_last_day() {
        assert_eq!(days(PeriodLength::Months(1), "2022-02-15"), (day("2022-02-01"), day("2022-02-28")));
        assert_eq!(days(PeriodLength::Months(1), "2024-02-29"), (day("2024-02-01"), day("2024-02-29")));
        assert_eq!(days(PeriodLength::Months(1), "2022-12-31"), (day("2022-12-01"), day("2022-12-31")));
        assert_eq!(days(PeriodLength::Months(1), "2022-04-01"), (day("2022-04-01"), day("2022-04-30")));
    }

    #[test]
    fn quarters_start_in_january_april_july_and_october() {
        let quarters = [
            ("2022-01-01", "2022-03-31"),
            ("2022-04-01", "2022-06-30"),
            ("2022-07-01", "2022-09-30"),
            ("2022-10-01", "2022-12-31"),
        ];
        for (first, last) in quarters {
            assert_eq!(days(PeriodLength::Months(3), first), (day(first), day(last)));
            assert_eq!(days(PeriodLength::Months(3), last), (day(first), day(last)));
        }
        assert_eq!(days(PeriodLength::Months(3), "2022-05-17"), (day("2022-04-01"), day("2022-06-30")));
    }

    #[test]
    fn half_years_start_in_january_and_july() {
        assert_eq!(days(PeriodLength::Months(6), "2022-06-30"), (day("2022-01-01"), day("2022-06-30")));
        assert_eq!(days(PeriodLength::Months(6), "2022-07-01"), (day("2022-07-01"), day("2022-12-31")));
        assert_eq!(days(PeriodLength::Months(6), "2022-11-15"), (day("2022-07-01"), day("2022-12-31")));
    }

    #[test]
    fn years_start_on_january_first() {
        assert_eq!(days(PeriodLength::Months(12), "2024-02-29"), (day("2024-01-01"), day("2024-12-31")));
        assert_eq!(days(PeriodLength::Months(12), "2022-12-31"), (day("2022-01-01"), day("2022-12-31")));
    }

    #[test]
    fn the_edge_of_the_date_range_has_no_period() {
        assert_eq!(period_containing(PeriodLength::Months(12), NaiveDate::MAX), None);
        assert_eq!(period_containing(PeriodLength::Week, NaiveDate::MIN), None);
    }
}
