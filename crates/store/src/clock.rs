//! The service's clock for stored timestamps and time-driven decisions: UTC, truncated to
//! microseconds so that SQLite and PostgreSQL (which keeps microseconds) store and compare the
//! same value. Tests use a manual clock, moved explicitly, instead of sleeping.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Where the store reads the time: the system clock, or a manual one that stands still until it
/// is set or advanced (shared by every clone).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A manual clock reading `start` until it is moved.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self { manual: Some(Arc::new(Mutex::new(start))) }
    }

    /// The current time, to the microsecond.
    pub fn now(&self) -> DateTime<Utc> {
        let now = match &self.manual {
            // A poisoned lock still holds a valid instant: a panic cannot leave it half-written.
            Some(instant) => *instant.lock().unwrap_or_else(PoisonError::into_inner),
            None => Utc::now(),
        };
        now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
    }

    /// Moves a manual clock to `instant`; the system clock cannot be moved and ignores it.
    pub fn set(&self, instant: DateTime<Utc>) {
        if let Some(current) = &self.manual {
            *current.lock().unwrap_or_else(PoisonError::into_inner) = instant;
        }
    }

    /// Moves a manual clock forward (or back, for a negative delta).
    pub fn advance(&self, delta: TimeDelta) {
        if let Some(current) = &self.manual {
            let mut instant = current.lock().unwrap_or_else(PoisonError::into_inner);
            *instant = instant.checked_add_signed(delta).unwrap_or(*instant);
        }
    }
}
