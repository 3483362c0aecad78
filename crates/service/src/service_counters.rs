//! What the services count for the server's metrics, as plain atomics: Check answers by reason
//! and the Watch streams open. The server reads them when it is scraped, so this crate needs no
//! metrics library, and a server without metrics hands the services no counters at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use entitlements_domain::CheckReason;

/// Every reason a check can answer with, in the order of [`ServiceCounters::check_answers`].
const CHECK_REASONS: [CheckReason; 10] = [
    CheckReason::GrantedByPlan,
    CheckReason::GrantedByOverride,
    CheckReason::SubscriptionNotFound,
    CheckReason::SubscriptionNotActive,
    CheckReason::FeatureNotGranted,
    CheckReason::FeatureRemoved,
    CheckReason::PrivilegeNotGranted,
    CheckReason::PrivilegeRemoved,
    CheckReason::RequirementNotMet,
    CheckReason::RequirementTypeMismatch,
];

/// The counters of one server's services, shared with whoever reports them.
#[derive(Debug, Default)]
pub struct ServiceCounters {
    check_answers: [AtomicU64; CHECK_REASONS.len()],
    watch_streams_open: AtomicI64,
}

impl ServiceCounters {
    /// Each reason's label (the proto's `CheckReason` without its prefix, lowercase) with the
    /// number of answers given for it, every reason included.
    pub fn check_answers(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        CHECK_REASONS
            .iter()
            .zip(&self.check_answers)
            .map(|(reason, count)| (check_reason_label(*reason), count.load(Ordering::Relaxed)))
    }

    /// Watch streams whose follower is still running.
    pub fn watch_streams_open(&self) -> i64 {
        self.watch_streams_open.load(Ordering::Relaxed)
    }

    pub(crate) fn count_check_answer(&self, reason: CheckReason) {
        if let Some(count) = self.check_answers.get(check_reason_index(reason)) {
            count.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a stream as open until the guard is dropped (when its follower ends).
    pub(crate) fn watch_stream_opened(self: &Arc<Self>) -> WatchStreamOpen {
        self.watch_streams_open.fetch_add(1, Ordering::Relaxed);
        WatchStreamOpen { counters: Arc::clone(self) }
    }
}

/// One Watch stream counted as open; dropping it counts the stream closed.
#[derive(Debug)]
pub(crate) struct WatchStreamOpen {
    counters: Arc<ServiceCounters>,
}

impl Drop for WatchStreamOpen {
    fn drop(&mut self) {
        self.counters.watch_streams_open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The reason's position in [`CHECK_REASONS`]; a match, so that a new reason is a compile error.
fn check_reason_index(reason: CheckReason) -> usize {
    match reason {
        CheckReason::GrantedByPlan => 0,
        CheckReason::GrantedByOverride => 1,
        CheckReason::SubscriptionNotFound => 2,
        CheckReason::SubscriptionNotActive => 3,
        CheckReason::FeatureNotGranted => 4,
        CheckReason::FeatureRemoved => 5,
        CheckReason::PrivilegeNotGranted => 6,
        CheckReason::PrivilegeRemoved => 7,
        CheckReason::RequirementNotMet => 8,
        CheckReason::RequirementTypeMismatch => 9,
    }
}

fn check_reason_label(reason: CheckReason) -> &'static str {
    match reason {
        CheckReason::GrantedByPlan => "granted_by_plan",
        CheckReason::GrantedByOverride => "granted_by_override",
        CheckReason::SubscriptionNotFound => "subscription_not_found",
        CheckReason::SubscriptionNotActive => "subscription_not_active",
        CheckReason::FeatureNotGranted => "feature_not_granted",
        CheckReason::FeatureRemoved => "feature_removed",
        CheckReason::PrivilegeNotGranted => "privilege_not_granted",
        CheckReason::PrivilegeRemoved => "privilege_removed",
        CheckReason::RequirementNotMet => "requirement_not_met",
        CheckReason::RequirementTypeMismatch => "requirement_type_mismatch",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_own_counter() {
        let counters = Arc::new(ServiceCounters::default());
        for reason in CHECK_REASONS {
            assert_eq!(CHECK_REASONS.get(check_reason_index(reason)), Some(&reason));
        }
        counters.count_check_answer(CheckReason::FeatureRemoved);
        let answers: Vec<_> = counters.check_answers().filter(|(_, count)| *count > 0).collect();
        assert_eq!(answers, vec![("feature_removed", 1)]);
        let stream = counters.watch_stream_opened();
        assert_eq!(counters.watch_streams_open(), 1);
        drop(stream);
        assert_eq!(counters.watch_streams_open(), 0);
    }
}
