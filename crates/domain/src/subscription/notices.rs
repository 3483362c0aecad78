//! Time-driven notices about active subscriptions, which change no status: the end of the
//! plan's free trial (Lago's `subscription.trial_ended`) and the approach of `ending_at`
//! (`subscription.termination_alert`). The sweeper records each once, with the instants computed
//! here from the stored values.
//!
//! Lago's clock sends a termination alert on the UTC day that is exactly 15 or 45 days before
//! `ending_at`, deduplicated per day, so an alert is lost if its day is missed. Here an alert is
//! due from the instant `ending_at - N days` until `ending_at`, sent once per `ending_at` and
//! threshold, and only for the nearest threshold passed (a sweeper that was down across two
//! thresholds sends one alert, not two). Moving `ending_at` re-arms the alerts for the new date.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};

/// Lago's default `LAGO_SUBSCRIPTION_TERMINATION_ALERT_SENT_AT_DAYS`.
pub const DEFAULT_TERMINATION_ALERT_DAYS: [u32; 2] = [15, 45];

/// The largest threshold accepted: a century.
const MAX_TERMINATION_ALERT_DAYS: u32 = 36_500;

/// A trial longer than this (in microseconds, a million days) is treated as never ending.
const MAX_TRIAL_MICROSECONDS: f64 = 86_400_000_000.0 * 1_000_000.0;

/// How long a free trial of `trial_period_days` (the plan's `trial_period`, fractional days
/// allowed, to the microsecond as PostgreSQL's intervals) lasts; `None` without a trial (zero,
/// negative or not a number) or for one too long to end.
pub fn trial_duration(trial_period_days: f64) -> Option<TimeDelta> {
    let microseconds = trial_period_days * 86_400_000_000.0;
    if !microseconds.is_finite() || microseconds <= 0.0 || microseconds > MAX_TRIAL_MICROSECONDS {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, reason = "bounded by MAX_TRIAL_MICROSECONDS above")]
    let microseconds = microseconds.round() as i64;
    Some(TimeDelta::microseconds(microseconds))
}

/// When a free trial of `trial_period_days` counted from `initial_started_at` ends. Lago counts
/// it from the first start of the external id (`initial_started_at`), so an upgrade does not
/// restart the trial.
pub fn trial_end_at(initial_started_at: DateTime<Utc>, trial_period_days: f64) -> Option<DateTime<Utc>> {
    initial_started_at.checked_add_signed(trial_duration(trial_period_days)?)
}

/// The last termination alert recorded for a subscription: the `ending_at` it announced and
/// the threshold, in days, it was sent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminationAlert {
    pub ending_at: DateTime<Utc>,
    pub days: u32,
}

/// The subscriptions whose `ending_at` falls in `(ending_after, ending_until]` at some instant
/// have the alert for `days` due then (and no nearer one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminationAlertWindow {
    pub ending_after: DateTime<Utc>,
    pub ending_until: DateTime<Utc>,
    pub days: u32,
}

/// The days before `ending_at` at which termination alerts are sent: distinct, ascending,
/// each between 1 and 36500; empty sends none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationAlertDays(Vec<u32>);

impl Default for TerminationAlertDays {
    fn default() -> Self {
        Self(DEFAULT_TERMINATION_ALERT_DAYS.to_vec())
    }
}

impl TerminationAlertDays {
    /// The thresholds, nearest first.
    pub fn days(&self) -> &[u32] {
        &self.0
    }

    /// The alert due at `now` for a subscription ending at `ending_at`: the nearest threshold
    /// whose instant has passed, while `ending_at` is still ahead.
    pub fn due(&self, ending_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<u32> {
        if ending_at <= now {
            return None;
        }
        self.0.iter().copied().find(|&days| {
            ending_at
                .checked_sub_signed(TimeDelta::days(i64::from(days)))
                .is_none_or(|instant| instant <= now)
        })
    }

    /// The threshold to alert now, if any: the one due, unless `last` already announced this
    /// `ending_at` at that threshold or a nearer one.
    pub fn alert_to_send(
        &self,
        ending_at: DateTime<Utc>,
        now: DateTime<Utc>,
        last: Option<TerminationAlert>,
    ) -> Option<u32> {
        let days = self.due(ending_at, now)?;
        match last {
            Some(last) if last.ending_at == ending_at && last.days <= days => None,
            _ => Some(days),
        }
    }

    /// The `ending_at` ranges of each threshold at `now`, for a query of the candidates.
    pub fn windows(&self, now: DateTime<Utc>) -> Vec<TerminationAlertWindow> {
        let mut windows = Vec::with_capacity(self.0.len());
        let mut ending_after = now;
        for &days in &self.0 {
            let Some(ending_until) = now.checked_add_signed(TimeDelta::days(i64::from(days))) else {
                break;
            };
            windows.push(TerminationAlertWindow { ending_after, ending_until, days });
            ending_after = ending_until;
        }
        windows
    }
}

impl FromStr for TerminationAlertDays {
    type Err = String;

    /// A comma-separated list such as `15,45` (any order, duplicates ignored); empty for none.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut days = Vec::new();
        for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let value: u32 = item.parse().map_err(|_| format!("`{item}` is not a number of days"))?;
            if !(1..=MAX_TERMINATION_ALERT_DAYS).contains(&value) {
                return Err(format!("{value} days is not between 1 and {MAX_TERMINATION_ALERT_DAYS}"));
            }
            days.push(value);
        }
        days.sort_unstable();
        days.dedup();
        Ok(Self(days))
    }
}

impl fmt::Display for TerminationAlertDays {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days: Vec<String> = self.0.iter().map(u32::to_string).collect();
        formatter.write_str(&days.join(","))
    }
}

#[cfg(test)]
mod tests;
