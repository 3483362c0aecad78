//! Trial ends (fractional days, no trial), termination alert thresholds (parsing, the nearest
//! due threshold, once per `ending_at`, re-armed by a new date) and the query windows.

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 instant")
}

fn days(text: &str) -> TerminationAlertDays {
    text.parse().expect("valid thresholds")
}

#[test]
fn a_trial_ends_its_period_after_the_first_start() {
    let started = at("2026-01-10T08:30:00Z");
    assert_eq!(trial_end_at(started, 5.0), Some(at("2026-01-15T08:30:00Z")));
    assert_eq!(trial_end_at(started, 0.5), Some(at("2026-01-10T20:30:00Z")));
    assert_eq!(trial_end_at(started, 0.0), None);
    assert_eq!(trial_end_at(started, -1.0), None);
    assert_eq!(trial_end_at(started, f64::NAN), None);
    assert_eq!(trial_end_at(started, f64::INFINITY), None);
    assert_eq!(trial_end_at(started, 1e12), None);
}

#[test]
fn thresholds_parse_sorted_and_distinct() {
    assert_eq!(TerminationAlertDays::default().days(), &[15, 45]);
    assert_eq!(days("45, 15,15").days(), &[15, 45]);
    assert_eq!(days("").days(), &[] as &[u32]);
    assert_eq!(days("1,15,45").to_string(), "1,15,45");
    assert!("0".parse::<TerminationAlertDays>().is_err());
    assert!("ten".parse::<TerminationAlertDays>().is_err());
    assert!("36501".parse::<TerminationAlertDays>().is_err());
}

#[test]
fn the_nearest_passed_threshold_is_due_while_ending_at_is_ahead() {
    let thresholds = TerminationAlertDays::default();
    let ending_at = at("2026-03-01T00:00:00Z");
    assert_eq!(thresholds.due(ending_at, at("2026-01-14T23:59:59Z")), None);
    assert_eq!(thresholds.due(ending_at, at("2026-01-15T00:00:00Z")), Some(45));
    assert_eq!(thresholds.due(ending_at, at("2026-02-13T23:59:59Z")), Some(45));
    assert_eq!(thresholds.due(ending_at, at("2026-02-14T00:00:00Z")), Some(15));
    assert_eq!(thresholds.due(ending_at, at("2026-02-28T23:59:59Z")), Some(15));
    assert_eq!(thresholds.due(ending_at, ending_at), None);
    assert_eq!(days("").due(ending_at, at("2026-02-20T00:00:00Z")), None);
}

#[test]
fn each_ending_at_is_alerted_once_per_threshold() {
    let thresholds = TerminationAlertDays::default();
    let ending_at = at("2026-03-01T00:00:00Z");
    let day_44 = at("2026-01-17T00:00:00Z");
    let day_10 = at("2026-02-19T00:00:00Z");
    assert_eq!(thresholds.alert_to_send(ending_at, day_44, None), Some(45));
    let after_45 = Some(TerminationAlert { ending_at, days: 45 });
    assert_eq!(thresholds.alert_to_send(ending_at, day_44, after_45), None);
    assert_eq!(thresholds.alert_to_send(ending_at, day_10, after_45), Some(15));
    let after_15 = Some(TerminationAlert { ending_at, days: 15 });
    assert_eq!(thresholds.alert_to_send(ending_at, day_10, after_15), None);
    // A new date is announced again at the threshold due for it.
    let later = at("2026-03-05T00:00:00Z");
    assert_eq!(thresholds.alert_to_send(later, day_10, after_15), Some(15));
    assert_eq!(thresholds.alert_to_send(at("2026-04-30T00:00:00Z"), day_10, after_15), None);
}

#[test]
fn windows_split_the_next_days_between_thresholds() {
    let now = at("2026-01-01T00:00:00Z");
    assert_eq!(
        TerminationAlertDays::default().windows(now),
        vec![
            TerminationAlertWindow { ending_after: now, ending_until: at("2026-01-16T00:00:00Z"), days: 15 },
            TerminationAlertWindow {
                ending_after: at("2026-01-16T00:00:00Z"),
                ending_until: at("2026-02-15T00:00:00Z"),
                days: 45,
            },
        ]
    );
}
