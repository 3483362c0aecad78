//! Entitlements as stored, for plans and for subscriptions (overrides and removals): loaded for
//! many owners in a fixed number of queries, changed by applying the domain's decisions, and
//! deleted with the feature or privilege they attach.

pub(crate) mod feature_deletion;
pub(crate) mod rows;
pub(crate) mod subscription_rows;
