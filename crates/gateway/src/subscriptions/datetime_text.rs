//! Lago's reading of ISO 8601 date-times (`Time.zone.iso8601`, in a UTC application zone):
//! `2026-09-01`, `2026-09-01T10:00`, `2026-09-01T10:00:00.123Z`, `2026-09-01t10:00:00+02:00`,
//! with surrounding whitespace allowed. Without an offset the time is UTC. Text it cannot read is
//! Lago's `invalid_date`; what it reads goes to the service as a Timestamp.
//!
//! Unlike Ruby's `Date._iso8601`, the basic format (`20260901T100000Z`), ordinal and week dates
//! are not accepted, and impossible dates (February 30) are rejected rather than rolled over.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, Utc};

/// The instant `text` names, with the offset it was written in.
pub(super) fn parse_iso8601(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    let (date_text, time_text) = match text.find(['T', 't']) {
        Some(position) => (text.get(..position)?, Some(text.get(position + 1..)?)),
        None => (text, None),
    };
    let date = parse_date(date_text)?;
    let (time, offset) = match time_text {
        None => (NaiveTime::MIN, utc()),
        Some(time_text) => parse_time(time_text)?,
    };
    date.and_time(time).and_local_timezone(offset).single()
}

fn utc() -> FixedOffset {
    Utc.fix()
}

/// `YYYY-MM-DD`, four-digit years.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let year = digits(parts.next()?, 4)?;
    let month = digits(parts.next()?, 2)?;
    let day = digits(parts.next()?, 2)?;
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `HH:MM[:SS[.fraction]][Z | ±HH[[:]MM]]`.
fn parse_time(text: &str) -> Option<(NaiveTime, FixedOffset)> {
    let offset_start = text.find(['Z', 'z', '+', '-']).unwrap_or(text.len());
    let (clock, offset_text) = text.split_at(offset_start);
    let offset = parse_offset(offset_text)?;
    let (clock, fraction) = match clock.find(['.', ',']) {
        Some(position) => (clock.get(..position)?, Some(clock.get(position + 1..)?)),
        None => (clock, None),
    };
    let mut parts = clock.split(':');
    let hour = digits(parts.next()?, 2)?;
    let minute = digits(parts.next()?, 2)?;
    let second = match parts.next() {
        Some(second) => digits(second, 2)?,
        None if fraction.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let nanoseconds = match fraction {
        None => 0,
        Some(fraction) if !fraction.is_empty() && fraction.bytes().all(|byte| byte.is_ascii_digit()) => {
            // Nine digits of the fraction, padded: "5" is 500 ms; further digits are dropped.
            let padded: String = fraction.chars().chain(std::iter::repeat('0')).take(9).collect();
            padded.parse().ok()?
        }
        Some(_) => return None,
    };
    Some((NaiveTime::from_hms_nano_opt(hour, minute, second, nanoseconds)?, offset))
}

fn parse_offset(text: &str) -> Option<FixedOffset> {
    if text.is_empty() || text.eq_ignore_ascii_case("z") {
        return Some(utc());
    }
    let sign = match text.get(..1)? {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let rest = text.get(1..)?;
    let (hours, minutes) = match rest.len() {
        2 => (digits(rest, 2)?, 0),
        4 => (digits(rest.get(..2)?, 2)?, digits(rest.get(2..)?, 2)?),
        5 if rest.get(2..3)? == ":" => (digits(rest.get(..2)?, 2)?, digits(rest.get(3..)?, 2)?),
        _ => return None,
    };
    if minutes >= 60 {
        return None;
    }
    FixedOffset::east_opt(sign * i32::try_from(hours * 3600 + minutes * 60).ok()?)
}

/// Exactly `length` ASCII digits.
fn digits(text: &str, length: usize) -> Option<u32> {
    (text.len() == length && text.bytes().all(|byte| byte.is_ascii_digit())).then(|| text.parse().ok())?
}

#[cfg(test)]
mod tests {
    use chrono::SecondsFormat;

    use super::*;

    fn parsed(text: &str) -> Option<String> {
        parse_iso8601(text).map(|instant| instant.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    #[test]
    fn reads_lagos_forms() {
        assert_eq!(parsed("2022-09-05T12:23:12Z").as_deref(), Some("2022-09-05T12:23:12Z"));
        assert_eq!(parsed(" 2022-09-05 ").as_deref(), Some("2022-09-05T00:00:00Z"));
        assert_eq!(parsed("2022-09-05T12:23").as_deref(), Some("2022-09-05T12:23:00Z"));
        assert_eq!(parsed("2022-09-05t12:23:12.5+02:00").as_deref(), Some("2022-09-05T12:23:12.500+02:00"));
        assert_eq!(parsed("2022-09-05T12:23:12-0530").as_deref(), Some("2022-09-05T12:23:12-05:30"));
        assert_eq!(parsed("2022-09-05T12:23:12+01").as_deref(), Some("2022-09-05T12:23:12+01:00"));
    }

    #[test]
    fn rejects_everything_else() {
        for text in [
            "hello",
            "",
            "2022-9-5",
            "2022-02-30",
            "2022-09-05T25:00:00Z",
            "2022-09-05T12:23:12+2",
            "2022-09-05T",
            "20220905T122312Z",
            "2022-09-05T12:23:12.Z",
            "2022-09-05T12:23:12+01:60",
            "1662380592",
            "true",
        ] {
            assert_eq!(parsed(text), None, "{text:?}");
        }
    }
}
