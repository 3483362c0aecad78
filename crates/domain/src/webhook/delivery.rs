//! What happens after a delivery attempt: any 2xx succeeds; 410 Gone disables the endpoint;
//! anything else (another status, a timeout, a refused connection, a refused address) is a failed
//! attempt, retried on the schedule (honouring `Retry-After`) until the attempts run out.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// A delivery's state, as its log shows it (Lago's `webhooks.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not attempted yet.
    Pending,
    /// Failed at least once; another attempt is scheduled.
    Retrying,
    Succeeded,
    /// Every attempt failed, or the endpoint answered 410 Gone.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Retrying => "retrying",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Pending, Self::Retrying, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == name)
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered with this status (and maybe a `Retry-After`).
    Answered { status: u16, retry_after: Option<Duration> },
    /// No answer: the address was refused, the connection failed or the request timed out.
    NoAnswer,
}

/// What to do with the delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    Succeeded,
    RetryAt(DateTime<Utc>),
    /// No attempts left.
    Failed,
    /// 410 Gone: the delivery fails and the endpoint is disabled until it is updated.
    DisableEndpoint,
}

/// When failed deliveries are tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many attempts a delivery gets in all, the first included.
    pub max_attempts: u32,
    /// The wait after the 1st, 2nd, ... failed attempt; the last repeats when attempts outnumber it.
    pub schedule: RetrySchedule,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 10, schedule: RetrySchedule::default() }
    }
}

impl RetryPolicy {
    /// The step after attempt number `attempts` (counting from 1) ended in `outcome` at `now`.
    /// `jitter` in `[0, 1)` spreads retries over up to 10 % more than the scheduled wait, so that
    /// an endpoint back from an outage is not hit by every delivery at once.
    pub fn next_step(
        &self,
        attempts: u32,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> NextStep {
        let retry_after = match outcome {
            AttemptOutcome::Answered { status, .. } if (200..300).contains(status) => {
                return NextStep::Succeeded;
            }
            AttemptOutcome::Answered { status: 410, .. } => return NextStep::DisableEndpoint,
            AttemptOutcome::Answered { retry_after, .. } => *retry_after,
            AttemptOutcome::NoAnswer => None,
        };
        if attempts >= self.max_attempts {
            return NextStep::Failed;
        }
        let scheduled = self.schedule.wait_after(attempts);
        let jittered = scheduled.mul_f64(1.0 + jitter.clamp(0.0, 1.0) * 0.1);
        // A receiver asking for a longer wait gets it, within a day.
        let wait = retry_after.map_or(jittered, |asked| asked.min(Duration::from_secs(86_400)).max(jittered));
        let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        NextStep::RetryAt(now.checked_add_signed(wait).unwrap_or(DateTime::<Utc>::MAX_UTC))
    }
}

/// The waits between attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl Default for RetrySchedule {
    /// The Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
    fn default() -> Self {
        Self(
            [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
        )
    }
}

impl RetrySchedule {
    /// The wait after failed attempt number `attempts` (from 1).
    pub fn wait_after(&self, attempts: u32) -> Duration {
        let index = usize::try_from(attempts.saturating_sub(1)).unwrap_or(usize::MAX);
        self.0.get(index).or(self.0.last()).copied().unwrap_or_default()
    }
}

/// Why a schedule could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid retry schedule `{0}`: expected waits like `5s,5m,30m,2h` (units ms, s, m, h)")]
pub struct RetryScheduleError(String);

impl FromStr for RetrySchedule {
    type Err = RetryScheduleError;

    /// A comma-separated list of waits, each a whole number and a unit: `500ms`, `5s`, `5m`, `2h`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || RetryScheduleError(text.to_owned());
        let waits = text
            .split(',')
            .map(|item| {
                let item = item.trim();
                let digits = item.find(|character: char| !character.is_ascii_digit()).ok_or_else(error)?;
                let (number, unit) = item.split_at(digits);
                let number: u64 = number.parse().map_err(|_| error())?;
                let seconds = match unit {
                    "ms" => return Ok(Duration::from_millis(number)),
                    "s" => 1,
                    "m" => 60,
                    "h" => 3_600,
                    _ => return Err(error()),
                };
                Ok(Duration::from_secs(number.checked_mul(seconds).ok_or_else(error)?))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(waits))
    }
}

impl fmt::Display for RetrySchedule {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waits: Vec<String> = self.0.iter().map(|wait| format!("{}ms", wait.as_millis())).collect();
        formatter.write_str(&waits.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16) -> AttemptOutcome {
        AttemptOutcome::Answered { status, retry_after: None }
    }

    #[test]
    fn any_2xx_succeeds_and_410_disables() {
        let policy = RetryPolicy::default();
        let now = Utc::now();
        for status in [200, 201, 203, 204, 206, 299] {
            assert_eq!(policy.next_step(1, &answered(status), now, 0.0), NextStep::Succeeded);
        }
        assert_eq!(policy.next_step(1, &answered(410), now, 0.0), NextStep::DisableEndpoint);
    }

    #[test]
    fn failures_follow_the_schedule_until_the_attempts_run_out() {
        let policy = RetryPolicy { max_attempts: 3, schedule: "5s,5m".parse().expect("a schedule") };
        let now = Utc::now();
        assert_eq!(
            policy.next_step(1, &answered(500), now, 0.0),
            NextStep::RetryAt(now + chrono::Duration::seconds(5))
        );
        assert_eq!(
            policy.next_step(2, &AttemptOutcome::NoAnswer, now, 0.0),
            NextStep::RetryAt(now + chrono::Duration::minutes(5))
        );
        assert_eq!(policy.next_step(3, &answered(302), now, 0.0), NextStep::Failed);
    }

    #[test]
    fn retry_after_lengthens_the_wait_and_jitter_adds_at_most_a_tenth() {
        let policy = RetryPolicy { max_attempts: 5, schedule: "10s".parse().expect("a schedule") };
        let now = Utc::now();
        let asked = AttemptOutcome::Answered { status: 503, retry_after: Some(Duration::from_secs(120)) };
        assert_eq!(
            policy.next_step(1, &asked, now, 0.0),
            NextStep::RetryAt(now + chrono::Duration::seconds(120))
        );
        let NextStep::RetryAt(at) = policy.next_step(4, &answered(500), now, 0.999) else {
            panic!("a retry")
        };
        assert!(at > now + chrono::Duration::seconds(10) && at <= now + chrono::Duration::seconds(11));
    }

    #[test]
    fn schedules_parse_and_print() {
        let schedule: RetrySchedule = "500ms, 5s,5m,2h".parse().expect("a schedule");
        assert_eq!(schedule.to_string(), "500ms,5000ms,300000ms,7200000ms");
        assert_eq!(schedule.wait_after(9), Duration::from_secs(7_200));
        for bad in ["", "5", "5x", "s", "-1s"] {
            assert!(bad.parse::<RetrySchedule>().is_err(), "{bad}");
        }
    }
}
