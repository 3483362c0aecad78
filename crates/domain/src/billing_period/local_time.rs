//! Wall-clock times in the customer's timezone turned into UTC instants, Lago's
//! `customer_timezone_shift` (`date.in_time_zone(tz)`, `end_of_day`, `.utc`) with the DST cases
//! made explicit: a time that occurs twice is read as its first occurrence (ActiveSupport's
//! `period_for_local` prefers DST, the earlier one); a time that clocks skip is read as the
//! instant they jumped, the first one that exists after it (ActiveSupport moves it an hour on,
//! which is the same instant for the usual one-hour jump at midnight).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

pub(super) const ONE_SECOND: TimeDelta = TimeDelta::seconds(1);

/// Local midnight of `date`.
pub(super) fn start_of_day(timezone: Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
    resolve(timezone, date.and_hms_opt(0, 0, 0)?)
}

/// Local 23:59:59 of `date`.
pub(super) fn last_second_of_day(timezone: Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
    resolve(timezone, date.and_hms_opt(23, 59, 59)?)
}

fn resolve(timezone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match timezone.from_local_datetime(&local).earliest() {
        Some(instant) => Some(instant.with_timezone(&Utc)),
        None => end_of_gap(timezone, local),
    }
}

/// The first instant whose wall-clock reading is at or after `local`, which clocks skipped.
fn end_of_gap(timezone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    // No UTC offset reaches a day, so a day either side of `local` read as UTC brackets the jump;
    // halving to the second finds it whatever its length (Samoa skipped a whole day in 2011).
    let as_utc = local.and_utc();
    let mut before = as_utc.checked_sub_signed(TimeDelta::days(1))?;
    let mut after = as_utc.checked_add_signed(TimeDelta::days(1))?;
    while after.signed_duration_since(before) > ONE_SECOND {
        let half = TimeDelta::seconds(after.signed_duration_since(before).num_seconds() / 2);
        let middle = before.checked_add_signed(half)?;
        if middle.with_timezone(&timezone).naive_local() < local {
            before = middle;
        } else {
            after = middle;
        }
    }
    Some(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a test date")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("an RFC 3339 instant")
    }

    #[test]
    fn ordinary_days_shift_by_the_offset_of_the_day() {
        let paris = chrono_tz::Europe::Paris;
        assert_eq!(start_of_day(paris, day("2022-03-01")), Some(utc("2022-02-28T23:00:00Z")));
        assert_eq!(last_second_of_day(paris, day("2022-03-31")), Some(utc("2022-03-31T21:59:59Z")));
        let new_york = chrono_tz::America::New_York;
        assert_eq!(start_of_day(new_york, day("2022-01-01")), Some(utc("2022-01-01T05:00:00Z")));
        assert_eq!(last_second_of_day(new_york, day("2022-07-31")), Some(utc("2022-08-01T03:59:59Z")));
    }

    #[test]
    fn a_day_whose_midnight_clocks_skip_starts_when_they_jump() {
        // São Paulo went from 00:00 (-03) straight to 01:00 (-02) on 2018-11-04.
        let sao_paulo = chrono_tz::America::Sao_Paulo;
        assert_eq!(start_of_day(sao_paulo, day("2018-11-04")), Some(utc("2018-11-04T03:00:00Z")));
        assert_eq!(last_second_of_day(sao_paulo, day("2018-11-03")), Some(utc("2018-11-04T02:59:59Z")));
    }

    #[test]
    fn a_last_second_that_occurs_twice_is_its_first_occurrence() {
        // São Paulo went from 00:00 (-02) back to 23:00 (-03) of 2019-02-16.
        let sao_paulo = chrono_tz::America::Sao_Paulo;
        assert_eq!(last_second_of_day(sao_paulo, day("2019-02-16")), Some(utc("2019-02-17T01:59:59Z")));
        assert_eq!(start_of_day(sao_paulo, day("2019-02-17")), Some(utc("2019-02-17T03:00:00Z")));
    }

    #[test]
    fn a_skipped_day_starts_and_ends_when_clocks_jump_over_it() {
        // Samoa went from 2011-12-29 23:59:59 (-10) to 2011-12-31 00:00 (+14).
        let apia = chrono_tz::Pacific::Apia;
        assert_eq!(start_of_day(apia, day("2011-12-30")), Some(utc("2011-12-30T10:00:00Z")));
        assert_eq!(last_second_of_day(apia, day("2011-12-30")), Some(utc("2011-12-30T10:00:00Z")));
        assert_eq!(start_of_day(apia, day("2011-12-31")), Some(utc("2011-12-30T10:00:00Z")));
        assert_eq!(last_second_of_day(apia, day("2011-12-29")), Some(utc("2011-12-30T09:59:59Z")));
    }
}
