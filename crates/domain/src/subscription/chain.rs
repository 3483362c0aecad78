//! The subscriptions of one external id, held in memory between requests: their lifecycles, in
//! the order the store loads them (oldest first), each with its plan. A lookup applies the
//! time-driven transitions due at the instant it is asked (`advance`), as the database path
//! does, so a chain loaded yesterday answers today's statuses; a lone subscription with nothing
//! due is looked up in place, without a copy. A chain is one allocation with no spare capacity,
//! and nothing beside it: a server holds millions.

use chrono::{DateTime, Utc};

use crate::ids::{PlanId, SubscriptionId};
use crate::subscription::lifecycle::{Lifecycle, advance, next_transition_at};
use crate::subscription::selection::{WantedStatus, find_by_status};

/// The subscriptions sharing an external id, oldest first, with the plan of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionChain {
    members: Box<[(Lifecycle, PlanId)]>,
}

/// The subscription a lookup found in a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainMember {
    pub id: SubscriptionId,
    pub plan_id: PlanId,
}

impl SubscriptionChain {
    /// A chain of `members` (lifecycle and plan), given oldest first (creation time, then id).
    pub fn new(members: Vec<(Lifecycle, PlanId)>) -> Self {
        Self { members: members.into_boxed_slice() }
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The ids of the chain's subscriptions.
    pub fn subscription_ids(&self) -> impl Iterator<Item = SubscriptionId> + '_ {
        self.members.iter().map(|(lifecycle, _)| lifecycle.id)
    }

    /// The subscription a lookup with `wanted` finds at `now` (`find_by_status` on the statuses
    /// in effect at `now`).
    pub fn find(&self, wanted: WantedStatus, now: DateTime<Utc>) -> Option<ChainMember> {
        let id = match &*self.members {
            [(lifecycle, _)]
                if next_transition_at(std::slice::from_ref(lifecycle), 0).is_none_or(|due| due > now) =>
            {
                find_by_status(std::slice::from_ref(lifecycle), wanted)
            }
            members => {
                let mut lifecycles: Vec<Lifecycle> =
                    members.iter().map(|(lifecycle, _)| lifecycle.clone()).collect();
                advance(&mut lifecycles, now);
                find_by_status(&lifecycles, wanted)
            }
        }?;
        let (_, plan_id) = self.members.iter().find(|(lifecycle, _)| lifecycle.id == id)?;
        Some(ChainMember { id, plan_id: *plan_id })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Tz;

    use super::*;
    use crate::ids::CustomerId;
    use crate::subscription::SubscriptionStatus;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 0, 0, 0).single().expect("a valid date")
    }

    fn lifecycle(status: SubscriptionStatus, subscription_at: DateTime<Utc>) -> Lifecycle {
        Lifecycle {
            id: SubscriptionId::generate(),
            customer_id: CustomerId::generate(),
            previous_id: None,
            status,
            subscription_at,
            started_at: (status == SubscriptionStatus::Active).then_some(subscription_at),
            ending_at: None,
            terminated_at: None,
            canceled_at: None,
            downgrade_at: None,
            timezone: Tz::UTC,
        }
    }

    const ACTIVE: WantedStatus = WantedStatus::Status(SubscriptionStatus::Active);
    const PENDING: WantedStatus = WantedStatus::Status(SubscriptionStatus::Pending);

    #[test]
    fn a_pending_subscription_is_found_active_once_its_start_date_comes() {
        let pending = lifecycle(SubscriptionStatus::Pending, at(10));
        let plan_id = PlanId::generate();
        let chain = SubscriptionChain::new(vec![(pending.clone(), plan_id)]);
        assert_eq!(chain.find(ACTIVE, at(9)), None);
        assert_eq!(chain.find(PENDING, at(9)), Some(ChainMember { id: pending.id, plan_id }));
        assert_eq!(chain.find(ACTIVE, at(10)), Some(ChainMember { id: pending.id, plan_id }));
        assert_eq!(chain.find(PENDING, at(11)), None);
    }

    #[test]
    fn an_ending_subscription_is_found_terminated_once_it_ends() {
        let mut active = lifecycle(SubscriptionStatus::Active, at(1));
        active.ending_at = Some(at(5));
        let chain = SubscriptionChain::new(vec![(active.clone(), PlanId::generate())]);
        assert_eq!(chain.find(ACTIVE, at(4)).map(|member| member.id), Some(active.id));
        assert_eq!(chain.find(ACTIVE, at(5)), None);
        let terminated = WantedStatus::Status(SubscriptionStatus::Terminated);
        assert_eq!(chain.find(terminated, at(6)).map(|member| member.id), Some(active.id));
    }

    #[test]
    fn an_upgrade_is_found_active_and_its_predecessor_terminated() {
        let mut old = lifecycle(SubscriptionStatus::Terminated, at(1));
        old.terminated_at = Some(at(3));
        let mut new = lifecycle(SubscriptionStatus::Active, at(3));
        new.previous_id = Some(old.id);
        let (old_plan, new_plan) = (PlanId::generate(), PlanId::generate());
        let chain = SubscriptionChain::new(vec![(old.clone(), old_plan), (new.clone(), new_plan)]);
        assert_eq!(chain.find(ACTIVE, at(4)), Some(ChainMember { id: new.id, plan_id: new_plan }));
        let terminated = WantedStatus::Status(SubscriptionStatus::Terminated);
        assert_eq!(chain.find(terminated, at(4)), Some(ChainMember { id: old.id, plan_id: old_plan }));
        assert_eq!(chain.subscription_ids().collect::<Vec<_>>(), vec![old.id, new.id]);
    }

    #[test]
    fn an_unknown_status_finds_nothing() {
        let chain =
            SubscriptionChain::new(vec![(lifecycle(SubscriptionStatus::Active, at(1)), PlanId::generate())]);
        assert_eq!(chain.find(WantedStatus::Nothing, at(2)), None);
        assert!(!chain.is_empty());
    }
}
