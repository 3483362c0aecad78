//! The start clamped to `started_at`, the end to `terminated_at`, and the reference instant
//! max(now, started_at) (`charges_from_datetime` / `charges_to_datetime` in `dates_service.rb`).

use super::*;

fn started(schedule: PeriodSchedule, started_at: &str) -> PeriodSchedule {
    PeriodSchedule { started_at: at(started_at), ..schedule }
}

fn terminated(schedule: PeriodSchedule, terminated_at: &str) -> PeriodSchedule {
    PeriodSchedule { terminated_at: Some(at(terminated_at)), ..schedule }
}

#[test]
fn a_subscription_started_mid_period_starts_its_period_then() {
    // "when subscription started in the middle of a period": the start date itself, in seconds.
    let monthly = started(calendar(PlanInterval::Monthly, "2022-03-03"), "2022-03-03T10:15:30.123456Z");
    assert_eq!(period(&monthly, "2022-03-20"), ["2022-03-03T10:15:30Z", "2022-03-31T23:59:59Z"]);
    let quarterly = started(anniversary(PlanInterval::Quarterly, "2021-02-02"), "2022-05-03");
    assert_eq!(period(&quarterly, "2022-05-20"), ["2022-05-03T00:00:00Z", "2022-08-01T23:59:59Z"]);
}

#[test]
fn a_start_later_today_is_the_reference() {
    // Active at once with `started_at` later today: its period, not one ending before it.
    let weekly = started(calendar(PlanInterval::Weekly, "2022-03-06T18:00:00Z"), "2022-03-06T18:00:00Z");
    assert_eq!(period(&weekly, "2022-03-06T08:00:00Z"), ["2022-03-06T18:00:00Z", "2022-03-06T23:59:59Z"]);
    // A start in a later period than `now` reports that later period.
    let monthly = calendar(PlanInterval::Monthly, "2022-04-02");
    assert_eq!(period(&monthly, "2022-03-31T12:00:00Z"), ["2022-04-02T00:00:00Z", "2022-04-30T23:59:59Z"]);
}

#[test]
fn a_subscription_terminated_mid_period_ends_its_period_then() {
    // "when subscription is terminated in the middle of a period": the termination itself.
    let quarterly = terminated(calendar(PlanInterval::Quarterly, "2021-02-02"), "2022-06-15T12:23:00.5Z");
    assert_eq!(
        period(&quarterly, "2022-06-15T12:23:00.5Z"),
        ["2022-04-01T00:00:00Z", "2022-06-15T12:23:00Z"]
    );
    let weekly = terminated(anniversary(PlanInterval::Weekly, "2021-02-02"), "2022-03-06");
    assert_eq!(period(&weekly, "2022-03-06"), ["2022-03-01T00:00:00Z", "2022-03-06T00:00:00Z"]);
}

#[test]
fn a_termination_after_the_period_leaves_it_whole() {
    let monthly = terminated(calendar(PlanInterval::Monthly, "2021-02-02"), "2022-04-10");
    assert_eq!(period(&monthly, "2022-03-20"), ["2022-03-01T00:00:00Z", "2022-03-31T23:59:59Z"]);
}

#[test]
fn a_terminated_subscription_read_later_keeps_lagos_inverted_period() {
    // Lago still cuts the period holding `now`, then clamps its end to the termination.
    let quarterly = terminated(calendar(PlanInterval::Quarterly, "2021-02-02"), "2022-06-15T12:23:00Z");
    assert_eq!(period(&quarterly, "2022-08-10"), ["2022-07-01T00:00:00Z", "2022-06-15T12:23:00Z"]);
}

#[test]
fn the_end_never_precedes_the_start() {
    // "makes sure the to_datetime is not before start date".
    let monthly = terminated(
        started(calendar(PlanInterval::Monthly, "2024-09-09"), "2024-09-09T16:00:01Z"),
        "2024-09-09T14:00:01Z",
    );
    assert_eq!(period(&monthly, "2024-09-09T16:00:01Z"), ["2024-09-09T16:00:01Z", "2024-09-09T16:00:01Z"]);
}
