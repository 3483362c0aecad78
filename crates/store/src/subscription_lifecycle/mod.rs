//! The lifecycle of stored subscriptions, below every resource that can end one: the sets of
//! subscriptions sharing an external id with their effective statuses, the time-driven
//! transitions written when due (by reads and by the sweeper), and the subscriptions ended when
//! their plan or customer is deleted.

pub(crate) mod cascades;
pub(crate) mod chain;
pub(crate) mod transitions;
