//! The service's clock for stored timestamps: UTC, truncated to microseconds so that SQLite and
//! PostgreSQL (which keeps microseconds) store and compare the same value.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

pub(crate) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}
