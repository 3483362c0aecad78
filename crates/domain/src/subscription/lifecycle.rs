//! Time-driven status changes of the subscriptions sharing one external id, as a pure function of
//! their stored state and the current time. Lago applies them with clock jobs (pending
//! subscriptions activated when their start date comes in the customer's timezone, subscriptions
//! terminated when `ending_at` passes, downgrades rotated at the period boundary); here the same
//! rules decide, at any instant, what the subscriptions *are*, so that a read is never stale, and
//! what must be written (with which change events) to make the stored state catch up.
//!
//! Every transition happens at a definite instant computed from the stored values, not at the
//! moment someone notices it: applying them late writes the same timestamps as applying them on
//! time, and applying them twice is impossible (a subscription only moves forward, from pending
//! to active to terminated or canceled).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::billing_period::start_of_local_day;
use crate::ids::{CustomerId, SubscriptionId};
use crate::subscription::SubscriptionStatus;

/// What the time-driven transitions need of one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub id: SubscriptionId,
    pub customer_id: CustomerId,
    /// The subscription this one replaces (an upgrade's or a downgrade's predecessor).
    pub previous_id: Option<SubscriptionId>,
    pub status: SubscriptionStatus,
    pub subscription_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub ending_at: Option<DateTime<Utc>>,
    pub terminated_at: Option<DateTime<Utc>>,
    pub canceled_at: Option<DateTime<Utc>>,
    /// For a scheduled downgrade (pending, with a predecessor): when it replaces its predecessor,
    /// the start of the predecessor's next billing period when the downgrade was asked for.
    pub downgrade_at: Option<DateTime<Utc>>,
    /// The customer's applicable timezone, in which start dates are read.
    pub timezone: Tz,
}

impl Lifecycle {
    /// A pending subscription with no predecessor: one that starts on a later date.
    pub fn is_starting_in_the_future(&self) -> bool {
        self.status == SubscriptionStatus::Pending && self.previous_id.is_none()
    }

    /// Whether a new request with this external id changes this subscription rather than
    /// starting another (Lago's `editable_subscriptions`): the active one, or the one starting
    /// in the future. A scheduled downgrade is not: it is the current one's.
    pub fn is_editable(&self) -> bool {
        self.status == SubscriptionStatus::Active || self.is_starting_in_the_future()
    }

    /// When a pending subscription becomes active by time alone: local midnight of its start
    /// date, or its downgrade instant.
    fn activation_at(&self) -> Option<DateTime<Utc>> {
        if self.status != SubscriptionStatus::Pending {
            return None;
        }
        match self.previous_id {
            None => Some(start_of_local_day(self.subscription_at, self.timezone)),
            Some(_) => self.downgrade_at,
        }
    }
}

/// A status change, at the instant it took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub subscription_id: SubscriptionId,
    pub kind: TransitionKind,
    pub at: DateTime<Utc>,
}

/// The change events a transition records (`subscription.started` and so on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionKind {
    Started,
    Terminated,
    Canceled,
}

/// The next thing time does to a group of subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// `ending_at` passed: terminate, and cancel the pending subscription replacing it.
    End { index: usize, at: DateTime<Utc> },
    /// A start date came (and, for a downgrade, its predecessor ends at the same instant).
    Start { index: usize, at: DateTime<Utc> },
}

impl Step {
    fn at(self) -> DateTime<Utc> {
        match self {
            Self::End { at, .. } | Self::Start { at, .. } => at,
        }
    }
}

/// Applies to `subscriptions` (those sharing an external id) every transition due at `now`, in
/// the order they took effect, and returns them. Ties go to the termination: a subscription
/// asked to end at its downgrade instant ends rather than rotates.
pub fn advance(subscriptions: &mut [Lifecycle], now: DateTime<Utc>) -> Vec<Transition> {
    let mut transitions = Vec::new();
    // Each step moves one subscription forward for good, so this ends after at most two steps
    // per subscription.
    while let Some(step) = next_step(subscriptions).filter(|step| step.at() <= now) {
        match step {
            Step::End { index, at } => end(subscriptions, index, at, &mut transitions),
            Step::Start { index, at } => start(subscriptions, index, at, &mut transitions),
        }
    }
    transitions
}

/// When time alone next changes the subscription at `index` (the sweeper looks for the
/// subscriptions whose instant has come): its activation if pending; if active, its `ending_at`
/// or the instant a scheduled downgrade replaces it, whichever comes first.
pub fn next_transition_at(subscriptions: &[Lifecycle], index: usize) -> Option<DateTime<Utc>> {
    let subscription = subscriptions.get(index)?;
    match subscription.status {
        SubscriptionStatus::Pending => subscription.activation_at(),
        SubscriptionStatus::Active => {
            let downgrade = pending_successors(subscriptions, subscription.id)
                .filter_map(|successor| subscriptions.get(successor)?.downgrade_at)
                .min();
            [subscription.ending_at, downgrade].into_iter().flatten().min()
        }
        SubscriptionStatus::Terminated | SubscriptionStatus::Canceled => None,
    }
}

fn next_step(subscriptions: &[Lifecycle]) -> Option<Step> {
    let ends = subscriptions.iter().enumerate().filter_map(|(index, subscription)| {
        let at = subscription.ending_at.filter(|_| subscription.status == SubscriptionStatus::Active)?;
        Some(Step::End { index, at })
    });
    let starts = subscriptions
        .iter()
        .enumerate()
        .filter_map(|(index, subscription)| Some(Step::Start { index, at: subscription.activation_at()? }));
    // Ends sort before starts at the same instant.
    ends.chain(starts).min_by_key(|step| (step.at(), matches!(step, Step::Start { .. })))
}

fn end(subscriptions: &mut [Lifecycle], index: usize, at: DateTime<Utc>, transitions: &mut Vec<Transition>) {
    let Some(subscription) = subscriptions.get_mut(index) else { return };
    subscription.status = SubscriptionStatus::Terminated;
    subscription.terminated_at = Some(at);
    let id = subscription.id;
    transitions.push(Transition { subscription_id: id, kind: TransitionKind::Terminated, at });
    cancel_successors(subscriptions, id, at, transitions);
}

fn start(
    subscriptions: &mut [Lifecycle],
    index: usize,
    at: DateTime<Utc>,
    transitions: &mut Vec<Transition>,
) {
    let Some(subscription) = subscriptions.get(index) else { return };
    let predecessor = subscription.previous_id.and_then(|previous_id| {
        subscriptions.iter().position(|candidate| {
            candidate.id == previous_id && candidate.status == SubscriptionStatus::Active
        })
    });
    // A downgrade takes its predecessor's place at the same instant.
    if let Some(predecessor) = predecessor.and_then(|position| subscriptions.get_mut(position)) {
        predecessor.status = SubscriptionStatus::Terminated;
        predecessor.terminated_at = Some(at);
        transitions.push(Transition {
            subscription_id: predecessor.id,
            kind: TransitionKind::Terminated,
            at,
        });
    }
    let Some(subscription) = subscriptions.get_mut(index) else { return };
    subscription.status = SubscriptionStatus::Active;
    // A subscription that starts on its date starts at its `subscription_at` (possibly later that
    // day, as Lago's creation does for today's subscriptions); a downgrade at the boundary.
    subscription.started_at =
        Some(if subscription.previous_id.is_none() { subscription.subscription_at } else { at });
    transitions.push(Transition { subscription_id: subscription.id, kind: TransitionKind::Started, at });
}

/// Ends the subscription `id` at `at` on request (a termination, or the old subscription of an
/// upgrade): an active one is terminated and the pending subscription replacing it (a scheduled
/// downgrade) canceled, as Lago's termination does; a pending one is canceled. Anything else
/// is left as it is.
pub fn end_on_request(
    subscriptions: &mut [Lifecycle],
    id: SubscriptionId,
    at: DateTime<Utc>,
) -> Vec<Transition> {
    let mut transitions = Vec::new();
    let Some(index) = subscriptions.iter().position(|subscription| subscription.id == id) else {
        return transitions;
    };
    match subscriptions.get(index).map(|subscription| subscription.status) {
        Some(SubscriptionStatus::Active) => end(subscriptions, index, at, &mut transitions),
        Some(SubscriptionStatus::Pending) => cancel(subscriptions, index, at, &mut transitions),
        _ => {}
    }
    transitions
}

fn cancel(
    subscriptions: &mut [Lifecycle],
    index: usize,
    at: DateTime<Utc>,
    transitions: &mut Vec<Transition>,
) {
    if let Some(subscription) = subscriptions.get_mut(index) {
        subscription.status = SubscriptionStatus::Canceled;
        subscription.canceled_at = Some(at);
        transitions.push(Transition { subscription_id: subscription.id, kind: TransitionKind::Canceled, at });
    }
}

/// Cancels the pending subscriptions replacing `id` (a scheduled downgrade).
fn cancel_successors(
    subscriptions: &mut [Lifecycle],
    id: SubscriptionId,
    at: DateTime<Utc>,
    transitions: &mut Vec<Transition>,
) {
    let successors: Vec<usize> = pending_successors(subscriptions, id).collect();
    for successor in successors {
        cancel(subscriptions, successor, at, transitions);
    }
}

fn pending_successors(subscriptions: &[Lifecycle], id: SubscriptionId) -> impl Iterator<Item = usize> + '_ {
    subscriptions.iter().enumerate().filter_map(move |(index, subscription)| {
        (subscription.previous_id == Some(id) && subscription.status == SubscriptionStatus::Pending)
            .then_some(index)
    })
}

#[cfg(test)]
mod tests;
