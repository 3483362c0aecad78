//! The lifecycle of stored subscriptions, below every resource that can end one: the sets of
//! subscriptions sharing an external id with their effective statuses, the time-driven
//! transitions written when due (by reads and by the sweeper), and the subscriptions ended when
//! their plan or customer is deleted, and the notices the sweeper records about active ones
//! (trial ends, termination alerts).

pub(crate) mod cascades;
pub(crate) mod chain;
pub(crate) mod notices;
pub(crate) mod transitions;
